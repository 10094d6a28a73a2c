/**
 * A growable byte buffer for building frames on the hot path. Plain TypeScript (no Effect): it is
 * called per tuple. The buffer is reused across batches: `take` copies the written bytes out into
 * an exact-size buffer of its own (cheap memcpy) that can be transferred to a worker or handed to
 * a socket, and rewinds.
 */

const INITIAL = 64 * 1024

/**
 * Stores `v` as a little-endian 32-bit integer at `o` (typed-array stores keep the low byte).
 * Byte stores rather than Buffer#writeUInt32LE on the hot path: they inline, where the Buffer
 * methods (with their range checks) showed up as calls of their own, per field and per tuple.
 */
export const put32 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v
  b[o + 1] = v >>> 8
  b[o + 2] = v >>> 16
  b[o + 3] = v >>> 24
}

/** Reads a little-endian unsigned 32-bit integer at `o` (see `put32`). */
export const get32 = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
/** Reads a little-endian signed 32-bit integer at `o`: a small integer to V8 (no heap number). */
export const getI32 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)
/** From this size on, `takeOwned` hands the buffer over instead of copying. */
const HANDOVER_BYTES = 16 * 1024
/** The largest buffer `takeOwned` starts anew with. Buffers handed over die young in some other
 * thread or after a socket write; V8 reclaims ArrayBuffers of a megabyte or so that die young only
 * with full collections (a stream manager allocating one per socket write ran several full
 * collections a second, pausing for ms each), where those of up to a few hundred KB go with the
 * cheap young-generation collections. */
const REPLACEMENT_MAX = 256 * 1024

/** A reusable, growable output buffer: `len` bytes of `buf` are written. */
export class ByteWriter {
  buf: Buffer<ArrayBuffer>
  len = 0

  constructor(capacity = INITIAL) {
    this.buf = Buffer.allocUnsafeSlow(capacity)
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.len + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = Buffer.allocUnsafeSlow(size)
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  u8(v: number): void {
    this.ensure(1)
    this.buf[this.len++] = v
  }

  u16(v: number): void {
    this.ensure(2)
    const b = this.buf
    b[this.len] = v
    b[this.len + 1] = v >>> 8
    this.len += 2
  }

  u32(v: number): void {
    this.ensure(4)
    put32(this.buf, this.len, v)
    this.len += 4
  }

  i32(v: number): void {
    this.ensure(4)
    put32(this.buf, this.len, v)
    this.len += 4
  }

  f64(v: number): void {
    this.ensure(8)
    this.buf.writeDoubleLE(v, this.len)
    this.len += 8
  }

  /** Writes a string as `u32 byteLength` + UTF-8. ASCII strings take a fast path in JS. */
  str(s: string): void {
    const n = s.length
    if (n < 64) {
      this.ensure(4 + n)
      const buf = this.buf
      const start = this.len + 4
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        buf[start + i] = c
      }
      if (i === n) {
        put32(buf, this.len, n)
        this.len = start + n
        return
      }
    }
    const bytes = Buffer.byteLength(s, "utf8")
    this.ensure(4 + bytes)
    this.buf.writeUInt32LE(bytes, this.len)
    this.buf.write(s, this.len + 4, bytes, "utf8")
    this.len += 4 + bytes
  }

  /** Appends raw bytes. Short runs are copied in JS: cheaper than a native call and no view. */
  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start
    this.ensure(n)
    const buf = this.buf
    const at = this.len
    if (n <= 64) for (let i = 0; i < n; i++) buf[at + i] = src[start + i]!
    else if (Buffer.isBuffer(src)) src.copy(buf, at, start, end)
    else buf.set(src.subarray(start, end), at)
    this.len += n
  }

  /** The written bytes from `from` on, as an exact-size copy with its own ArrayBuffer; rewinds. */
  take(from = 0): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.len - from)
    out.set(this.buf.subarray(from, this.len))
    this.reset()
    return out
  }

  /**
   * The written bytes from `from` on, for a consumer that takes ownership (a socket write, a
   * transfer to a worker). Small batches are copied out (an exact-size buffer is cheaper than a
   * fresh 64 KB one); big ones hand over the buffer itself and the writer starts a new one, saving
   * a copy.
   */
  takeOwned(from = 0): Uint8Array<ArrayBuffer> {
    if (this.len - from < HANDOVER_BYTES) return this.take(from)
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + from, this.len - from)
    // The next batch is likely as big: room for it, not growing again; but never a big buffer
    // (see REPLACEMENT_MAX).
    let size = INITIAL
    while (size < this.len && size < REPLACEMENT_MAX) size *= 2
    this.buf = Buffer.allocUnsafeSlow(size)
    this.len = 0
    return out
  }

  /** Drops the written bytes; shrinks a buffer that grew far past the initial size. */
  reset(): void {
    this.len = 0
    if (this.buf.length > 16 * INITIAL) this.buf = Buffer.allocUnsafeSlow(INITIAL)
  }
}
