/**
 * The metrics `heron explorer metrics` asks for, and what it makes of the answer. Heron's metric
 * names carry the stream (and, for bolts, the source component): `__emit-count/<stream>` and, for
 * spouts, `__ack-count/<stream>`, `__fail-count/<stream>`, `__complete-latency/<stream>`; for
 * bolts `__execute-count/<src>/<stream>`, `__execute-latency/<src>/<stream>`,
 * `__process-latency/<src>/<stream>`, `__ack-count/<src>/<stream>`, `__fail-count/<src>/<stream>`.
 * The names are built from the logical plan; each instance's row sums the counts over streams
 * and averages the latencies weighted by the matching counts.
 */
import { Schema } from "effect"
import type { ComponentRow } from "./Views.js"

/** `/topologies/metrics`: `{metrics: {name: {instance: value}}, interval, component}` (values are
 * strings in Heron's answers; numbers are taken too). */
export const ComponentMetricsWire = Schema.Struct({
  metrics: Schema.Record({
    key: Schema.String,
    value: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) })
  }),
  interval: Schema.Number,
  component: Schema.String
})
export type ComponentMetricsWire = typeof ComponentMetricsWire.Type

/** A latency and the count that weighs it, for one stream. */
interface Weighted {
  readonly latency: string
  readonly weight: string
}

/** The metric names of one component, grouped by column. */
export interface MetricNames {
  readonly emit: ReadonlyArray<string>
  readonly execute: ReadonlyArray<string>
  readonly ack: ReadonlyArray<string>
  readonly fail: ReadonlyArray<string>
  readonly executeLatency: ReadonlyArray<Weighted>
  readonly processLatency: ReadonlyArray<Weighted>
  readonly completeLatency: ReadonlyArray<Weighted>
}

/** The names to ask for a component, from its declared outputs and inputs. */
export const metricNames = (c: ComponentRow): MetricNames => {
  const emit = c.outputs.map((o) => `__emit-count/${o.stream}`)
  if (c.type === "spout") {
    return {
      emit,
      execute: [],
      ack: c.outputs.map((o) => `__ack-count/${o.stream}`),
      fail: c.outputs.map((o) => `__fail-count/${o.stream}`),
      executeLatency: [],
      processLatency: [],
      completeLatency: c.outputs.map((o) => ({ latency: `__complete-latency/${o.stream}`, weight: `__ack-count/${o.stream}` }))
    }
  }
  const keys = c.inputs.map((i) => `${i.component}/${i.stream}`)
  return {
    emit,
    execute: keys.map((k) => `__execute-count/${k}`),
    ack: keys.map((k) => `__ack-count/${k}`),
    fail: keys.map((k) => `__fail-count/${k}`),
    executeLatency: keys.map((k) => ({ latency: `__execute-latency/${k}`, weight: `__execute-count/${k}` })),
    processLatency: keys.map((k) => ({ latency: `__process-latency/${k}`, weight: `__execute-count/${k}` })),
    completeLatency: []
  }
}

/** Every name of {@link metricNames}, once each: the `metricname` parameters of the request. */
export const allNames = (n: MetricNames): ReadonlyArray<string> => [
  ...new Set([
    ...n.emit, ...n.execute, ...n.ack, ...n.fail,
    ...[...n.executeLatency, ...n.processLatency, ...n.completeLatency].flatMap((w) => [w.latency, w.weight])
  ])
]

/** One instance's row. Counts are 0 when never reported; latencies (ms) null then. `execute` and
 * the execute/process latencies are null for spouts, the complete latency for bolts. */
export interface InstanceMetricsRow {
  readonly instance: string
  readonly emit: number
  readonly execute: number | null
  readonly ack: number
  readonly fail: number
  readonly executeLatencyMs: number | null
  readonly processLatencyMs: number | null
  readonly completeLatencyMs: number | null
}

/** A component's rows and the seconds they cover (as the Tracker answered). */
export interface ComponentMetricsView {
  readonly component: string
  readonly type: ComponentRow["type"]
  readonly interval: number
  readonly instances: ReadonlyArray<InstanceMetricsRow>
}

const valueOf = (answer: ComponentMetricsWire, name: string, instance: string): number | undefined => {
  const raw = answer.metrics[name]?.[instance]
  if (raw === undefined) return undefined
  const n = typeof raw === "number" ? raw : Number(raw)
  return Number.isFinite(n) ? n : undefined
}

const sum = (answer: ComponentMetricsWire, names: ReadonlyArray<string>, instance: string): number =>
  names.reduce((total, name) => total + (valueOf(answer, name, instance) ?? 0), 0)

/** Mean of the streams' latencies weighted by their counts; the plain mean when no count weighs them. */
const weighted = (answer: ComponentMetricsWire, pairs: ReadonlyArray<Weighted>, instance: string): number | null => {
  const seen = pairs.flatMap((p) => {
    const latency = valueOf(answer, p.latency, instance)
    return latency === undefined ? [] : [{ latency, weight: valueOf(answer, p.weight, instance) ?? 0 }]
  })
  if (seen.length === 0) return null
  const weight = seen.reduce((w, s) => w + s.weight, 0)
  return weight > 0
    ? seen.reduce((t, s) => t + s.latency * s.weight, 0) / weight
    : seen.reduce((t, s) => t + s.latency, 0) / seen.length
}

/** The rows of a component: its instances from the physical plan, plus any only the answer names. */
export const componentMetrics = (c: ComponentRow, answer: ComponentMetricsWire): ComponentMetricsView => {
  const names = metricNames(c)
  const reported = Object.values(answer.metrics).flatMap((byInstance) => Object.keys(byInstance))
  const instances = [...new Set([...c.instances, ...reported])]
  const spout = c.type === "spout"
  return {
    component: c.name,
    type: c.type,
    interval: answer.interval,
    instances: instances.map((instance) => ({
      instance,
      emit: sum(answer, names.emit, instance),
      execute: spout ? null : sum(answer, names.execute, instance),
      ack: sum(answer, names.ack, instance),
      fail: sum(answer, names.fail, instance),
      executeLatencyMs: spout ? null : weighted(answer, names.executeLatency, instance),
      processLatencyMs: spout ? null : weighted(answer, names.processLatency, instance),
      completeLatencyMs: spout ? weighted(answer, names.completeLatency, instance) : null
    }))
  }
}
