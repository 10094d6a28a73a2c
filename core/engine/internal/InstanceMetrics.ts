/**
 * The metrics of one instance: Heron's built-in counters and latencies (`__emit-count/<stream>`,
 * `__execute-count/<comp>/<stream>`, ...) plus user metrics registered through the context. The
 * runner bumps counters on the hot path (a Map lookup); `collect` returns this interval's values
 * and resets them.
 */
import type { Metric } from "../../topology/Api.js"

interface Latency {
  sum: number
  count: number
}

export class InstanceMetrics {
  private readonly counters = new Map<string, number>()
  private readonly latencies = new Map<string, Latency>()
  private readonly user = new Map<string, Metric>()

  /** Adds `n` to a counter. */
  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n)
  }

  /** Records one latency sample, in milliseconds; reported as the interval's average. */
  latency(name: string, ms: number): void {
    const l = this.latencies.get(name)
    if (l === undefined) this.latencies.set(name, { sum: ms, count: 1 })
    else {
      l.sum += ms
      l.count++
    }
  }

  /** Registers a user metric. A second registration under the same name replaces the first. */
  register(name: string, metric: Metric): void {
    this.user.set(name, metric)
  }

  /** This interval's values, then resets the built-ins (user metrics reset themselves). A user
   * metric that throws is reported through `onError` and left out. */
  collect(onError: (name: string, e: unknown) => void): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const [name, v] of this.counters) out.push([name, v])
    for (const [name, l] of this.latencies) out.push([name, l.count === 0 ? 0 : l.sum / l.count])
    this.counters.clear()
    this.latencies.clear()
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
