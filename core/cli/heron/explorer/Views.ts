/**
 * What `heron explorer` shows, computed from the Tracker's answers (pure functions, no I/O): the
 * topologies of a listing, the components of a logical plan, the containers of a physical plan.
 * The metrics view is in `MetricsView.ts`.
 */
import type { LogicalPlanView } from "../../../tracker/wire/LogicalPlan.js"
import type { PhysicalPlanWire } from "../../../tracker/wire/PhysicalPlan.js"
import type { TopologiesWire } from "../../../tracker/wire/Tree.js"

/** The stream a component emits on when it names none. */
export const DEFAULT_STREAM = "default"

/** One topology of `/topologies`. */
export interface TopologyRow {
  readonly cluster: string
  readonly role: string
  readonly environ: string
  readonly topology: string
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The `{cluster: {role: {environ: [names]}}}` tree as rows, sorted. */
export const topologyRows = (tree: TopologiesWire): ReadonlyArray<TopologyRow> =>
  Object.entries(tree).flatMap(([cluster, roles]) =>
    Object.entries(roles).flatMap(([role, environs]) =>
      Object.entries(environs).flatMap(([environ, names]) => names.map((topology) => ({ cluster, role, environ, topology })))))
    .sort((a, b) => byText(a.cluster, b.cluster) || byText(a.role, b.role) || byText(a.environ, b.environ) || byText(a.topology, b.topology))

export type ComponentType = "spout" | "bolt"

/** A subscription of a bolt: to `stream` of `component`, with Heron's grouping name. */
export interface InputRow {
  readonly component: string
  readonly stream: string
  readonly grouping: string
}

/** A declared output stream and the components subscribed to it. */
export interface OutputRow {
  readonly stream: string
  readonly consumers: ReadonlyArray<string>
}

/** One component of the logical plan. */
export interface ComponentRow {
  readonly name: string
  readonly type: ComponentType
  /** Instances in the physical plan; the configured parallelism before there is one; null if neither. */
  readonly parallelism: number | null
  /** Ids of its instances in the physical plan (empty before there is one). */
  readonly instances: ReadonlyArray<string>
  readonly inputs: ReadonlyArray<InputRow>
  readonly outputs: ReadonlyArray<OutputRow>
}

const configuredParallelism = (config: Readonly<Record<string, string>>): number | null => {
  const n = Number(config["topology.component.parallelism"])
  return Number.isInteger(n) && n > 0 ? n : null
}

/** Spouts then bolts, in the plan's order, with their parallelism, inputs and consumers. */
export const componentRows = (logical: LogicalPlanView, physical: PhysicalPlanWire): ReadonlyArray<ComponentRow> => {
  const consumers = new Map<string, Array<string>>()
  for (const [bolt, b] of Object.entries(logical.bolts)) {
    for (const i of b.inputs) {
      const key = `${i.component_name}\u0000${i.stream_name}`
      const list = consumers.get(key) ?? []
      if (!list.includes(bolt)) list.push(bolt)
      consumers.set(key, list)
    }
  }
  const row = (
    name: string,
    type: ComponentType,
    c: { readonly config: Readonly<Record<string, string>>; readonly outputs: ReadonlyArray<{ readonly stream_name: string }> },
    inputs: ReadonlyArray<InputRow>
  ): ComponentRow => {
    const instances = (type === "spout" ? physical.spouts : physical.bolts)[name] ?? []
    return {
      name,
      type,
      parallelism: instances.length > 0 ? instances.length : configuredParallelism(c.config),
      instances,
      inputs,
      outputs: c.outputs.map((o) => ({ stream: o.stream_name, consumers: consumers.get(`${name}\u0000${o.stream_name}`) ?? [] }))
    }
  }
  return [
    ...Object.entries(logical.spouts).map(([name, s]) => row(name, "spout", s, [])),
    ...Object.entries(logical.bolts).map(([name, b]) =>
      row(name, "bolt", b, b.inputs.map((i) => ({ component: i.component_name, stream: i.stream_name, grouping: i.grouping }))))
  ]
}

/** An instance of a container. */
export interface InstanceRow {
  readonly id: string
  readonly component: string
  readonly type: ComponentType
}

/** A container: its stream manager, where it runs, and its instances. */
export interface ContainerRow {
  /** From the stream manager's id (`stmgr-2` → 2); null for an id of another form. */
  readonly container: number | null
  readonly stmgr: string
  readonly host: string | null
  readonly port: number | null
  readonly shellPort: number | null
  readonly pid: number | null
  readonly instances: ReadonlyArray<InstanceRow>
}

const containerIndex = (stmgrId: string): number | null => {
  const m = /^stmgr-(\d+)$/.exec(stmgrId)
  return m === null ? null : Number(m[1])
}

/** Task id at the end of an instance id (`container_1_word_3` → 3), for sorting. */
const taskOf = (id: string): number => {
  const n = Number(id.slice(id.lastIndexOf("_") + 1))
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER
}

/** The stream managers of the physical plan in container order, each with its instances by task. */
export const containerRows = (physical: PhysicalPlanWire): ReadonlyArray<ContainerRow> => {
  const spoutIds = new Set(Object.values(physical.spouts).flat())
  return Object.values(physical.stmgrs)
    .map((s) => ({
      container: containerIndex(s.id),
      stmgr: s.id,
      host: s.host,
      port: s.port,
      shellPort: s.shell_port,
      pid: s.pid,
      instances: [...s.instance_ids]
        .sort((a, b) => taskOf(a) - taskOf(b) || byText(a, b))
        .map((id) => ({ id, component: physical.instances[id]?.name ?? "?", type: spoutIds.has(id) ? "spout" as const : "bolt" as const }))
    }))
    .sort((a, b) => (a.container ?? Number.MAX_SAFE_INTEGER) - (b.container ?? Number.MAX_SAFE_INTEGER) || byText(a.stmgr, b.stmgr))
}
