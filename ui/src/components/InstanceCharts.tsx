/**
 * One instance's metrics per minute over a window (`/topologies/metricstimeline` for that
 * instance: one request per chart), one line per stream when the metric has several.
 */
import { useMemo, useState } from "preact/hooks"
import { result, run } from "../api/Run.js"
import { useResource } from "../app/useResource.js"
import { type Address, formatAddress, trackerParams } from "../model/Address.js"
import type { Input } from "../model/Plan.js"
import { Chart, type Series } from "./Chart.js"
import { ChartWindowPicker } from "./ChartWindowPicker.js"
import { metricKinds } from "./ComponentCharts.js"
import { ErrorNote, Loading } from "./Status.js"

export const InstanceCharts = ({ address, component, instance }: { readonly address: Address; readonly component: string; readonly instance: string }) => {
  const logical = useResource(`lp:${formatAddress(address)}`, (signal) => run((t) => result(t.topologies.logicalplan({ urlParams: trackerParams(address) })), signal))
  const shape = useMemo(() => {
    const lp = logical.data
    if (lp === undefined) return undefined
    const spout = lp.spouts[component]
    if (spout !== undefined) return { kind: "spout" as const, outputs: spout.outputs.map((o) => o.stream_name), inputs: [] }
    const bolt = lp.bolts[component]
    if (bolt === undefined) return undefined
    const inputs: ReadonlyArray<Input> = bolt.inputs.map((i) => ({ component: i.component_name, stream: i.stream_name, grouping: i.grouping }))
    return { kind: "bolt" as const, outputs: bolt.outputs.map((o) => o.stream_name), inputs }
  }, [logical.data, component])
  const kinds = useMemo(() => (shape === undefined ? [] : metricKinds(shape)), [shape])
  const [kindId, setKindId] = useState("emitted")
  const [windowS, setWindowS] = useState(600)
  const metric = kinds.find((k) => k.id === kindId) ?? kinds[0]
  const data = useResource(
    `itl:${formatAddress(address)}:${instance}:${metric?.id ?? ""}:${windowS}`,
    (signal) => {
      const now = Math.floor(Date.now() / 1000)
      return run((t) => result(t.metrics.metricstimeline({
        urlParams: { ...trackerParams(address), component, instance, metricname: metric?.names ?? [], starttime: String(now - windowS), endtime: String(now) }
      })), signal)
    },
    { refreshMs: 30_000, enabled: metric !== undefined }
  )
  const series: ReadonlyArray<Series> = useMemo(() =>
    Object.entries(data.data?.timeline ?? {}).flatMap(([name, byInstance]) => {
      const points = Object.entries(byInstance[instance] ?? {}).map(([m, v]) => [Number(m), Number(v)] as const).sort((a, b) => a[0] - b[0])
      return points.length === 0 ? [] : [{ label: name, points }]
    }), [data.data, instance])
  if (logical.data === undefined) return logical.error === undefined ? <Loading what="the logical plan" /> : <ErrorNote message={logical.error} />
  if (metric === undefined) return <p class="muted">{component} is not a component of this topology.</p>
  return (
    <div class="charts">
      <div class="chart-controls">
        <label for="instance-metric">
          Metric
          <select id="instance-metric" value={metric.id} onChange={(e) => setKindId(e.currentTarget.value)}>
            {kinds.map((k) => <option key={k.id} value={k.id}>{k.label}</option>)}
          </select>
        </label>
        <ChartWindowPicker name="instance-window" value={windowS} onChange={setWindowS} />
      </div>
      {data.data === undefined
        ? (data.error === undefined ? <Loading what="the chart" /> : <ErrorNote what="cannot read the metric" message={data.error} />)
        : <Chart title={`${instance}: ${metric.label}, per minute`} series={series} range={[data.data.starttime, data.data.endtime]} format={metric.format} />}
    </div>
  )
}
