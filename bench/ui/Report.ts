/**
 * The UI benchmark's table: render times of the 3,000-instance topology page against the issue's
 * target (< 1 s), its Tracker requests against their bound (as many as for 30 instances, none per
 * instance), and the figures that explain them (bytes, slowest request, bundle size).
 */
import { check, ms, type Row } from "../internal/Table.js"
import { type Load, median, type TrackerRequest } from "./Measure.js"

export interface Loads {
  readonly cold: ReadonlyArray<Load>
  readonly warm: ReadonlyArray<Load>
  /** Cold loads with the Tracker's answers replayed from memory. */
  readonly replayed: ReadonlyArray<Load>
}

export interface Measured {
  readonly runs: number
  readonly wide: Loads
  readonly narrow: Loads
  /** dist/ui/manifest.json as written by scripts/build-ui.mjs. */
  readonly manifest: unknown
}

const TARGET_MS = 1000
/** The page's components: the bench topologies have a spout and a bolt. */
const COMPONENTS = 2
/** The logical plan, the execution state, the physical plan, the packing plan, the scheduler's
 * status, the stream managers' metrics and the default chart's query; per component its health
 * metrics and its exception summary. */
const REQUEST_BOUND = 7 + 2 * COMPONENTS

const row = (id: string, metric: string, measured: string, value: number | undefined, target: string, ok: boolean | undefined, note: string, baseline = "", baselineValue?: number): Row => ({
  id, metric, measured, measuredValue: value, baseline, baselineValue, ratio: value !== undefined && baselineValue !== undefined && baselineValue > 0 ? value / baselineValue : undefined, target, outcome: check(ok), note
})

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`
const totals = (manifest: unknown): { bytes: number; gzip: number } | undefined => {
  if (typeof manifest !== "object" || manifest === null || !("totals" in manifest)) return undefined
  const t = manifest.totals
  if (typeof t !== "object" || t === null || !("initial" in t)) return undefined
  const i = t.initial
  return typeof i === "object" && i !== null && "bytes" in i && "gzip" in i && typeof i.bytes === "number" && typeof i.gzip === "number" ? { bytes: i.bytes, gzip: i.gzip } : undefined
}

const slowest = (reqs: ReadonlyArray<TrackerRequest>): TrackerRequest | undefined => [...reqs].sort((a, b) => b.ms - a.ms)[0]

export const rows = (m: Measured): Array<Row> => {
  const coldMs = m.wide.cold.map((l) => l.renderMs)
  const warmMs = m.wide.warm.map((l) => l.renderMs)
  const narrowCold = median(m.narrow.cold.map((l) => l.renderMs))
  const first = m.wide.cold[0]
  // Distinct requests: a slow load may see a live refresh repeat one.
  const distinct = (reqs: ReadonlyArray<TrackerRequest>) => new Set(reqs.map((r) => r.path + r.query)).size
  const toDraw = Math.max(...m.wide.cold.map((l) => distinct(l.toRender)))
  const requests = Math.max(...m.wide.cold.map((l) => distinct([...l.toRender, ...l.settled])))
  const narrowRequests = Math.max(...m.narrow.cold.map((l) => distinct([...l.toRender, ...l.settled])))
  const perInstance = m.wide.cold.flatMap((l) => [...l.toRender, ...l.settled]).filter((r) => /[?&]instance=/.test(r.query)).length
  const bytes = median(m.wide.cold.map((l) => l.toRender.reduce((a, r) => a + r.bytes, 0)))
  const slow = first === undefined ? undefined : slowest(first.toRender)
  const size = totals(m.manifest)
  const drawn = Math.min(...m.wide.cold.map((l) => l.instancesDrawn))
  const errors = [...new Set(m.wide.cold.flatMap((l) => l.consoleErrors))]
  return [
    row("1", "3,000-instance page drawn, cold (median)", ms(median(coldMs)), median(coldMs), "< 1 s", median(coldMs) < TARGET_MS,
      `min ${ms(Math.min(...coldMs))}, max ${ms(Math.max(...coldMs))}; nothing cached: the UI's script is fetched and parsed while the plans its HTML preloads are read`, `30 instances: ${ms(narrowCold)}`, narrowCold),
    row("2", "3,000-instance page drawn, warm (median)", ms(median(warmMs)), median(warmMs), "< 1 s", median(warmMs) < TARGET_MS,
      `min ${ms(Math.min(...warmMs))}, max ${ms(Math.max(...warmMs))}; the UI's assets from the browser cache`),
    row("3", "the same, the Tracker's answers replayed (cold, median)", ms(median(m.wide.replayed.map((l) => l.renderMs))), undefined, "", undefined,
      `min ${ms(Math.min(...m.wide.replayed.map((l) => l.renderMs)))}; the UI's own time (scripts, decoding, layout, drawing); row 1 minus this is the runtime's`),
    row("3a", "DAG laid out by ELK, cold / warm (median)", `${ms(median(m.wide.cold.map((l) => l.elkMs)))} / ${ms(median(warmMs.length === 0 ? [] : m.wide.warm.map((l) => l.elkMs)))}`, undefined, "", undefined,
      "drawn by stages until ELK's worker (started once the containers are drawn) answers; a graph seen before is drawn by ELK at once (its layout is kept in localStorage)"),
    row("3b", "of which: structure drawn (cold, median)", ms(median(m.wide.cold.map((l) => l.structureMs))), undefined, "", undefined,
      "logical and physical plans and execution state decoded, containers drawn, before the health metrics"),
    row("4", "distinct Tracker requests of a page load", String(requests), requests, `≤ ${REQUEST_BOUND}, as for 30`, requests <= REQUEST_BOUND && requests <= narrowRequests,
      "one per component and per topology, within 3 s of drawing; counts and exceptions batched", `30 instances: ${narrowRequests}`, narrowRequests),
    row("5", "requests naming an instance", String(perInstance), perInstance, "0", perInstance === 0, "every metrics request asks for all of a component's instances"),
    row("6", "of which done before the page was drawn", String(toDraw), toDraw, "", undefined, "the others (packing plan, exceptions, chart) do not block drawing; live refresh repeats them every 5–60 s"),
    row("7", "instances drawn", String(drawn), drawn, "3,000", drawn >= 3000, "30 containers of 100, one cell each"),
    row("8", "bytes from the Tracker to draw it (median)", kb(bytes), bytes, "", undefined,
      slow === undefined ? "" : `slowest request: ${slow.path} (${ms(slow.ms)}, ${kb(slow.bytes)})`),
    row("9", "UI initial download (index, script, styles)", size === undefined ? "n/a" : `${kb(size.bytes)} (${kb(size.gzip)} gzip)`, size?.gzip, "", undefined,
      "Effect runtime and schemas, Preact, the pages; uPlot and the 1.6 MB ELK worker load apart"),
    row("10", "console errors", String(errors.length), errors.length, "", undefined, errors.length === 0 ? "" : errors.slice(0, 2).join("; ").slice(0, 160))
  ]
}
