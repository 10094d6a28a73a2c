/**
 * Reassembles frames from a byte stream (a TCP socket): chunks arrive cut anywhere; complete frames
 * are handed on in place, and only a frame cut by a chunk boundary is copied (into a buffer of its
 * exact size, completed from the next chunks). That buffer is the receiver's to keep: it is handed
 * on as `owned`, so that a big frame (a run of tuples, bigger than a socket read) reaches its
 * instance without another copy.
 */
import { forEachFrame } from "./Frames.js"

/** Feeds complete frames of a stream to `onFrame`. */
export class FrameReader {
  /** The frame being completed, and how many of its bytes arrived. */
  private partial: Buffer | undefined
  private have = 0
  /** Fewer than 4 bytes of a frame: its length is not known yet. */
  private head: Buffer | undefined

  private readonly inPlace: (buf: Buffer, start: number, end: number) => void

  /** Refuses frames longer than `maxFrame` bytes (a corrupt or hostile stream). `onFrame` gets
   * `owned` true when `buf` holds just that frame, in an ArrayBuffer of its own that nothing
   * else refers to (it may be transferred); else `buf` is only valid during the call. */
  constructor(
    private readonly onFrame: (buf: Buffer, start: number, end: number, owned: boolean) => void,
    private readonly maxFrame = 256 * 1024 * 1024,
    /** Allocates the buffer of a frame cut by a chunk boundary: `size` bytes, in an ArrayBuffer
     * of its own (never from Node's shared pool: it may be transferred). */
    private readonly alloc: (size: number) => Buffer = (size) => Buffer.allocUnsafeSlow(size)
  ) {
    this.inPlace = (buf, start, end) => onFrame(buf, start, end, false)
  }

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
      this.onFrame(p, 0, p.length, true)
    }
    const done = forEachFrame(buf, off, buf.length, this.inPlace)
    const rest = buf.length - done
    if (rest === 0) return
    if (rest < 4) {
      this.head = Buffer.from(buf.subarray(done))
      return
    }
    const size = 4 + buf.readUInt32LE(done)
    if (size - 4 > this.maxFrame) throw new Error(`frame of ${size - 4} bytes exceeds the limit of ${this.maxFrame}`)
    const p = this.alloc(size)
    buf.copy(p, 0, done)
    this.partial = p
    this.have = rest
  }

  /** Bytes held for an incomplete frame. */
  get pending(): number {
    return (this.head?.length ?? 0) + (this.partial === undefined ? 0 : this.have)
  }
}
