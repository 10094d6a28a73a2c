/**
 * One load pass with autocannon against one URL: either as fast as it answers (`rate` absent:
 * `connections` keep one request each in flight) or at a fixed overall rate. Latencies are taken
 * from autocannon's per-response times (fractional ms) rather than its histogram, which rounds
 * to whole milliseconds: the figures here are often below one.
 */
import autocannon from "autocannon"
import { quantile } from "../internal/CountFiles.js"

/** What a pass measured. */
export interface LoadResult {
  /** 2xx answers per second over the pass. */
  readonly reqPerSec: number
  /** Milliseconds, over the 2xx answers. */
  readonly p50: number
  readonly p99: number
  readonly answers: number
  /** Connection errors, timeouts and non-2xx answers: any of them makes the pass suspect. */
  readonly errors: number
  readonly timeouts: number
  readonly non2xx: number
  readonly seconds: number
}

export interface LoadOptions {
  readonly seconds: number
  readonly connections: number
  /** Requests per second over all connections; absent: as fast as answered. */
  readonly rate?: number
}

/** One autocannon run; its 2xx response times go to `latencies`. */
const run = (url: string, seconds: number, connections: number, rate: number | undefined, latencies: Array<number>) => {
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    ...(rate === undefined ? {} : { overallRate: rate })
  })
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms)
  })
  return instance
}

const summary = (latencies: ReadonlyArray<number>, results: ReadonlyArray<autocannon.Result>, seconds: number): LoadResult => ({
  reqPerSec: latencies.length / seconds,
  p50: quantile(latencies, 0.5),
  p99: quantile(latencies, 0.99),
  answers: latencies.length,
  errors: results.reduce((n, r) => n + r.errors, 0),
  timeouts: results.reduce((n, r) => n + r.timeouts, 0),
  non2xx: results.reduce((n, r) => n + r.non2xx, 0),
  seconds
})

/**
 * Drives `url` for `o.seconds`. Without a rate: one autocannon run, `connections` requests in
 * flight. With a rate: autocannon's limit lets each connection send its quota of the second back
 * to back and then wait for the next second, all connections in step, i.e. one burst a second. To
 * load the server evenly instead, the rate is split over `connections` single-connection runs
 * started `1000 / connections` ms apart: the bursts are small and spread over the second.
 */
export const drive = async (url: string, o: LoadOptions): Promise<LoadResult> => {
  const latencies: Array<number> = []
  if (o.rate === undefined) {
    const result = await run(url, o.seconds, o.connections, undefined, latencies)
    return summary(latencies, [result], result.duration > 0 ? result.duration : o.seconds)
  }
  const each = Math.max(1, Math.round(o.rate / o.connections))
  const gap = 1000 / o.connections
  const runs = await Promise.all(Array.from({ length: o.connections }, (_, i) =>
    new Promise<autocannon.Result>((resolve, reject) =>
      setTimeout(() => void run(url, o.seconds, 1, each, latencies).then(resolve, reject), i * gap))))
  return summary(latencies, runs, o.seconds)
}

/** `n` sequential requests to `url` (after `warm` unmeasured ones; GET unless `init` says
 * otherwise; a function gives the URL of the i-th request): each answer's ms, and its body's size;
 * a non-2xx answer throws with its start. */
export const sequential = async (
  urlOf: string | ((i: number) => string),
  n: number,
  warm: number,
  init?: RequestInit
): Promise<{ readonly ms: ReadonlyArray<number>; readonly bytes: number }> => {
  const ms: Array<number> = []
  let bytes = 0
  for (let i = 0; i < warm + n; i++) {
    const url = typeof urlOf === "string" ? urlOf : urlOf(i)
    const t0 = performance.now()
    const res = await fetch(url, init)
    const body = await res.text()
    const took = performance.now() - t0
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url} answered ${res.status}: ${body.slice(0, 300)}`)
    if (i >= warm) ms.push(took)
    bytes = body.length
  }
  return { ms, bytes }
}
