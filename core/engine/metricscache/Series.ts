/**
 * One metric of one instance in the metrics cache: per-minute buckets over a bounded window
 * (Heron's TManager keeps 180 one-minute buckets), the latest reported value, and all-time totals.
 *
 * A plain mutable class on purpose: the cache holds tens of thousands of these and updates them
 * on every record; buckets live in typed arrays that grow (doubling) up to the window, so a young
 * or sparse series costs little memory. Only the store (`MetricsStore.ts`) touches it.
 */
import type { Aggregation } from "./Aggregation.js"

/** Minutes kept per series: Heron's `heron.tmanager.metrics.collector.maximum.interval.min`. */
export const WINDOW_MINUTES = 180

const INITIAL_CAPACITY = 4
/** Bytes per bucket: minute (Int32), sum and count (Float64). */
const BUCKET_BYTES = 4 + 8 + 8
/** Rough fixed cost of a series: the object, its arrays' headers, the map entries naming it. */
const FIXED_BYTES = 240

/** One minute's folded value. */
export interface Point {
  /** Epoch seconds of the minute's start. */
  readonly minute: number
  readonly value: number
}

export class Series {
  private minutes = new Int32Array(INITIAL_CAPACITY)
  private sums = new Float64Array(INITIAL_CAPACITY)
  private counts = new Float64Array(INITIAL_CAPACITY)
  /** Buckets are kept in ascending minute order: `minutes[0 .. size)`. */
  private size = 0
  /** The last value reported, and when (epoch ms); NaN before the first. */
  latest = Number.NaN
  latestAt = 0
  private allSum = 0
  private allCount = 0

  constructor(
    readonly aggregation: Aggregation,
    readonly component: string,
    readonly instance: string,
    readonly metric: string
  ) {}

  /** Approximate memory held, for the store's byte cap (names counted as UTF-16). */
  get bytes(): number {
    return FIXED_BYTES + 2 * (this.component.length + this.instance.length + this.metric.length) + this.minutes.length * BUCKET_BYTES
  }

  /**
   * Adds one reported value at `atMs`. Values older than the window (relative to the newest
   * bucket) are refused: returns false.
   */
  add(atMs: number, value: number): boolean {
    const minute = Math.floor(atMs / 60_000)
    const newest = this.size === 0 ? minute : Math.max(minute, this.minutes[this.size - 1] ?? minute)
    if (minute <= newest - WINDOW_MINUTES) return false
    const isLatest = atMs >= this.latestAt
    if (isLatest) {
      this.latest = value
      this.latestAt = atMs
    }
    if (this.aggregation === "LAST") {
      this.allSum = this.latest
      this.allCount = 1
    } else {
      this.allSum += value
      this.allCount++
    }
    // Trimming first keeps at most WINDOW_MINUTES buckets once this minute is added.
    this.trim(newest - WINDOW_MINUTES + 1)
    const i = this.slotFor(minute)
    if (this.aggregation === "LAST") {
      // The bucket keeps the value reported last for its minute.
      if (this.counts[i] === 0 || isLatest) this.sums[i] = value
      this.counts[i] = 1
    } else {
      this.sums[i] = (this.sums[i] ?? 0) + value
      this.counts[i] = (this.counts[i] ?? 0) + 1
    }
    return true
  }

  /** Drops buckets of minutes before `firstMinute` (epoch minutes). */
  trim(firstMinute: number): void {
    let drop = 0
    while (drop < this.size && (this.minutes[drop] ?? 0) < firstMinute) drop++
    if (drop === 0) return
    this.minutes.copyWithin(0, drop, this.size)
    this.sums.copyWithin(0, drop, this.size)
    this.counts.copyWithin(0, drop, this.size)
    this.size -= drop
    if (this.size === 0 && this.minutes.length > INITIAL_CAPACITY) {
      // A series that went quiet gives its memory back.
      this.minutes = new Int32Array(INITIAL_CAPACITY)
      this.sums = new Float64Array(INITIAL_CAPACITY)
      this.counts = new Float64Array(INITIAL_CAPACITY)
      return
    }
    this.minutes.fill(0, this.size)
    this.sums.fill(0, this.size)
    this.counts.fill(0, this.size)
  }

  /** Value of bucket `i` under the aggregation. */
  private valueAt(i: number): number {
    const sum = this.sums[i] ?? 0
    return this.aggregation === "AVG" ? sum / (this.counts[i] || 1) : sum
  }

  /**
   * The value over the buckets overlapping `[startSec, endSec]`, as Heron's TManager answers a
   * metrics request with an interval: sum (SUM), mean of all values (AVG), the most recent
   * bucket (LAST). `undefined` when no bucket overlaps.
   */
  over(startSec: number, endSec: number): number | undefined {
    let sum = 0
    let count = 0
    let found = false
    for (let i = this.size - 1; i >= 0; i--) {
      const start = (this.minutes[i] ?? 0) * 60
      if (start > endSec) continue
      if (start + 60 <= startSec) break
      found = true
      if (this.aggregation === "LAST") return this.sums[i] ?? 0
      sum += this.sums[i] ?? 0
      count += this.counts[i] ?? 0
    }
    if (!found) return undefined
    return this.aggregation === "AVG" ? sum / (count || 1) : sum
  }

  /** All-time value (Heron's interval -1): the running total, the overall mean, or the latest. */
  allTime(): number | undefined {
    if (this.allCount === 0) return undefined
    return this.aggregation === "AVG" ? this.allSum / this.allCount : this.allSum
  }

  /** Buckets whose minute overlaps `[startSec, endSec]`, oldest first (Heron's minutely answer). */
  overlapping(startSec: number, endSec: number): Array<Point> {
    const out: Array<Point> = []
    for (let i = 0; i < this.size; i++) {
      const start = (this.minutes[i] ?? 0) * 60
      if (start + 60 <= startSec) continue
      if (start > endSec) break
      out.push({ minute: start, value: this.valueAt(i) })
    }
    return out
  }

  /** Buckets whose minute start lies in `[startSec, endSec]`, as minute → value (what the query
   * language's TS reads). */
  within(startSec: number, endSec: number): Map<number, number> {
    const out = new Map<number, number>()
    for (let i = 0; i < this.size; i++) {
      const start = (this.minutes[i] ?? 0) * 60
      if (start < startSec) continue
      if (start > endSec) break
      out.set(start, this.valueAt(i))
    }
    return out
  }

  /** The index of `minute`'s bucket, creating it in order (growing the arrays) when missing. */
  private slotFor(minute: number): number {
    // Nearly always the newest bucket or a new one after it.
    let i = this.size - 1
    while (i >= 0 && (this.minutes[i] ?? 0) > minute) i--
    if (i >= 0 && this.minutes[i] === minute) return i
    const at = i + 1
    if (this.size === this.minutes.length) this.grow()
    if (at < this.size) {
      this.minutes.copyWithin(at + 1, at, this.size)
      this.sums.copyWithin(at + 1, at, this.size)
      this.counts.copyWithin(at + 1, at, this.size)
    }
    this.minutes[at] = minute
    this.sums[at] = 0
    this.counts[at] = 0
    this.size++
    return at
  }

  private grow(): void {
    const capacity = Math.min(WINDOW_MINUTES, this.minutes.length * 2)
    const minutes = new Int32Array(capacity)
    const sums = new Float64Array(capacity)
    const counts = new Float64Array(capacity)
    minutes.set(this.minutes)
    sums.set(this.sums)
    counts.set(this.counts)
    this.minutes = minutes
    this.sums = sums
    this.counts = counts
  }
}
