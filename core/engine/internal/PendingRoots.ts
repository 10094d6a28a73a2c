/**
 * A spout's tuples in flight (emitted with a message id, not yet acked or failed), by root: their
 * message id, their stream's metrics and when they were emitted. On typed arrays (RootTable.ts)
 * rather than a Map of objects: a spout adds and removes one per tracked tuple.
 */
import { RootTable } from "./RootTable.js"

const INITIAL = 1024

/** What `take` found: valid until the next `add`. */
export interface Taken<N> {
  messageId: unknown
  names: N
  at: number
}

export class PendingRoots<N> extends RootTable {
  private ids: Array<unknown> = new Array<unknown>(INITIAL)
  private names: Array<N | undefined> = new Array<N | undefined>(INITIAL)
  private at = new Float64Array(INITIAL)

  constructor() {
    super(INITIAL)
  }

  protected resize(capacity: number): void {
    this.ids.length = capacity
    this.names.length = capacity
    const at = new Float64Array(capacity)
    at.set(this.at)
    this.at = at
  }

  protected move(from: number, to: number): void {
    this.ids[to] = this.ids[from]
    this.names[to] = this.names[from]
    this.at[to] = this.at[from]!
    this.ids[from] = undefined
    this.names[from] = undefined
  }

  /** Tracks root (hi, lo), new. */
  add(hi: number, lo: number, messageId: unknown, names: N, at: number): void {
    const e = this.insert(hi, lo)
    this.ids[e] = messageId
    this.names[e] = names
    this.at[e] = at
  }

  /** Removes root (hi, lo) into `out`; false if it is not tracked (completed before a restart, or
   * already timed out). */
  take(hi: number, lo: number, out: Taken<N>): boolean {
    const e = this.find(hi, lo)
    const names = e < 0 ? undefined : this.names[e]
    if (names === undefined) return false
    out.messageId = this.ids[e]
    out.names = names
    out.at = this.at[e]!
    // Not kept alive by the table: the message id is the user's.
    this.ids[e] = undefined
    this.names[e] = undefined
    this.remove(e)
    return true
  }
}
