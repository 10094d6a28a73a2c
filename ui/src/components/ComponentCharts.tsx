/**
 * Charts of one component's metrics over a window (10 min, 1 h, 3 h), per minute, through the
 * Tracker's query language: the component's total (counts) or its instances' maximum and median
 * (latencies, memory, GC, event loop) — one or two requests whatever the number of instances;
 * one line per instance when it has few.
 */
import { Effect } from "effect"
import { useMemo } from "preact/hooks"
import { runEffect } from "../api/Run.js"
import { Tracker } from "../api/TrackerClient.js"
import { useResource } from "../app/useResource.js"
import { type Address, formatAddress, trackerParams } from "../model/Address.js"
import { bytes, count, millis } from "../model/Format.js"
import { counterNames, NODE } from "../model/Metrics.js"
import type { ComponentNode } from "../model/Plan.js"
import { Chart, type Series } from "./Chart.js"
import { ChartWindowPicker } from "./ChartWindowPicker.js"
import { ErrorNote, Loading } from "./Status.js"

export interface MetricKind {
  readonly id: string
  readonly label: string
  readonly names: ReadonlyArray<string>
  /** Counts add up across instances; the others are shown as max and median. */
  readonly additive: boolean
  readonly format: (v: number) => string
}

/** What can be charted for a component. */
export const metricKinds = (c: Pick<ComponentNode, "kind" | "inputs" | "outputs">): ReadonlyArray<MetricKind> => {
  const n = counterNames(c)
  const kinds: Array<MetricKind> = [
    { id: "emitted", label: "Emitted", names: n.emitted, additive: true, format: count },
    { id: "executed", label: "Executed", names: n.executed, additive: true, format: count },
    { id: "acked", label: "Acked", names: n.acked, additive: true, format: count },
    { id: "failed", label: "Failed", names: n.failed, additive: true, format: count },
    { id: "latency", label: c.kind === "spout" ? "Complete latency" : "Execute latency", names: n.latency, additive: false, format: millis },
    { id: "heap", label: "Heap used", names: [NODE.heap], additive: false, format: bytes },
    { id: "gc", label: "GC time per minute", names: [NODE.gc], additive: false, format: millis },
    { id: "loop", label: "Event-loop delay", names: [NODE.loop], additive: false, format: millis }
  ]
  return kinds.filter((k) => k.names.length > 0)
}

export const chartWindows: ReadonlyArray<{ readonly seconds: number; readonly label: string }> = [
  { seconds: 600, label: "10 min" },
  { seconds: 3600, label: "1 h" },
  { seconds: 10_800, label: "3 h" }
]

const seriesOf = (timeline: ReadonlyArray<{ readonly instance?: string | undefined; readonly data: Readonly<Record<string, number>> }>, label: (instance: string | undefined) => string): Array<Series> =>
  timeline.map((s) => ({
    label: label(s.instance),
    points: Object.entries(s.data).map(([t, v]) => [Number(t), v] as const).sort((a, b) => a[0] - b[0])
  }))

const PER_INSTANCE_MAX = 8

export const ComponentCharts = ({ enabled = true, address, components, selected, onSelect, kind, onKind, windowS, onWindow }: {
  /** Nothing is asked while false. */
  readonly enabled?: boolean
  readonly address: Address
  readonly components: ReadonlyArray<ComponentNode>
  readonly selected: string
  readonly onSelect: (component: string) => void
  readonly kind: string
  readonly onKind: (kind: string) => void
  readonly windowS: number
  readonly onWindow: (seconds: number) => void
}) => {
  const component = components.find((c) => c.name === selected) ?? components[0]
  const kinds = useMemo(() => (component === undefined ? [] : metricKinds(component)), [component])
  const metric = kinds.find((k) => k.id === kind) ?? kinds[0]
  const ts = (name: string) => `TS(${component?.name ?? ""},*,${name})`
  const perInstance = component !== undefined && metric !== undefined && component.parallelism <= PER_INSTANCE_MAX && metric.names.length === 1
  const data = useResource(
    `chart:${formatAddress(address)}:${component?.name ?? ""}:${metric?.id ?? ""}:${windowS}`,
    (signal) => {
      const now = Math.floor(Date.now() / 1000)
      const range = { ...trackerParams(address), starttime: String(now - windowS), endtime: String(now) }
      const names = metric?.names ?? []
      const ask = (query: string) => Effect.flatMap(Tracker, (t) => Effect.map(t.metrics.metricsquery({ urlParams: { ...range, query } }), (r) => r.result.timeline))
      const effect = perInstance
        ? Effect.map(ask(ts(names[0] ?? "")), (tl) => seriesOf(tl, (i) => i ?? "all"))
        : metric?.additive === true
        ? Effect.map(ask(`SUM(${names.map(ts).join(",")})`), (tl) => seriesOf(tl, () => "all instances"))
        : Effect.map(
          Effect.all([ask(`MAX(${names.map(ts).join(",")})`), ask(`PERCENTILE(50,${names.map(ts).join(",")})`)], { concurrency: 2 }),
          ([max, median]) => [...seriesOf(max, () => "max of instances"), ...seriesOf(median, () => "median of instances")]
        )
      return runEffect(Effect.map(effect, (series) => ({ series, range: [now - windowS, now] as const })), signal)
    },
    { refreshMs: 30_000, enabled: enabled && component !== undefined && metric !== undefined }
  )
  if (component === undefined || metric === undefined) return <p class="muted">No component to chart.</p>
  return (
    <div class="charts">
      <div class="chart-controls">
        <label for="chart-component">
          Component
          <select id="chart-component" value={component.name} onChange={(e) => onSelect(e.currentTarget.value)}>
            {components.map((c) => <option key={c.name} value={c.name}>{c.name} ({c.kind})</option>)}
          </select>
        </label>
        <label for="chart-metric">
          Metric
          <select id="chart-metric" value={metric.id} onChange={(e) => onKind(e.currentTarget.value)}>
            {kinds.map((k) => <option key={k.id} value={k.id}>{k.label}</option>)}
          </select>
        </label>
        <ChartWindowPicker name="chart-window" value={windowS} onChange={onWindow} />
      </div>
      {data.data === undefined
        ? (data.error === undefined ? <Loading what="the chart" /> : <ErrorNote what="cannot read the metric" message={data.error} />)
        : <Chart title={`${component.name}: ${metric.label}, per minute`} series={data.data.series} range={data.data.range} format={metric.format} />}
    </div>
  )
}
