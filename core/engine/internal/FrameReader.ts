/**
 * Reassembles frames from a byte stream (a TCP socket): chunks arrive cut anywhere; complete frames
 * are handed on in place, and only a frame cut by a chunk boundary is copied (into a buffer of its
 * exact size, completed from the next chunks).
 */
import { forEachFrame } from "./Frames.js"

/** Feeds complete frames of a stream to `onFrame`. */
export class FrameReader {
  /** The frame being completed, and how many of its bytes arrived. */
  private partial: Buffer | undefined
  private have = 0
  /** Fewer than 4 bytes of a frame: its length is not known yet. */
  private head: Buffer | undefined

  /** Refuses frames longer than `maxFrame` bytes (a corrupt or hostile stream). */
  constructor(
    private readonly onFrame: (buf: Buffer, start: number, end: number) => void,
    private readonly maxFrame = 256 * 1024 * 1024
  ) {}

  /** Feeds one chunk. Throws when a frame announces more than `maxFrame` bytes. */
  push(chunk: Buffer): void {
    let buf = chunk
    if (this.head !== undefined) {
      buf = Buffer.concat([this.head, chunk])
      this.head = undefined
    }
    let off = 0
    if (this.partial !== undefined) {
      const p = this.partial
      const n = Math.min(p.length - this.have, buf.length)
      buf.copy(p, this.have, 0, n)
      this.have += n
      off = n
      if (this.have < p.length) return
      this.partial = undefined
      this.onFrame(p, 0, p.length)
    }
    const done = forEachFrame(buf, off, buf.length, this.onFrame)
    const rest = buf.length - done
    if (rest === 0) return
    if (rest < 4) {
      this.head = Buffer.from(buf.subarray(done))
      return
    }
    const size = 4 + buf.readUInt32LE(done)
    if (size - 4 > this.maxFrame) throw new Error(`frame of ${size - 4} bytes exceeds the limit of ${this.maxFrame}`)
    const p = Buffer.allocUnsafe(size)
    buf.copy(p, 0, done)
    this.partial = p
    this.have = rest
  }

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    return (this.head?.length ?? 0) + (this.partial === undefined ? 0 : this.have)
  }
}
