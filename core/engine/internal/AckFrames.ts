/**
 * Applies the ACKS frames of this stream manager's spout tasks to its XOR ledger (AckTable.ts), in
 * one pass per frame, and says which trees ended: acked (their XOR is back to zero), failed by a
 * bolt, or timed out. What to do with an ended tree (an ACKED or FAILED frame to its spout) is the
 * caller's: DataPlane.ts.
 */
import type { AckTable } from "./AckTable.js"
import { get32 } from "./ByteWriter.js"
import { ACK_ENTRY, AckOp, ACKS_HEAD, FailReason, Kind } from "./Frames.js"

/** A tree of `spoutTask` rooted at (hi, lo) ended: `kind` ACKED or FAILED, with its FailReason. */
export type Outcome = (kind: number, spoutTask: number, hi: number, lo: number, reason: number) => void

export class AckFrames {
  /** The time of the batch being applied, once read (-1: not yet). */
  private clock = -1

  constructor(readonly table: AckTable, private readonly outcome: Outcome) {}

  /** A new batch of frames begins: the clock is read again when a root opens. */
  newBatch(): void {
    this.clock = -1
  }

  /** Applies the entries of the ACKS frame at `start` for spout task `spoutTask`, in order. */
  apply(spoutTask: number, buf: Buffer, start: number, end: number): void {
    const acks = this.table
    const stop = Math.min(end, start + ACKS_HEAD + get32(buf, start + 9) * ACK_ENTRY)
    for (let o = start + ACKS_HEAD; o + ACK_ENTRY <= stop; o += ACK_ENTRY) {
      const op = buf[o]
      const hi = get32(buf, o + 1)
      const lo = get32(buf, o + 5)
      if (op === AckOp.XOR) {
        if (acks.xorRoot(hi, lo, get32(buf, o + 9), get32(buf, o + 13)) >= 0) this.outcome(Kind.ACKED, spoutTask, hi, lo, 0)
      } else if (op === AckOp.INIT) {
        // The clock is read once per batch of frames, not per root.
        if (this.clock < 0) this.clock = performance.now()
        acks.openRoot(spoutTask, hi, lo, get32(buf, o + 9), get32(buf, o + 13), this.clock)
      } else if (op === AckOp.FAIL && acks.failRoot(hi, lo) >= 0) this.outcome(Kind.FAILED, spoutTask, hi, lo, FailReason.EXPLICIT)
    }
  }

  /** Fails the roots whose message timeout passed at `now`. */
  expire(now: number): void {
    this.table.expireRoots(now, (task, hi, lo) => this.outcome(Kind.FAILED, task, hi, lo, FailReason.TIMEOUT))
  }
}
