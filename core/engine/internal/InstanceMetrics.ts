/**
 * The metrics of one instance: Heron's built-in counters and latencies (`__emit-count/<stream>`,
 * `__execute-count/<comp>/<stream>`, ...) plus user metrics registered through the context. The
 * runner bumps counters on the hot path through their cells (`counter`, `latencyOf`); `collect`
 * returns this interval's values and resets them.
 */
import type { Metric } from "../../topology/Api.js"

/** A built-in counter. Runners keep it and bump `n` per tuple: a Map lookup and update per
 * tuple per counter (three or four per tuple) was a tenth of word count's engine time. */
export interface Counter {
  n: number
}

/** A built-in latency: the sum and number of this interval's samples (reported as their mean). */
export interface Latency {
  sum: number
  count: number
}

export class InstanceMetrics {
  private readonly counters = new Map<string, Counter>()
  private readonly latencies = new Map<string, Latency>()
  private readonly user = new Map<string, Metric>()

  /** The counter `name`, for bumping directly. */
  counter(name: string): Counter {
    let c = this.counters.get(name)
    if (c === undefined) {
      c = { n: 0 }
      this.counters.set(name, c)
    }
    return c
  }

  /** The latency `name`, for recording directly (see `record`). */
  latencyOf(name: string): Latency {
    let l = this.latencies.get(name)
    if (l === undefined) {
      l = { sum: 0, count: 0 }
      this.latencies.set(name, l)
    }
    return l
  }

  /** Adds `n` to a counter. */
  count(name: string, n = 1): void {
    this.counter(name).n += n
  }

  /** Records one latency sample, in milliseconds; reported as the interval's average. */
  latency(name: string, ms: number): void {
    record(this.latencyOf(name), ms)
  }

  /** Registers a user metric. A second registration under the same name replaces the first. */
  register(name: string, metric: Metric): void {
    this.user.set(name, metric)
  }

  /** This interval's values (the built-ins used in it), then resets the built-ins (user metrics
   * reset themselves). A user metric that throws is reported through `onError` and left out. */
  collect(onError: (name: string, e: unknown) => void): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const [name, c] of this.counters) {
      if (c.n === 0) continue
      out.push([name, c.n])
      c.n = 0
    }
    for (const [name, l] of this.latencies) {
      if (l.count === 0) continue
      out.push([name, l.sum / l.count])
      l.sum = 0
      l.count = 0
    }
    for (const [name, m] of this.user) {
      try {
        const v = m.getValueAndReset()
        if (typeof v === "number" && Number.isFinite(v)) out.push([name, v])
      } catch (e) {
        onError(name, e)
      }
    }
    return out
  }
}

/** Records one latency sample, in milliseconds. */
export const record = (l: Latency, ms: number): void => {
  l.sum += ms
  l.count++
}
