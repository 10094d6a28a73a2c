/**
 * An instance's outgoing frames, grouped by the container of their destination task: one batch
 * for this container and one per other container, which the stream manager forwards to that
 * container's socket whole, without reading it. A forwarded batch starts with a ROUTE frame naming
 * its container.
 *
 * Within a batch, the DATA frames for each task travel as one RUN frame (see Frames.ts): the
 * stream manager of the task's container passes its body to the instance in one piece (one copy,
 * or none) instead of routing and copying frame by frame, which is what bounded its throughput.
 * Acking entries go through `ack`: one ACKS frame per spout task and batch (see AckRun.ts).
 */
import { AckRun } from "./AckRun.js"
import { ByteWriter } from "./ByteWriter.js"
import { HEADER, Kind, RUN_HEAD, writeControl, writeControlAt, writeRunHead } from "./Frames.js"

/** A batch is sent once one of its writers holds this many bytes (and at the end of each unit of work). */
export const FLUSH_BYTES = 64 * 1024
/** The size of the ROUTE frame at the head of a forwarded batch. */
export const ROUTE_BYTES = HEADER + 4
/** Run writers start small and grow (an instance may send to many tasks). */
const RUN_INITIAL = 4096

/**
 * The DATA frames for one task. Its writer keeps room for a ROUTE frame and the RUN header in
 * front of the frames, so that a batch made of this run alone is sent in its own buffer, as is.
 */
class Run {
  readonly w = new ByteWriter(RUN_INITIAL)
  tuples = 0
  constructor(readonly task: number) {
    this.w.len = ROUTE_BYTES + RUN_HEAD
  }
  get empty(): boolean {
    return this.tuples === 0
  }
}

/** What goes to one container: frames handled one by one (after a ROUTE frame for another
 * container), and the runs of its tasks. */
interface Group {
  readonly container: number
  readonly single: ByteWriter
  /** Bytes of `single` that are not frames (the ROUTE frame kept in place between batches). */
  readonly head: number
  runs: Array<Run>
}

export class Outbox {
  private readonly remote = new Map<number, Group>()
  private readonly localGroup: Group
  private writerOf: Array<ByteWriter | undefined> = []
  private runOf: Array<Run | undefined> = []
  /** The acking entries by spout task, and every such run made (few: one per spout task). */
  private readonly ackRunOf: Array<AckRun | undefined> = []
  private readonly ackRuns: Array<AckRun> = []
  /** Set when a writer passed FLUSH_BYTES. */
  full = false
  /** Where lent batches of several pieces are assembled (see `drain`). */
  private readonly scratch = new ByteWriter()

  /** `local` takes the frames for this container's tasks that are handled one by one (and any
   * frame for tasks not in the plan, which the stream manager drops). */
  constructor(readonly local: ByteWriter = new ByteWriter()) {
    this.localGroup = { container: 0, single: local, head: 0, runs: [] }
  }

  /** Sets which container each task runs in (the physical plan). Frames already written stay in
   * their runs, which follow their task to its (new) container; those of a task that left the
   * plan go once to this container's stream manager, which drops (and counts) them. */
  setPlan(self: number, containerOf: ReadonlyMap<number, number>): void {
    const writers: Array<ByteWriter | undefined> = []
    const runs: Array<Run | undefined> = []
    this.localGroup.runs = []
    for (const g of this.remote.values()) g.runs = []
    for (const [task, c] of containerOf) {
      let g = this.localGroup
      if (c !== self) {
        const r = this.remote.get(c)
        if (r !== undefined) g = r
        else {
          const w = new ByteWriter()
          writeControl(w, Kind.ROUTE, c)
          g = { container: c, single: w, head: ROUTE_BYTES, runs: [] }
          this.remote.set(c, g)
        }
        writers[task] = g.single
      }
      const run = this.runOf[task] ?? new Run(task)
      runs[task] = run
      g.runs.push(run)
    }
    for (const run of this.runOf) if (run !== undefined && runs[run.task] === undefined && !run.empty) this.localGroup.runs.push(run)
    this.writerOf = writers
    this.runOf = runs
  }

  /** Adds an acking entry for spout task `task` (`op` is an AckOp; see AckRun.ts). */
  ack(task: number, op: number, rootHi: number, rootLo: number, xorHi: number, xorLo: number): void {
    let run = this.ackRunOf[task]
    if (run === undefined) {
      run = new AckRun(task)
      this.ackRunOf[task] = run
      this.ackRuns.push(run)
    }
    run.add(op, rootHi, rootLo, xorHi, xorLo)
    if (run.w.len >= FLUSH_BYTES) this.full = true
  }

  /** The writer for frames to `task` that its stream manager handles one by one. */
  of(task: number): ByteWriter {
    return this.writerOf[task] ?? this.local
  }

  /** The writer for one DATA frame to `task` (the caller writes exactly one; then `check`). */
  data(task: number): ByteWriter {
    const run = this.runOf[task]
    if (run === undefined) return this.local
    run.tuples++
    return run.w
  }

  /** Marks the outbox full when `w` passed the flush size. */
  check(w: ByteWriter): void {
    if (w.len >= FLUSH_BYTES) this.full = true
  }

  /** Hands every non-empty batch to `send`: this container's first (it opens the roots that the
   * other batches' tuples belong to), then one per other container. Each batch is a buffer of its
   * own, unless `lend`: then it is a view of the outbox's buffers, valid during the call only (for
   * a `send` that copies it, as into an instance's ring: no buffer is allocated per batch). */
  drain(send: (batch: Uint8Array<ArrayBuffer>) => void, lend = false): void {
    this.full = false
    for (const run of this.ackRuns) run.writeTo(this.of(run.task))
    this.drainGroup(this.localGroup, send, lend)
    for (const g of this.remote.values()) this.drainGroup(g, send, lend)
  }

  private drainGroup(g: Group, send: (batch: Uint8Array<ArrayBuffer>) => void, lend: boolean): void {
    const single = g.single.len - g.head
    let size = single
    let only: Run | undefined
    let n = 0
    for (const run of g.runs) {
      if (run.empty) continue
      size += run.w.len - ROUTE_BYTES
      only = run
      n++
    }
    if (size === 0) return
    if (n === 0) {
      // Only frames handled one by one: their writer's buffer is the batch.
      if (lend) {
        send(g.single.buf.subarray(0, g.single.len))
        g.single.reset()
      } else send(g.single.takeOwned())
      if (g.head > 0) writeControl(g.single, Kind.ROUTE, g.container)
      return
    }
    if (n === 1 && single === 0 && only !== undefined) {
      // The common case (a spout or bolt feeding one task there): the run's own buffer, behind
      // the room kept for the ROUTE frame, is the batch.
      const w = only.w
      writeRunHead(w.buf, ROUTE_BYTES, only.task, only.tuples, w.len - ROUTE_BYTES)
      if (g.head > 0) writeControlAt(w.buf, 0, Kind.ROUTE, g.container)
      if (lend) {
        send(w.buf.subarray(ROUTE_BYTES - g.head, w.len))
        w.reset()
        return this.rewind(only)
      }
      const batch = w.takeOwned(ROUTE_BYTES - g.head)
      this.rewind(only)
      return send(batch)
    }
    // Several pieces: one copy into an exact-size buffer (or the lent scratch one), on the
    // instance's thread.
    const out = lend ? this.scratchFor(size + g.head) : new Uint8Array(size + g.head)
    out.set(g.single.buf.subarray(0, g.single.len))
    let at = g.single.len
    g.single.len = g.head
    for (const run of g.runs) {
      if (run.empty) continue
      const w = run.w
      writeRunHead(w.buf, ROUTE_BYTES, run.task, run.tuples, w.len - ROUTE_BYTES)
      out.set(w.buf.subarray(ROUTE_BYTES, w.len), at)
      at += w.len - ROUTE_BYTES
      w.reset()
      this.rewind(run)
    }
    send(out)
    if (lend) this.scratch.reset()
  }

  /** A view of `size` bytes of the scratch buffer (lent batches of several pieces). */
  private scratchFor(size: number): Uint8Array<ArrayBuffer> {
    const w = this.scratch
    w.len = 0
    w.ensure(size)
    w.len = size
    return w.buf.subarray(0, size)
  }

  private rewind(run: Run): void {
    run.tuples = 0
    run.w.len = ROUTE_BYTES + RUN_HEAD
  }
}
