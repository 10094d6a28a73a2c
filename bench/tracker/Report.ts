/**
 * The Tracker benchmark's figures and their table: for each endpoint, the Tracker's maximum req/s
 * and its p50/p99 at 1,000 req/s next to the bare Node server's in the same run; the batched
 * 3,000-instance query; the metrics pipeline. Each row says which target of the issue it checks
 * and whether it is met.
 */
import type { Window } from "../internal/Scenarios.js"
import type { LoadResult } from "./Load.js"

/** The endpoints driven, in the table's order. */
export const ENDPOINTS = ["physicalplan", "metrics", "metricstimeline"] as const
export type Endpoint = (typeof ENDPOINTS)[number]

/** One load pass against the Tracker and the same against the bare server. */
export interface Pair {
  readonly tracker: LoadResult
  readonly bare: LoadResult
}

export interface Results {
  readonly startedAt: string
  readonly mode: string
  readonly machine: { readonly cores: number; readonly loadavg: string; readonly node: string }
  /** Topologies the Tracker listed once everything was registered, and how long writing the 50 took. */
  registered?: { readonly listed: number; readonly written: number; readonly ms: number }
  pipeline?: {
    readonly off: Window
    readonly on: Window
    readonly intervalSecs: number
    readonly records: number
    readonly seconds: number
    /** Interleaved rounds of off then on; each figure is its best round. */
    readonly rounds: number
  }
  /** The word count while the Tracker was driven: the rate asked (words/s) and what it counted. */
  half?: { readonly target: number; readonly tuplesPerSec: number; readonly seconds: number }
  /** Size of each endpoint's answer (bytes), and the passes. */
  readonly http: Partial<Record<Endpoint, { bytes: number; max?: Pair; fixed?: Pair }>>
  wide?: {
    readonly instances: number
    /** Minutes of metrics fed (and asked by the timeline). */
    readonly minutes: number
    readonly records: number
    readonly metrics: { readonly ms: ReadonlyArray<number>; readonly bytes: number }
    readonly timeline: { readonly ms: ReadonlyArray<number>; readonly bytes: number }
    /** The same metrics asked of the metrics cache directly. */
    readonly cache: { readonly ms: ReadonlyArray<number>; readonly bytes: number }
  }
  readonly errors: Record<string, string>
  durationSec?: number
}

export type Outcome = "pass" | "FAIL" | "info"

/** One row; numbers for `--json`, text for the table. */
export interface Row {
  readonly id: string
  readonly measurement: string
  /** The row's figure (the one checked against the target, if any). */
  readonly value: number
  readonly measured: string
  readonly p50: number | null
  readonly p99: number | null
  readonly baseline: string
  readonly baselineValue: number | null
  readonly baselineP50: number | null
  readonly baselineP99: number | null
  readonly ratio: number | null
  readonly target: string
  readonly outcome: Outcome
  readonly note: string
}

/** The fixed rate of the latency pass. */
export const FIXED_RATE = 1000
/** p99 target at {@link FIXED_RATE}, ms. */
export const P99_TARGET_MS = 5
/** The Tracker's maximum req/s as a share of the bare server's. */
export const MAX_RATIO_TARGET = 0.25
export const WIDE_TARGET_MS = 100
/** Throughput with metrics on, as a share of metrics off. */
export const PIPELINE_TARGET = 0.95

const perSec = (x: number, unit: string) =>
  !Number.isFinite(x) ? "n/a" : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M ${unit}` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k ${unit}` : `${x.toFixed(0)} ${unit}`
const ms = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`)
const ratioText = (r: number | null) =>
  r === null || !Number.isFinite(r) ? "—" : r < 0.1 ? `${r.toPrecision(2)}×` : `${r.toFixed(2)}×`
const check = (ok: boolean): Outcome => (ok ? "pass" : "FAIL")
const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN
}

const failures = (r: LoadResult) => r.errors + r.timeouts + r.non2xx
const problems = (p: Pair) =>
  [failures(p.tracker) > 0 ? `Tracker: ${failures(p.tracker)} errors/timeouts/non-2xx` : "", failures(p.bare) > 0 ? `bare: ${failures(p.bare)} errors` : ""]
    .filter((s) => s !== "").join("; ")

const httpRows = (e: Endpoint, h: NonNullable<Results["http"][Endpoint]>): Array<Row> => {
  const rows: Array<Row> = []
  if (h.max !== undefined) {
    const { tracker, bare } = h.max
    const ratio = tracker.reqPerSec / bare.reqPerSec
    rows.push({
      id: `${e}.max`,
      measurement: `/topologies/${e}: maximum req/s`,
      value: tracker.reqPerSec,
      measured: perSec(tracker.reqPerSec, "req/s"),
      p50: tracker.p50, p99: tracker.p99,
      baseline: perSec(bare.reqPerSec, "req/s"), baselineValue: bare.reqPerSec, baselineP50: bare.p50, baselineP99: bare.p99,
      ratio,
      target: `≥ ${MAX_RATIO_TARGET * 100}% of bare`,
      outcome: check(ratio >= MAX_RATIO_TARGET && failures(tracker) === 0),
      note: [`${(h.bytes / 1024).toFixed(1)} KB answers, the same URL each time: remembered while its data is unchanged`, problems(h.max)].filter((s) => s !== "").join("; ")
    })
  }
  if (h.fixed !== undefined) {
    const { tracker, bare } = h.fixed
    const sustained = tracker.reqPerSec >= FIXED_RATE * 0.95
    rows.push({
      id: `${e}.1k`,
      measurement: `/topologies/${e}: p99 at ${FIXED_RATE} req/s`,
      value: tracker.p99,
      measured: perSec(tracker.reqPerSec, "req/s"),
      p50: tracker.p50, p99: tracker.p99,
      baseline: perSec(bare.reqPerSec, "req/s"), baselineValue: bare.reqPerSec, baselineP50: bare.p50, baselineP99: bare.p99,
      ratio: tracker.p99 / bare.p99,
      target: `p99 < ${P99_TARGET_MS} ms`,
      outcome: check(tracker.p99 < P99_TARGET_MS && sustained && failures(tracker) === 0),
      note: [sustained ? "" : `only ${tracker.reqPerSec.toFixed(0)} req/s answered`, problems(h.fixed), "ratio = p99 / bare p99"].filter((s) => s !== "").join("; ")
    })
  }
  return rows
}

const info = (id: string, measurement: string, value: number, measured: string, note: string): Row => ({
  id, measurement, value, measured, p50: null, p99: null, baseline: "—", baselineValue: null, baselineP50: null, baselineP99: null,
  ratio: null, target: "—", outcome: "info", note
})

/** The rows of whatever was measured (a phase that failed has no row; its error is listed). */
export const rows = (r: Results): ReadonlyArray<Row> => {
  const out: Array<Row> = []
  if (r.registered !== undefined) {
    out.push(info("registered", "topologies the Tracker lists", r.registered.listed, String(r.registered.listed),
      `${r.registered.written} written as state in ${r.registered.ms.toFixed(0)} ms (not launched), plus the running word count`))
  }
  for (const e of ENDPOINTS) {
    const h = r.http[e]
    if (h !== undefined) out.push(...httpRows(e, h))
  }
  if (r.half !== undefined) {
    out.push(info("wc.half", "word count during the HTTP passes", r.half.tuplesPerSec, perSec(r.half.tuplesPerSec, "words/s"),
      `asked: ${perSec(r.half.target, "words/s")} (half its measured maximum); over ${r.half.seconds.toFixed(0)} s`))
  }
  if (r.wide !== undefined) {
    const w = r.wide
    const m = w.metrics.ms
    const p99 = quantile(m, 0.99)
    out.push({
      id: "wide.metrics",
      measurement: `/topologies/metrics, ${w.instances} instances × 4 metrics`,
      value: p99,
      measured: `${m.length} answers`,
      p50: quantile(m, 0.5), p99,
      baseline: "—", baselineValue: null, baselineP50: null, baselineP99: null, ratio: null,
      target: `p99 < ${WIDE_TARGET_MS} ms`,
      outcome: check(p99 < WIDE_TARGET_MS),
      note: `one request, every instance, each a new URL (never a remembered answer); ${(w.metrics.bytes / 1024).toFixed(0)} KB answers; max ${ms(Math.max(...m))}`
    })
    const c = w.cache.ms
    out.push({
      ...info("wide.cache", `the same, asked of the metrics cache directly`, quantile(c, 0.99), `${c.length} answers`,
        `${(w.cache.bytes / 1024).toFixed(0)} KB answers; the rest of wide.metrics is the Tracker's`),
      p50: quantile(c, 0.5),
      p99: quantile(c, 0.99)
    })
    const t = w.timeline.ms
    out.push({
      ...info("wide.timeline", `/topologies/metricstimeline, ${w.instances} instances × 4 metrics, ${w.minutes} min`, quantile(t, 0.99), `${t.length} answers`,
        `${(w.timeline.bytes / 1024).toFixed(0)} KB answers; ${w.records} records fed to the cache`),
      p50: quantile(t, 0.5),
      p99: quantile(t, 0.99)
    })
  }
  if (r.pipeline !== undefined) {
    const p = r.pipeline
    const perSecond = p.records / p.seconds
    out.push(info("pipeline.records", `metrics records/s into the metrics cache (interval ${p.intervalSecs} s)`, perSecond, perSec(perSecond, "records/s"),
      `${p.records} records over ${p.seconds.toFixed(1)} s from 5 instances and 2 stream managers, at full rate`))
    const ratio = p.on.tuplesPerSec / p.off.tuplesPerSec
    out.push({
      id: "pipeline.overhead",
      measurement: "word count at full rate: metrics on ÷ off",
      value: ratio,
      measured: perSec(p.on.tuplesPerSec, "words/s"),
      p50: null, p99: null,
      baseline: perSec(p.off.tuplesPerSec, "words/s"), baselineValue: p.off.tuplesPerSec, baselineP50: null, baselineP99: null,
      ratio,
      target: `≥ ${PIPELINE_TARGET}× (≤ 5% slower)`,
      outcome: check(ratio >= PIPELINE_TARGET),
      note: `best of ${p.rounds} interleaved round${p.rounds > 1 ? "s" : ""}; off = interval of a day (no report); per CPU-second ${(p.on.tuplesPerCpuSec / p.off.tuplesPerCpuSec).toFixed(2)}×; other load on/off ${p.on.otherCores.toFixed(2)}/${p.off.otherCores.toFixed(2)} cores`
    })
  }
  return out
}

const width = (s: string) => [...s].length
const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - width(s)))

/** The rows as a `|` table. */
export const render = (rs: ReadonlyArray<Row>): string => {
  const header = ["#", "measurement", "measured", "p50", "p99", "bare / baseline", "bare p50", "bare p99", "ratio", "target", "result", "note"]
  const cells = rs.map((r) => [
    r.id, r.measurement, r.measured, ms(r.p50), ms(r.p99), r.baseline, ms(r.baselineP50), ms(r.baselineP99), ratioText(r.ratio), r.target, r.outcome, r.note
  ])
  const widths = header.map((h, i) => Math.max(width(h), ...cells.map((c) => width(c[i] ?? ""))))
  const line = (cs: ReadonlyArray<string>) => `| ${cs.map((c, i) => pad(c, widths[i] ?? 0)).join(" | ")} |`
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n")
}

/** Every row the full run prints, in order (the smoke test checks the table against it). */
export const ROW_IDS: ReadonlyArray<string> = [
  "registered",
  ...ENDPOINTS.flatMap((e) => [`${e}.max`, `${e}.1k`]),
  "wc.half",
  "wide.metrics",
  "wide.cache",
  "wide.timeline",
  "pipeline.records",
  "pipeline.overhead"
]
