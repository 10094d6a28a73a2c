/**
 * The part of autocannon 9's API the Tracker benchmark uses (the package ships no types).
 */
declare module "autocannon" {
  import type { EventEmitter } from "node:events"

  namespace autocannon {
    interface Options {
      readonly url: string
      readonly connections?: number
      readonly pipelining?: number
      /** Seconds. */
      readonly duration?: number
      /** Requests per second over all connections; unlimited when absent. */
      readonly overallRate?: number
      /** Seconds before a request times out. */
      readonly timeout?: number
    }
    interface Histogram {
      readonly average: number
      readonly mean: number
      readonly p50: number
      readonly p99: number
      readonly total: number
    }
    interface Result {
      readonly requests: Histogram
      readonly latency: Histogram
      readonly errors: number
      readonly timeouts: number
      readonly non2xx: number
      /** Seconds the run lasted. */
      readonly duration: number
    }
    /** A running load; `response` gives each answer's time in ms (fractional). */
    interface Instance extends EventEmitter, PromiseLike<Result> {
      on(event: "response", listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): this
      stop(): void
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance
  export default autocannon
}
