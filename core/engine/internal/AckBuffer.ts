/**
 * A bolt's acks, combined per root until the next flush: XOR is associative, so the acks of many
 * tuples of one tree (the words of one sentence, say) travel as one XOR entry of an ACKS frame.
 * This moves work from the stream manager's thread (one ledger update per ack) to the bolt's. On
 * typed arrays (RootTable.ts): no object or Map entry per root and flush.
 */
import { AckOp } from "./Frames.js"
import type { Outbox } from "./Outbox.js"
import { RootTable } from "./RootTable.js"
import type { TupleImpl } from "./TupleImpl.js"

const INITIAL = 256

export class AckBuffer extends RootTable {
  private task = new Int32Array(INITIAL)
  private xHi = new Int32Array(INITIAL)
  private xLo = new Int32Array(INITIAL)

  constructor() {
    super(INITIAL)
  }

  protected resize(capacity: number): void {
    for (const k of ["task", "xHi", "xLo"] as const) {
      const a = new Int32Array(capacity)
      a.set(this[k])
      this[k] = a
    }
  }

  protected move(from: number, to: number): void {
    this.task[to] = this.task[from]!
    this.xHi[to] = this.xHi[from]!
    this.xLo[to] = this.xLo[from]!
  }

  /** Adds the ack of `tuple`: per root, its value XOR the edges anchored to it since. */
  add(tuple: TupleImpl): void {
    if (tuple.rootCount === 0) return
    const oHi = tuple.outHi
    const oLo = tuple.outLo
    this.addRoot(tuple.task0, tuple.hi0, tuple.lo0, tuple.valHi0 ^ oHi, tuple.valLo0 ^ oLo)
    const m = tuple.more
    for (let k = 0; k < m.length; k += 5) this.addRoot(m[k]!, m[k + 1]!, m[k + 2]!, m[k + 3]! ^ oHi, m[k + 4]! ^ oLo)
  }

  private addRoot(task: number, hi: number, lo: number, xHi: number, xLo: number): void {
    let e = this.find(hi, lo)
    if (e >= 0) {
      this.xHi[e] ^= xHi
      this.xLo[e] ^= xLo
      return
    }
    e = this.insert(hi, lo)
    this.task[e] = task
    this.xHi[e] = xHi
    this.xLo[e] = xLo
  }

  /** Drops what was combined for root (hi, lo): the root failed, its acks no longer matter. */
  forget(hi: number, lo: number): void {
    const e = this.find(hi, lo)
    if (e >= 0) this.remove(e)
  }

  /** Writes one XOR entry per root, for its spout's task (none for a root whose acks cancel
   * out), and empties. */
  writeTo(outs: Outbox): void {
    if (this.size === 0) return
    for (let e = 0; e < this.end; e++) {
      const xHi = this.xHi[e]!
      const xLo = this.xLo[e]!
      if (this.alive[e] === 1 && (xHi !== 0 || xLo !== 0)) {
        const task = this.task[e]!
        outs.ack(task, AckOp.XOR, this.hi[e]!, this.lo[e]!, xHi, xLo)
      }
    }
    this.clear()
  }
}
