/**
 * The benchmark's result rows and their rendering as a text table. Every row is a measured figure,
 * the baseline it is compared with (measured in the same run), their ratio, the target
 * (when it sets one), whether it is met, and a short note on what limits the figure.
 */

export type Outcome = "pass" | "FAIL" | "info"

export interface Row {
  readonly id: string
  readonly metric: string
  /** Display strings, and the raw numbers for `--json`. */
  readonly measured: string
  readonly measuredValue: number | undefined
  readonly baseline: string
  readonly baselineValue: number | undefined
  /** measured / baseline. */
  readonly ratio: number | undefined
  readonly target: string
  readonly outcome: Outcome
  readonly note: string
}

/** `1.23 M/s`, `456 k/s`, `789 /s`. */
export const perSec = (x: number): string =>
  !Number.isFinite(x) ? "n/a" : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : x >= 1e4 ? `${(x / 1e3).toFixed(0)} k/s` : `${x.toFixed(0)} /s`

export const mb = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : "n/a")
export const mbps = (bytesPerSec: number): string => (Number.isFinite(bytesPerSec) ? `${(bytesPerSec / 1e6).toFixed(0)} MB/s` : "n/a")
export const ms = (x: number): string => (!Number.isFinite(x) ? "n/a" : x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`)
export const secs = (x: number): string => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : "n/a")
export const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : "n/a")
export const ratioText = (r: number | undefined): string =>
  r === undefined || !Number.isFinite(r) ? "—" : r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`

/** pass/FAIL from a check, info when there is no target. */
export const check = (ok: boolean | undefined): Outcome => (ok === undefined ? "info" : ok ? "pass" : "FAIL")

const width = (s: string): number => [...s].length
const pad = (s: string, n: number): string => s + " ".repeat(Math.max(0, n - width(s)))

/** Renders rows as a `|`-separated table; the note goes in the last column. */
export const render = (rows: ReadonlyArray<Row>): string => {
  const header = ["#", "metric", "measured", "baseline", "ratio", "target", "result", "limited by"]
  const cells = rows.map((r) => [r.id, r.metric, r.measured, r.baseline, ratioText(r.ratio), r.target, r.outcome, r.note])
  const widths = header.map((h, i) => Math.max(width(h), ...cells.map((c) => width(c[i] ?? ""))))
  const line = (cs: ReadonlyArray<string>) => `| ${cs.map((c, i) => pad(c, widths[i] ?? 0)).join(" | ")} |`
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`
  return [line(header), rule, ...cells.map(line)].join("\n")
}
