/**
 * Which of Heron's metric names to ask the Tracker for, per component (derived from the logical
 * plan's streams), and how to read its answers (`{name: {instance: "12.000000"}}`).
 */
import type { ComponentNode } from "./Plan.js"

/** The stream managers' metrics are reported under this component, keyed by stream manager id. */
export const STMGR = "__stmgr__"
/** Milliseconds a stream manager spent in back-pressure it started, per interval. */
export const BACK_PRESSURE = "__server/__time_spent_back_pressure_initiated"
/** Node's metrics of an instance's thread, in place of Heron's `__jvm-*`. */
export const NODE = { heap: "__node-heap-used", gc: "__node-gc-time", loop: "__node-eventloop-delay" } as const

/** A component's counter names by meaning. Latencies are means in ms: execute for bolts, complete for spouts. */
export interface CounterNames {
  readonly emitted: ReadonlyArray<string>
  readonly executed: ReadonlyArray<string>
  readonly acked: ReadonlyArray<string>
  readonly failed: ReadonlyArray<string>
  readonly latency: ReadonlyArray<string>
}

/** A component's counter names, from its kind and streams. */
export const counterNames = (c: Pick<ComponentNode, "kind" | "outputs" | "inputs">): CounterNames => {
  const emitted = c.outputs.map((s) => `__emit-count/${s}`)
  if (c.kind === "spout") {
    return {
      emitted,
      executed: [],
      acked: c.outputs.map((s) => `__ack-count/${s}`),
      failed: c.outputs.map((s) => `__fail-count/${s}`),
      latency: c.outputs.map((s) => `__complete-latency/${s}`)
    }
  }
  const keys = c.inputs.map((i) => `${i.component}/${i.stream}`)
  return {
    emitted,
    executed: keys.map((k) => `__execute-count/${k}`),
    acked: keys.map((k) => `__ack-count/${k}`),
    failed: keys.map((k) => `__fail-count/${k}`),
    latency: keys.map((k) => `__execute-latency/${k}`)
  }
}

const unique = (names: ReadonlyArray<string>) => [...new Set(names)]

/** Every counter name of a component. */
export const allCounters = (n: CounterNames): ReadonlyArray<string> => unique([...n.emitted, ...n.executed, ...n.acked, ...n.failed, ...n.latency])

/** What the health overlays need of a component's instances. */
export const healthNames = (c: Pick<ComponentNode, "kind" | "outputs" | "inputs">): ReadonlyArray<string> => unique([...allCounters(counterNames(c)), NODE.heap, NODE.gc, NODE.loop])

/** The answer's metrics: `name → instance → value` (strings, as Heron writes them). */
export type MetricTable = Readonly<Record<string, Readonly<Record<string, string>>>>

/** One metric of one instance, as a number; undefined when not reported. */
export const valueOf = (t: MetricTable, name: string, instance: string): number | undefined => {
  const raw = t[name]?.[instance]
  if (raw === undefined) return undefined
  const n = Number(raw)
  return Number.isFinite(n) ? n : undefined
}

/** The sum over `names` for one instance; undefined when none was reported. */
export const sumOf = (t: MetricTable, names: ReadonlyArray<string>, instance: string): number | undefined => {
  let total: number | undefined
  for (const name of names) {
    const v = valueOf(t, name, instance)
    if (v !== undefined) total = (total ?? 0) + v
  }
  return total
}

/** Every instance the answer mentions. */
export const instancesIn = (t: MetricTable): ReadonlyArray<string> => {
  const ids = new Set<string>()
  for (const byInstance of Object.values(t)) for (const id of Object.keys(byInstance)) ids.add(id)
  return [...ids]
}
