/**
 * The metrics of one instance: Heron's built-in counters and latencies (`__emit-count/<stream>`,
 * `__execute-count/<comp>/<stream>`, ...) plus user metrics registered through the context. The
 * runner bumps counters on the hot path through their cells (`counter`, `latencyOf`); `collect`
 * returns this interval's values and resets them.
 */
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from "node:perf_hooks"
import { getHeapStatistics } from "node:v8"
import { isMainThread } from "node:worker_threads"
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

/** Sampling period of the event-loop delay histogram, in ms. */
const DELAY_RESOLUTION_MS = 20

/**
 * Node's own metrics of the thread an instance runs in (each worker has its own isolate and event
 * loop), in place of Heron's `__jvm-*`: `__node-heap-used` (bytes of V8 heap in use),
 * `__node-gc-time` (ms spent in GC during the interval), `__node-eventloop-delay` (mean delay of
 * the event loop during the interval, in ms).
 */
export class NodeMetrics {
  private gcMs = 0
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS })
  private readonly gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcMs += e.duration
  })

  constructor() {
    this.delay.enable()
    this.gc.observe({ entryTypes: ["gc"] })
  }

  /** Appends this interval's values and starts the next interval. */
  collect(out: Array<[string, number]>): void {
    out.push(["__node-heap-used", getHeapStatistics().used_heap_size])
    out.push(["__node-gc-time", this.gcMs])
    this.gcMs = 0
    // The histogram holds the time between its timer's ticks: the delay is what exceeds the period.
    const mean = this.delay.mean / 1e6
    if (this.delay.count > 0 && Number.isFinite(mean)) out.push(["__node-eventloop-delay", Math.max(0, mean - DELAY_RESOLUTION_MS)])
    this.delay.reset()
  }

  close(): void {
    this.delay.disable()
    this.gc.disconnect()
  }
}

export class InstanceMetrics {
  private readonly counters = new Map<string, Counter>()
  private readonly latencies = new Map<string, Latency>()
  private readonly user = new Map<string, Metric>()
  /** Node's metrics; on by default in worker threads (where instances run), off elsewhere. */
  private readonly node: NodeMetrics | undefined

  constructor(options: { readonly node?: boolean } = {}) {
    this.node = (options.node ?? !isMainThread) ? new NodeMetrics() : undefined
  }

  /** Stops Node's metrics (the worker's end does it too). */
  close(): void {
    this.node?.close()
  }

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
    this.node?.collect(out)
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
