/**
 * The XOR ledger of the tuple trees rooted at this stream manager's spout tasks (Heron keeps it in
 * the stream manager). A root opens with the XOR of the edge ids of the spout's copies; every ack
 * XORs in the acked tuple's edge and the edges of the tuples anchored to it; when the value is
 * zero every tuple of the tree was acked. Roots that neither complete nor fail expire after the
 * message timeout. Plain TypeScript: it runs per ack.
 */

/** An open root: its spout task, the XOR so far, and when it times out. */
export interface AckEntry {
  readonly spoutTask: number
  xorHi: number
  xorLo: number
  readonly deadline: number
}

/** The ledger of one stream manager; see the top of this file. */
export class AckTable {
  // Insertion order is deadline order (one timeout for all), so expiry stops at the first live entry.
  private readonly entries = new Map<number, AckEntry>()

  constructor(public timeoutMs: number) {}

  get size(): number {
    return this.entries.size
  }

  /** Opens root `key` of `spoutTask` with the XOR of its first edges. */
  open(spoutTask: number, key: number, xorHi: number, xorLo: number, now: number): void {
    const e = this.entries.get(key)
    if (e !== undefined) {
      e.xorHi ^= xorHi
      e.xorLo ^= xorLo
      return
    }
    this.entries.set(key, { spoutTask, xorHi: xorHi | 0, xorLo: xorLo | 0, deadline: now + this.timeoutMs })
  }

  /** XORs an ack into root `key`; returns the entry when the tree is complete (and removes it).
   * Unknown roots (timed out, or from before a restart) are ignored. */
  xor(key: number, xorHi: number, xorLo: number): AckEntry | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    e.xorHi ^= xorHi
    e.xorLo ^= xorLo
    if (e.xorHi !== 0 || e.xorLo !== 0) return undefined
    this.entries.delete(key)
    return e
  }

  /** Removes root `key` on an explicit fail; returns it if it was open. */
  fail(key: number): AckEntry | undefined {
    const e = this.entries.get(key)
    if (e !== undefined) this.entries.delete(key)
    return e
  }

  /** Removes and reports every root whose deadline has passed. */
  expire(now: number, onExpired: (key: number, entry: AckEntry) => void): void {
    for (const [key, e] of this.entries) {
      if (e.deadline > now) return
      this.entries.delete(key)
      onExpired(key, e)
    }
  }

  /** Forgets the roots of a spout task whose instance restarted (its pending tuples are gone). */
  dropTask(spoutTask: number): void {
    for (const [key, e] of this.entries) if (e.spoutTask === spoutTask) this.entries.delete(key)
  }
}
