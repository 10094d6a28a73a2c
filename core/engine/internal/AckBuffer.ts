/**
 * A bolt's acks, combined per root until the next flush: XOR is associative, so the acks of many
 * tuples of one tree (the words of one sentence, say) travel as one ACK_XOR frame. This moves work
 * from the stream manager's thread (one frame and one ledger update per ack) to the bolt's.
 */
import { Kind, rootKey, writeAckXor } from "./Frames.js"
import type { Outbox } from "./Outbox.js"
import type { TupleImpl } from "./TupleImpl.js"

interface Combined {
  readonly task: number
  readonly hi: number
  readonly lo: number
  xHi: number
  xLo: number
}

export class AckBuffer {
  private readonly roots = new Map<number, Combined>()

  /** Adds the ack of `tuple`: per root, its value XOR the edges anchored to it since. */
  add(tuple: TupleImpl): void {
    const r = tuple.roots
    for (let k = 0; k < r.length; k += 5) {
      const hi = r[k + 1]!
      const lo = r[k + 2]!
      const xHi = r[k + 3]! ^ tuple.outHi
      const xLo = r[k + 4]! ^ tuple.outLo
      const key = rootKey(hi, lo)
      const c = this.roots.get(key)
      if (c === undefined) this.roots.set(key, { task: r[k]!, hi, lo, xHi, xLo })
      else {
        c.xHi ^= xHi
        c.xLo ^= xLo
      }
    }
  }

  /** Writes one ACK_XOR frame per root, for its spout's task (none for a root whose acks
   * cancel out), and empties. */
  writeTo(outs: Outbox): void {
    if (this.roots.size === 0) return
    for (const c of this.roots.values()) {
      if (c.xHi !== 0 || c.xLo !== 0) writeAckXor(outs.of(c.task), Kind.ACK_XOR, c.task, c.hi, c.lo, c.xHi, c.xLo)
    }
    this.roots.clear()
  }
}
