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
  readonly queued?: () => number
}

/** One destination of the data plane: a local instance or another stream manager. */
export class Link {
  readonly out = new ByteWriter()
  dirty = false
  outlet: Outlet | undefined
  /** Bytes sent to an outlet without `queued` and not yet consumed. */
  inflight = 0
  /** Batches sent to an outlet without `queued` and not yet consumed. */
  batches = 0
  constructor(readonly name: string) {}
  /** Bytes waiting for this destination: being batched, plus handed on and not consumed. */
  get buffered(): number {
    const q = this.outlet?.queued
    return this.out.len + (q === undefined ? this.inflight : q())
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

