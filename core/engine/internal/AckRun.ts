/**
 * The acking entries an instance made for one spout task since its last batch went out: the
 * spout's INITs, a bolt's XORs (already combined per root, see AckBuffer.ts) and its FAILs, in the
 * order they were made. They travel as one ACKS frame (see Frames.ts) in the batch for the spout's
 * container, so the spout's stream manager handles them in one pass instead of a frame each.
 */
import { ByteWriter, put32 } from "./ByteWriter.js"
import { ACK_ENTRY, ACKS_HEAD, writeAcksHead } from "./Frames.js"

export class AckRun {
  /** The entries, behind room for the frame's head. */
  readonly w = new ByteWriter(1024)
  entries = 0

  constructor(readonly task: number) {
    this.w.len = ACKS_HEAD
  }

  /** Appends an entry (`op` is an AckOp). */
  add(op: number, rootHi: number, rootLo: number, xorHi: number, xorLo: number): void {
    const w = this.w
    w.ensure(ACK_ENTRY)
    const b = w.buf
    const o = w.len
    b[o] = op
    put32(b, o + 1, rootHi)
    put32(b, o + 5, rootLo)
    put32(b, o + 9, xorHi)
    put32(b, o + 13, xorLo)
    w.len = o + ACK_ENTRY
    this.entries++
  }

  /** Appends the ACKS frame of the entries to `out` (nothing when there are none), and empties. */
  writeTo(out: ByteWriter): void {
    if (this.entries === 0) return
    writeAcksHead(this.w.buf, 0, this.task, this.entries)
    out.bytes(this.w.buf, 0, this.w.len)
    this.w.len = ACKS_HEAD
    this.entries = 0
  }
}
