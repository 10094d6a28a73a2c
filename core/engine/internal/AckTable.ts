/**
 * The XOR ledger of the tuple trees rooted at this stream manager's spout tasks (Heron keeps it in
 * the stream manager). A root opens with the XOR of the edge ids of the spout's copies; every ack
 * XORs in the acked tuple's edge and the edges of the tuples anchored to it; when the value is
 * zero every tuple of the tree was acked. Roots that neither complete nor fail expire after the
 * message timeout. Plain TypeScript on typed arrays (see RootTable.ts): it runs per ack.
 */
import { rootHiOf, rootKey, rootLoOf } from "./Frames.js"
import { RootTable } from "./RootTable.js"

/** An open root: its spout task, the XOR so far, and when it times out. */
export interface AckEntry {
  readonly spoutTask: number
  xorHi: number
  xorLo: number
  readonly deadline: number
}

const INITIAL = 1024

/** The ledger of one stream manager; see the top of this file. Roots are given as (hi, lo)
 * halves on the hot path, or as root keys (see Frames.ts). */
export class AckTable extends RootTable {
  private task = new Int32Array(INITIAL)
  private xorHi = new Int32Array(INITIAL)
  private xorLo = new Int32Array(INITIAL)
  // Entries are in insertion order, which is deadline order (one timeout for all), so expiry
  // stops at the first live entry.
  private deadline = new Float64Array(INITIAL)

  constructor(public timeoutMs: number) {
    super(INITIAL)
  }

  protected resize(capacity: number): void {
    const grow = <A extends Int32Array | Float64Array>(a: A, b: A): A => {
      b.set(a)
      return b
    }
    this.task = grow(this.task, new Int32Array(capacity))
    this.xorHi = grow(this.xorHi, new Int32Array(capacity))
    this.xorLo = grow(this.xorLo, new Int32Array(capacity))
    this.deadline = grow(this.deadline, new Float64Array(capacity))
  }

  protected move(from: number, to: number): void {
    this.task[to] = this.task[from]!
    this.xorHi[to] = this.xorHi[from]!
    this.xorLo[to] = this.xorLo[from]!
    this.deadline[to] = this.deadline[from]!
  }

  /** Opens root (hi, lo) of `spoutTask` with the XOR of its first edges. */
  openRoot(spoutTask: number, hi: number, lo: number, xorHi: number, xorLo: number, now: number): void {
    let e = this.find(hi, lo)
    if (e >= 0) {
      this.xorHi[e] ^= xorHi
      this.xorLo[e] ^= xorLo
      return
    }
    e = this.insert(hi, lo)
    this.task[e] = spoutTask
    this.xorHi[e] = xorHi
    this.xorLo[e] = xorLo
    this.deadline[e] = now + this.timeoutMs
  }

  /** XORs an ack into root (hi, lo); when the tree is complete, removes the root and returns its
   * spout task, else -1. Unknown roots (timed out, or from before a restart) are ignored. */
  xorRoot(hi: number, lo: number, xorHi: number, xorLo: number): number {
    const e = this.find(hi, lo)
    if (e < 0) return -1
    const h = (this.xorHi[e] ^= xorHi)
    const l = (this.xorLo[e] ^= xorLo)
    if (h !== 0 || l !== 0) return -1
    this.remove(e)
    return this.task[e]!
  }

  /** Removes root (hi, lo) on an explicit fail; returns its spout task if it was open, else -1. */
  failRoot(hi: number, lo: number): number {
    const e = this.find(hi, lo)
    if (e < 0) return -1
    this.remove(e)
    return this.task[e]!
  }

  /** Removes and reports, oldest first, every root whose deadline has passed. */
  expireRoots(now: number, onExpired: (spoutTask: number, hi: number, lo: number) => void): void {
    for (let e = this.head; e < this.end; e++) {
      if (this.alive[e] === 0) continue
      if (this.deadline[e]! > now) return
      this.remove(e)
      onExpired(this.task[e]!, this.hi[e]!, this.lo[e]! >>> 0)
    }
  }

  /** Forgets the roots of a spout task whose instance restarted (its pending tuples are gone). */
  dropTask(spoutTask: number): void {
    for (let e = this.head; e < this.end; e++) if (this.alive[e] === 1 && this.task[e] === spoutTask) this.remove(e)
  }

  /** `openRoot` by root key. */
  open(spoutTask: number, key: number, xorHi: number, xorLo: number, now: number): void {
    this.openRoot(spoutTask, rootHiOf(key), rootLoOf(key), xorHi, xorLo, now)
  }

  /** `xorRoot` by root key; returns the completed entry. */
  xor(key: number, xorHi: number, xorLo: number): AckEntry | undefined {
    const task = this.xorRoot(rootHiOf(key), rootLoOf(key), xorHi, xorLo)
    return task < 0 ? undefined : { spoutTask: task, xorHi: 0, xorLo: 0, deadline: 0 }
  }

  /** `failRoot` by root key; returns the entry if it was open. */
  fail(key: number): AckEntry | undefined {
    const task = this.failRoot(rootHiOf(key), rootLoOf(key))
    return task < 0 ? undefined : { spoutTask: task, xorHi: 0, xorLo: 0, deadline: 0 }
  }

  /** `expireRoots` by root key. */
  expire(now: number, onExpired: (key: number, entry: AckEntry) => void): void {
    this.expireRoots(now, (spoutTask, hi, lo) => onExpired(rootKey(hi, lo), { spoutTask, xorHi: 0, xorLo: 0, deadline: 0 }))
  }
}
