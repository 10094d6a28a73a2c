/**
 * A destination of the stream manager's data plane (a local instance, another stream manager) with
 * its batch being built, and the plane's counters.
 */
import { ByteWriter } from "./ByteWriter.js"

/** Where a link's batches go once connected. `queued` tells what was handed on and not sent yet
 * (a socket's unsent bytes); without it the link counts bytes sent until reported `consumed`
 * (an instance's unprocessed batches). */
export interface Outlet {
  readonly send: (batch: Uint8Array) => void
  /** Sends several batches at once (one message to a worker instead of one each). */
  readonly sendAll?: (batches: ReadonlyArray<Uint8Array>) => void
  readonly queued?: () => number
}

/** A link's batch is sent once this many bytes are waiting, whatever `ready` says. */
export const FLUSH_BYTES = 64 * 1024
const MAX_BATCHES_IN_FLIGHT = 2

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
  constructor(readonly name: string) {}

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
    const batches = this.held
    if (batches.length > 0) {
      this.held = []
      this.count(this.heldBytes, batches.length)
      this.heldBytes = 0
    }
    const waiting = this.out.len
    if (waiting > 0 && (waiting >= FLUSH_BYTES || this.ready)) {
      const batch = this.out.takeOwned()
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
    return this.out.len + this.heldBytes + (q === undefined ? this.inflight : q())
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

