/**
 * User-defined metrics, as Heron's `CountMetric`, `AssignableMetric` and `ReducedMetric`.
 * Register one with `context.registerMetric(name, metric)`; the instance calls `getValueAndReset`
 * once per metrics interval and reports the value (nothing is reported for `undefined`).
 *
 * These are plain mutable objects on purpose: they live inside one instance's thread and are
 * updated on the hot path of `execute`, where allocating per update would cost throughput.
 */
import type { Metric } from "./Api.js"

/** Counts events; each interval reports the count since the last one, then starts again from 0. */
export class CountMetric implements Metric {
  private count = 0
  /** Adds `n` (default 1). */
  incr(n = 1): void {
    this.count += n
  }
  /** The count of this interval; the counter restarts at 0. */
  readonly getValueAndReset = (): number => {
    const value = this.count
    this.count = 0
    return value
  }
}

/** Holds the last value set; each interval reports it and keeps it. */
export class GaugeMetric implements Metric {
  private value: number | undefined
  constructor(initial?: number) {
    this.value = initial
  }
  /** Replaces the value. */
  set(value: number): void {
    this.value = value
  }
  /** The last value set (undefined until one is), kept for the next interval. */
  readonly getValueAndReset = (): number | undefined => this.value
}

/** Accumulates the updates of one interval. */
export interface Accumulator {
  readonly update: (value: number) => void
  /** The reduced value, or undefined when nothing was updated. */
  readonly result: () => number | undefined
}

/** Creates a fresh accumulator; called at the start of every interval. */
export type Reducer = () => Accumulator

const fold = (step: (acc: number, v: number) => number): Reducer => () => {
  let acc: number | undefined
  return {
    update: (v) => {
      acc = acc === undefined ? v : step(acc, v)
    },
    result: () => acc
  }
}

/** The built-in reducers of `ReducedMetric`. */
export const reducers = {
  /** Arithmetic mean of the interval's updates. */
  mean: (): Accumulator => {
    let sum = 0
    let n = 0
    return {
      update: (v) => {
        sum += v
        n += 1
      },
      result: () => (n === 0 ? undefined : sum / n)
    }
  },
  sum: fold((a, v) => a + v),
  max: fold((a, v) => Math.max(a, v)),
  min: fold((a, v) => Math.min(a, v))
} satisfies Record<string, Reducer>

export type ReducerName = keyof typeof reducers

/** Reduces the updates of each interval to one value (mean, sum, max, min or your own reducer). */
export class ReducedMetric implements Metric {
  private readonly reducer: Reducer
  private acc: Accumulator
  constructor(reducer: ReducerName | Reducer) {
    this.reducer = typeof reducer === "function" ? reducer : reducers[reducer]
    this.acc = this.reducer()
  }
  /** Adds one value to this interval. */
  update(value: number): void {
    this.acc.update(value)
  }
  /** The reduced value of this interval (undefined when there was no update); the next interval starts empty. */
  readonly getValueAndReset = (): number | undefined => {
    const value = this.acc.result()
    this.acc = this.reducer()
    return value
  }
}
