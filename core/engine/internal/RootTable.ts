/**
 * A hash table keyed by root ids, for the acking hot path (the stream manager's XOR ledger, a
 * spout's pending tuples, a bolt's combined acks). A `Map<number, object>` there cost a heap
 * number per key (53-bit keys are not small integers), an object per root and the churn of both:
 * a seventh of an at-least-once word count's time went to garbage collection. Here keys are the
 * two 32-bit halves, in typed arrays, with linear probing; each subclass keeps its values in
 * columns of its own, indexed by entry.
 *
 * Entries are numbered in insertion order, so walking `[head, end)` visits the oldest first (the
 * ledger expires roots in that order). Removed entries leave a hole until the entries are
 * compacted, when the numbering reaches the capacity: compaction keeps the order, and the table
 * grows instead when more than half the entries are live.
 */

const EMPTY = 0
const REMOVED = -1

const hashOf = (hi: number, lo: number): number => Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) ^ (lo >>> 15)

export abstract class RootTable {
  /** Key halves of each entry. */
  protected hi: Int32Array
  protected lo: Int32Array
  /** 1 while the entry is in the table. */
  protected alive: Uint8Array
  /** The slot of each entry, so that removal does not probe. */
  private slotOf: Int32Array
  /** Open addressing, twice the capacity (at most half full): entry + 1, EMPTY or REMOVED. */
  private slots: Int32Array
  protected capacity: number
  /** The oldest entry that may be alive. */
  protected head = 0
  /** The next entry number. */
  protected end = 0
  private live = 0

  constructor(capacity: number) {
    this.capacity = capacity
    this.hi = new Int32Array(capacity)
    this.lo = new Int32Array(capacity)
    this.alive = new Uint8Array(capacity)
    this.slotOf = new Int32Array(capacity)
    this.slots = new Int32Array(2 * capacity)
  }

  /** Entries in the table. */
  get size(): number {
    return this.live
  }

  /** Gives the subclass's columns room for `capacity` entries, keeping entries `[0, end)`. */
  protected abstract resize(capacity: number): void
  /** Moves the subclass's values of entry `from` to entry `to` (compaction, `to < from`). */
  protected abstract move(from: number, to: number): void

  /** The entry of root (hi, lo), or -1. */
  protected find(hi: number, lo: number): number {
    const slots = this.slots
    const mask = slots.length - 1
    hi |= 0
    lo |= 0
    for (let i = hashOf(hi, lo) & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!
      if (s === EMPTY) return -1
      if (s > 0 && this.lo[s - 1] === lo && this.hi[s - 1] === hi) return s - 1
    }
  }

  /** Adds root (hi, lo), which must not be in the table; returns its entry. */
  protected insert(hi: number, lo: number): number {
    if (this.end === this.capacity) this.reorganize()
    const e = this.end++
    this.hi[e] = hi
    this.lo[e] = lo
    this.alive[e] = 1
    this.place(e)
    this.live++
    return e
  }

  /** Removes entry `e` (alive). */
  protected remove(e: number): void {
    this.slots[this.slotOf[e]!] = REMOVED
    this.alive[e] = 0
    this.live--
    while (this.head < this.end && this.alive[this.head] === 0) this.head++
  }

  /** Removes every entry. */
  protected clear(): void {
    for (let e = 0; e < this.end; e++) this.slots[this.slotOf[e]!] = EMPTY
    this.alive.fill(0, 0, this.end)
    this.head = this.end = this.live = 0
  }

  private place(e: number): void {
    const slots = this.slots
    const mask = slots.length - 1
    let i = hashOf(this.hi[e]!, this.lo[e]!) & mask
    while (slots[i] !== EMPTY) i = (i + 1) & mask
    slots[i] = e + 1
    this.slotOf[e] = i
  }

  /** Out of entry numbers: compacts the live entries to the front, growing first when more than
   * half are live, and rebuilds the slots. */
  private reorganize(): void {
    if (this.live > this.capacity / 2) {
      const capacity = this.capacity * 2
      const grow = <A extends Int32Array | Uint8Array>(a: A, make: (n: number) => A): A => {
        const b = make(capacity)
        b.set(a)
        return b
      }
      this.hi = grow(this.hi, (n) => new Int32Array(n))
      this.lo = grow(this.lo, (n) => new Int32Array(n))
      this.alive = grow(this.alive, (n) => new Uint8Array(n))
      this.slotOf = new Int32Array(capacity)
      this.slots = new Int32Array(2 * capacity)
      this.resize(capacity)
      this.capacity = capacity
    } else this.slots.fill(EMPTY)
    let to = 0
    for (let from = this.head; from < this.end; from++) {
      if (this.alive[from] === 0) continue
      if (to !== from) {
        this.hi[to] = this.hi[from]!
        this.lo[to] = this.lo[from]!
        this.alive[to] = 1
        this.move(from, to)
      }
      to++
    }
    this.alive.fill(0, to, this.end)
    this.head = 0
    this.end = to
    for (let e = 0; e < to; e++) this.place(e)
  }
}
