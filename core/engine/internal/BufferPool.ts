/**
 * Big buffers for the stream manager's frames, reused: the batches it writes to other stream
 * managers' sockets (given back once written), the frames cut by a socket read (given back once
 * routed), and the rare batch that comes in a buffer of its own (bigger than an instance's ring).
 * A stream manager allocates little else, so V8 collects the ArrayBuffers it drops only in full
 * collections, which pause it for milliseconds: allocating one per batch cost several a second.
 */

/** Buffers from this size on are worth keeping (smaller ones are allocated and dropped). */
export const POOLED_MIN = 16 * 1024
/** Pooled buffers have a capacity of a power of two from this size. */
const POOLED_CAPACITY = 128 * 1024
/** Bigger frames are rare: they get a buffer of their own, not kept. */
const POOLED_MAX = 1024 * 1024
/** Buffers kept: enough for the batches being written to a few peers. */
const KEEP = 32

export class BufferPool {
  private readonly free: Array<ArrayBuffer> = []

  /** A buffer of exactly `size` bytes, alone in its ArrayBuffer (which may be transferred). */
  take(size: number): Buffer<ArrayBuffer> {
    // A small frame (an ack cut by a chunk boundary) is copied on and dropped: not worth a big one.
    if (size < POOLED_MIN || size > POOLED_MAX) return Buffer.allocUnsafeSlow(size)
    const free = this.free
    for (let i = free.length - 1; i >= 0; i--) {
      const ab = free[i]!
      if (ab.byteLength < size) continue
      // Swap-remove: the order of free buffers does not matter, the last one is the warmest.
      free[i] = free[free.length - 1]!
      free.pop()
      return Buffer.from(ab, 0, size)
    }
    let capacity = POOLED_CAPACITY
    while (capacity < size) capacity *= 2
    return Buffer.from(Buffer.allocUnsafeSlow(capacity).buffer, 0, size)
  }

  /** A whole pooled buffer of at least `min` bytes (at most POOLED_MAX), to write batches into. */
  takeWhole(min: number): Buffer<ArrayBuffer> {
    const b = this.take(Math.max(min, POOLED_MIN))
    return Buffer.from(b.buffer, 0, b.buffer.byteLength)
  }

  /** Takes back a buffer nothing refers to any more. */
  give(ab: ArrayBuffer): void {
    if (ab.byteLength >= POOLED_MIN && ab.byteLength <= POOLED_MAX && this.free.length < KEEP) this.free.push(ab)
  }

  /** Buffers waiting to be reused. */
  get size(): number {
    return this.free.length
  }
}
