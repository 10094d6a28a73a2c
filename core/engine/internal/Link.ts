/**
 * A destination of the stream manager's data plane (a local instance, another stream manager) with
 * its batch being built, and the plane's counters.
 */
import type { BufferPool } from "./BufferPool.js"
import { ByteWriter } from "./ByteWriter.js"

/** Where a link's batches go once connected. `queued` tells what was handed on and not sent yet
 * (a socket's unsent bytes); without it the link counts bytes sent until reported `consumed`
 * (an instance's unprocessed batches). */
export interface Outlet {
  /** Sends a batch; the outlet keeps it: it must not be written to afterwards. */
  readonly send: (batch: Uint8Array) => void
  /** Copies a batch on (into an instance's ring, see Ring.ts) if there is room for it now: false
   * when there is not. The link then keeps the batch, and offers it again once the instance
   * reports a batch consumed; its own buffers are reused, none changes hands. When an outlet
   * has `offer`, the link uses it instead of `send`. */
  readonly offer?: (batch: Uint8Array) => boolean
  /** Sends several batches at once (one message to a worker instead of one each). */
  readonly sendAll?: (batches: ReadonlyArray<Uint8Array>) => void
  readonly queued?: () => number
}

/** A link's batch is sent once this many bytes are waiting, whatever `ready` says. */
export const FLUSH_BYTES = 64 * 1024
const MAX_BATCHES_IN_FLIGHT = 2
/** Spare buffers a link keeps for parked batches (see `flushOffered`). */
const SPARE_BUFFERS = 16

/** One destination of the data plane: a local instance or another stream manager. */
export class Link {
  readonly out = new ByteWriter()
  dirty = false
  outlet: Outlet | undefined
  /** Bytes sent to an outlet without `queued` and not yet consumed. */
  inflight = 0
  /** Batches sent to an outlet without `queued` and not yet consumed. */
  batches = 0
  /** Whole batches to send as they are at the end of the turn (see `hold`). */
  private held: Array<Uint8Array> = []
  private heldBytes = 0
  /** Full batches waiting for room at an outlet with `offer`, oldest first; and buffers of batches
   * offered since, for the next ones. */
  private parked: Array<Uint8Array> = []
  private parkedBytes = 0
  private readonly spare: Array<Buffer<ArrayBuffer>> = []
  /** `pool`: where the link takes the buffer it writes its next batch in when it hands one over
   * (see `flush`); the outlet gives handed-over buffers back once done with them. */
  constructor(readonly name: string, private readonly pool?: BufferPool) {}

  /** Keeps a whole batch (a run handed over without a copy) for the next `flush`, ahead of
   * anything written to `out` after it. Held batches go together: at full speed several arrive
   * per turn, and a message to a worker costs more than the copy the hand-over saves. */
  hold(batch: Uint8Array): void {
    this.held.push(batch)
    this.heldBytes += batch.length
  }

  /** Sends the held batches, then the batch being built if it may go now (see `ready`), in one
   * message when the outlet takes several. */
  flush(): void {
    const outlet = this.outlet
    if (outlet === undefined) return
    if (outlet.offer !== undefined) return this.flushOffered(outlet.offer)
    const batches = this.held
    if (batches.length > 0) {
      this.held = []
      this.count(this.heldBytes, batches.length)
      this.heldBytes = 0
    }
    const waiting = this.out.len
    if (waiting > 0 && (waiting >= FLUSH_BYTES || this.ready)) {
      const batch = this.takeBatch()
      this.count(batch.length, 1)
      if (batches.length === 0) return outlet.send(batch)
      batches.push(batch)
    }
    if (batches.length === 1) outlet.send(batches[0]!)
    else if (batches.length > 1) {
      if (outlet.sendAll !== undefined) outlet.sendAll(batches)
      else for (const b of batches) outlet.send(b)
    }
  }

  /** The batch being built, handed over: with a pool, the writer's buffer itself (the outlet
   * gives it back once written) and a pooled one to go on in, so that no buffer is allocated per
   * batch (a stream manager allocating ArrayBuffers at the rate it writes ran full collections
   * several times a second); else an exact copy or the buffer itself (`takeOwned`). */
  private takeBatch(): Uint8Array<ArrayBuffer> {
    if (this.pool === undefined) return this.out.takeOwned()
    const w = this.out
    const batch = w.buf.subarray(0, w.len)
    w.buf = this.pool.takeWhole(FLUSH_BYTES)
    w.len = 0
    return batch
  }

  /** `flush` to an outlet that copies what it is offered: the parked batches in order, then the
   * batch being built if it may go now; a full one that finds no room is parked, and the writer
   * goes on in a spare buffer. */
  private flushOffered(offer: (batch: Uint8Array) => boolean): void {
    if (this.held.length > 0) {
      // Not made for such links (the data plane copies into `out`), but kept in order if any.
      this.parked.push(...this.held)
      this.parkedBytes += this.heldBytes
      this.held = []
      this.heldBytes = 0
    }
    while (this.parked.length > 0 && offer(this.parked[0]!)) {
      const b = this.parked.shift()!
      this.parkedBytes -= b.length
      this.count(b.length, 1)
      if (this.spare.length < SPARE_BUFFERS && b.buffer instanceof ArrayBuffer && b.buffer.byteLength >= FLUSH_BYTES) this.spare.push(Buffer.from(b.buffer))
    }
    const n = this.out.len
    if (n === 0) return
    if (this.parked.length === 0 && (n >= FLUSH_BYTES || this.ready) && offer(this.out.buf.subarray(0, n))) {
      this.count(n, 1)
      this.out.reset()
    } else if (n >= FLUSH_BYTES) {
      this.parked.push(this.out.buf.subarray(0, n))
      this.parkedBytes += n
      this.out.buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(FLUSH_BYTES)
      this.out.len = 0
    }
  }

  /** Whether anything waits to be sent. */
  get pending(): boolean {
    return this.out.len > 0 || this.held.length > 0 || this.parked.length > 0
  }

  private count(bytes: number, batches: number): void {
    if (this.outlet?.queued !== undefined) return
    this.inflight += bytes
    this.batches += batches
  }
  /** Whether a batch may go to the outlet now. An instance that has two batches to work through
   * already gets the next one when it reports one consumed (or once FLUSH_BYTES are waiting):
   * while it is busy, tuples gather into bigger batches instead of costing a message each. */
  get ready(): boolean {
    const outlet = this.outlet
    return outlet !== undefined && (outlet.queued !== undefined || this.batches < MAX_BATCHES_IN_FLIGHT)
  }

  /** Bytes waiting for this destination: being batched or held, plus handed on and not
   * consumed. */
  get buffered(): number {
    const q = this.outlet?.queued
    return this.out.len + this.heldBytes + this.parkedBytes + (q === undefined ? this.inflight : q())
  }
}

/** Counters for the stream manager's metrics, reset when read. */
export interface DataPlaneStats {
  tuplesToWorkers: number
  bytesToWorkers: number
  tuplesToPeers: number
  bytesToPeers: number
  dropped: number
  acked: number
  failed: number
  timedOut: number
}

/** All counters at zero. */
export const emptyStats = (): DataPlaneStats => ({
  tuplesToWorkers: 0, bytesToWorkers: 0, tuplesToPeers: 0, bytesToPeers: 0, dropped: 0, acked: 0, failed: 0, timedOut: 0
})

