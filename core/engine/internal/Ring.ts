/**
 * A byte ring in memory shared by an instance's worker thread and its stream manager, one per
 * direction: a batch of frames is copied in, and only its length travels in the thread message.
 *
 * A transferred ArrayBuffer per batch cost an allocation on one side and, on the side where the
 * batch ended, external memory that V8 only reclaims with full garbage collections: a stream
 * manager at full speed ran several a second, each stopping its thread for milliseconds (every
 * tuple through it waited) and keeping the GC's helper threads busy on a core the instances
 * needed. A message carrying a number costs both threads less than one carrying a buffer, too.
 *
 * One writer and one reader, each in its own thread. Both place a batch by the same rule (where the
 * previous one ended, or at 0 when it does not fit before the end of the ring), so a batch is named
 * by its length alone. The reader releases batches in the order they were written, by publishing
 * how far it has read (Atomics); the writer reads that to know the room left. When there is none
 * (the reader is behind), the writer keeps its batches until there is: the stream manager's link to
 * an instance until the instance reports a batch consumed (Link.ts), an instance until its stream
 * manager says it freed room (BatchSender.ts). Only a batch bigger than the whole ring goes as a
 * buffer of its own.
 *
 * Positions are byte counts since the start, kept as wrapping 32-bit integers: the capacity is a
 * power of two below 2^30, so `position & (capacity - 1)` is the offset and `(a - b) | 0` the
 * distance, whatever the wrap.
 */

/** What both ends are made from (sent to the worker in its `workerData`). */
export interface RingSpec {
  /** The bytes; `byteLength` is a power of two. */
  readonly data: SharedArrayBuffer
  /** Two Int32s: the position up to which the reader has released, and whether the writer waits
   * for room (1: the reader tells it when it releases some). */
  readonly control: SharedArrayBuffer
}

const RELEASED = 0
const WANTS_ROOM = 1

/** Bytes of each ring between a worker and its stream manager: a few full batches (64 KB). Its
 * pages are only resident once used. */
export const RING_BYTES = 512 * 1024

/** A new ring of `bytes` (a power of two). */
export const makeRing = (bytes: number = RING_BYTES): RingSpec => {
  if (bytes <= 0 || bytes >= 2 ** 30 || (bytes & (bytes - 1)) !== 0) throw new Error(`a ring's size is a power of two below 2^30, got ${bytes}`)
  return { data: new SharedArrayBuffer(bytes), control: new SharedArrayBuffer(8) }
}

/** Whether `u` is a RingSpec (checking what a worker was started with). */
export const isRingSpec = (u: unknown): u is RingSpec =>
  typeof u === "object" && u !== null && "data" in u && u.data instanceof SharedArrayBuffer && "control" in u &&
  u.control instanceof SharedArrayBuffer && u.control.byteLength >= 8

/** Where a batch of `n` bytes starts when the previous one ended at `position`: there, or at the
 * start of the ring when it does not fit before the end. */
const place = (position: number, n: number, capacity: number): number => {
  const at = position & (capacity - 1)
  return at + n > capacity ? (position + (capacity - at)) | 0 : position
}

/** The writing end. */
export class RingWriter {
  private readonly buf: Buffer
  /** The ring's size: no batch bigger than this ever fits. */
  readonly capacity: number
  private readonly control: Int32Array
  /** Where the next batch may start. */
  private position = 0

  constructor(spec: RingSpec) {
    this.buf = Buffer.from(spec.data)
    this.capacity = spec.data.byteLength
    this.control = new Int32Array(spec.control)
  }

  /** Copies the pieces in, one after the other, as one batch of `total` bytes (their sum); false
   * when the ring has no room for it (nothing is written then). */
  write(pieces: ReadonlyArray<Uint8Array>, total: number): boolean {
    if (total <= 0 || total > this.capacity) return false
    const start = place(this.position, total, this.capacity)
    const end = (start + total) | 0
    // It must not reach what the reader still holds ([released, position), one lap back); when
    // it holds nothing, any batch fits.
    const released = Atomics.load(this.control, RELEASED)
    if (released !== this.position && ((end - released) | 0) > this.capacity) return false
    let at = start & (this.capacity - 1)
    for (const p of pieces) {
      this.buf.set(p, at)
      at += p.length
    }
    this.position = end
    return true
  }

  /** Asks the reader to say when it next releases room (see RingReader.release). A write that
   * failed just before may find room now: try it once more after this. */
  wantRoom(): void {
    Atomics.store(this.control, WANTS_ROOM, 1)
  }
}

/** The reading end. */
export class RingReader {
  private readonly buf: Buffer
  private readonly capacity: number
  private readonly control: Int32Array
  private position = 0
  /** Where each batch handed out and not released yet ends, oldest first. */
  private readonly ends: Array<number> = []
  private first = 0

  constructor(spec: RingSpec) {
    this.buf = Buffer.from(spec.data)
    this.capacity = spec.data.byteLength
    this.control = new Int32Array(spec.control)
  }

  /** The next batch, of `n` bytes (as the writer announced it). Valid until released. */
  next(n: number): Buffer {
    const start = place(this.position, n, this.capacity)
    this.position = (start + n) | 0
    this.ends.push(this.position)
    const at = start & (this.capacity - 1)
    return this.buf.subarray(at, at + n)
  }

  /** Whether `batch` is a view of this ring (not a batch that came as a buffer of its own). */
  holds(batch: Uint8Array): boolean {
    return batch.buffer === this.buf.buffer
  }

  /** Gives the oldest batch not released yet back to the writer; true when the writer asked to
   * be told (`wantRoom`): the caller wakes it. */
  release(): boolean {
    if (this.first >= this.ends.length) return false
    const end = this.ends[this.first++]!
    // Dropping released entries now and then, not per release: shifting an array is linear.
    if (this.first >= 1024) {
      this.ends.splice(0, this.first)
      this.first = 0
    }
    Atomics.store(this.control, RELEASED, end)
    // After the store: a writer that asked after it will find the room itself.
    return Atomics.load(this.control, WANTS_ROOM) === 1 && Atomics.exchange(this.control, WANTS_ROOM, 0) === 1
  }
}
