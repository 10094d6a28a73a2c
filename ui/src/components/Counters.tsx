/**
 * Each component's counters over a window (10 min, 1 h, 3 h or all): tuples emitted, executed,
 * acked and failed (summed over its instances) and its latency (the mean of its instances':
 * execute latency for bolts, complete latency for spouts).
 */
import { useState } from "preact/hooks"
import { useCounters, type WindowMetrics } from "../app/TopologyData.js"
import type { Address } from "../model/Address.js"
import { count, millis } from "../model/Format.js"
import { counterNames, instancesIn, type MetricTable, sumOf, valueOf } from "../model/Metrics.js"
import type { ComponentNode } from "../model/Plan.js"
import { ErrorNote, Loading } from "./Status.js"

export const windows: ReadonlyArray<{ readonly seconds: number; readonly label: string }> = [
  { seconds: 600, label: "10 min" },
  { seconds: 3600, label: "1 h" },
  { seconds: 10_800, label: "3 h" },
  { seconds: -1, label: "all" }
]

const total = (t: MetricTable, names: ReadonlyArray<string>): number | undefined => {
  let sum: number | undefined
  for (const id of instancesIn(t)) {
    const v = sumOf(t, names, id)
    if (v !== undefined) sum = (sum ?? 0) + v
  }
  return sum
}

const meanLatency = (t: MetricTable, names: ReadonlyArray<string>): number | undefined => {
  const values = instancesIn(t).flatMap((id) => names.flatMap((n) => {
    const v = valueOf(t, n, id)
    return v === undefined ? [] : [v]
  }))
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length
}

const Table = ({ components, metrics }: { readonly components: ReadonlyArray<ComponentNode>; readonly metrics: WindowMetrics }) => (
  <div class="table-wrap" tabIndex={0} role="region" aria-label="Counters">
    <table class="counters">
      <thead>
        <tr>
          <th scope="col">Component</th>
          <th scope="col" class="num">Emitted</th>
          <th scope="col" class="num">Executed</th>
          <th scope="col" class="num">Acked</th>
          <th scope="col" class="num">Failed</th>
          <th scope="col" class="num">Latency</th>
        </tr>
      </thead>
      <tbody>
        {components.map((c) => {
          const t = metrics.byComponent.get(c.name)
          const n = counterNames(c)
          const error = metrics.errors.get(c.name)
          return (
            <tr key={c.name}>
              <th scope="row">{c.name} <span class="muted">({c.kind})</span></th>
              {t === undefined
                ? <td colSpan={5} class="muted">{error ?? "no metrics"}</td>
                : (
                  <>
                    <td class="num">{count(total(t, n.emitted))}</td>
                    <td class="num">{c.kind === "spout" ? "–" : count(total(t, n.executed))}</td>
                    <td class="num">{count(total(t, n.acked))}</td>
                    <td class="num">{count(total(t, n.failed) ?? 0)}</td>
                    <td class="num">{millis(meanLatency(t, n.latency))}</td>
                  </>
                )}
            </tr>
          )
        })}
      </tbody>
    </table>
  </div>
)

export const Counters = ({ address, components, tenMinutes }: {
  readonly address: Address
  readonly components: ReadonlyArray<ComponentNode>
  /** The health overlays' metrics: the 10-minute window costs no other request. */
  readonly tenMinutes: WindowMetrics | undefined
}) => {
  const [window, setWindow] = useState(600)
  const longer = useCounters(address, components, window, window !== 600)
  const metrics = window === 600 ? tenMinutes : longer.data
  return (
    <div>
      <div class="segmented" role="radiogroup" aria-label="Counters over">
        {windows.map((w) => (
          <label key={w.seconds}>
            <input type="radio" name="counters-window" checked={window === w.seconds} onChange={() => setWindow(w.seconds)} />
            {w.label}
          </label>
        ))}
      </div>
      {metrics === undefined
        ? (window !== 600 && longer.error !== undefined ? <ErrorNote what="cannot read the counters" message={longer.error} /> : <Loading what="counters" />)
        : <Table components={components} metrics={metrics} />}
    </div>
  )
}
