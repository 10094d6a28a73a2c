/**
 * An instance's outgoing frames, grouped by the container of their destination task: one batch
 * for this container (routed frame by frame by the stream manager) and one per other container,
 * which the stream manager forwards to that container's socket whole, without reading it. A
 * forwarded batch starts with a ROUTE frame naming its container; the writer keeps that frame in
 * place between batches, so an "empty" remote writer holds just it.
 */
import { ByteWriter } from "./ByteWriter.js"
import { HEADER, Kind, writeControl } from "./Frames.js"

/** A batch is sent once one of its writers holds this many bytes (and at the end of each unit of work). */
export const FLUSH_BYTES = 64 * 1024
/** The size of the ROUTE frame at the head of a forwarded batch. */
export const ROUTE_BYTES = HEADER + 4

export class Outbox {
  private readonly remote = new Map<number, ByteWriter>()
  private writerOf: Array<ByteWriter | undefined> = []
  /** Set when a writer passed FLUSH_BYTES. */
  full = false

  /** `local` takes the frames for this container's tasks (and for tasks not in the plan, which
   * the stream manager drops). */
  constructor(readonly local: ByteWriter = new ByteWriter()) {}

  /** Sets which container each task runs in (the physical plan). */
  setPlan(self: number, containerOf: ReadonlyMap<number, number>): void {
    const writers: Array<ByteWriter | undefined> = []
    for (const [task, c] of containerOf) {
      if (c === self) continue
      let w = this.remote.get(c)
      if (w === undefined) {
        w = new ByteWriter()
        writeControl(w, Kind.ROUTE, c)
        this.remote.set(c, w)
      }
      writers[task] = w
    }
    this.writerOf = writers
  }

  /** The writer for frames to `task`. */
  of(task: number): ByteWriter {
    return this.writerOf[task] ?? this.local
  }

  /** Marks the outbox full when `w` passed the flush size. */
  check(w: ByteWriter): void {
    if (w.len >= FLUSH_BYTES) this.full = true
  }

  /** Hands every non-empty batch to `send`: this container's first (it opens the roots that the
   * other batches' tuples belong to), then one per other container. */
  drain(send: (batch: Uint8Array<ArrayBuffer>) => void): void {
    this.full = false
    if (this.local.len > 0) send(this.local.takeOwned())
    for (const [c, w] of this.remote) {
      if (w.len <= ROUTE_BYTES) continue
      send(w.takeOwned())
      writeControl(w, Kind.ROUTE, c)
    }
  }
}
