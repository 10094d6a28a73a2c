/**
 * A topology's structure as the pages draw it: its components and the edges between them (the
 * logical plan), and its containers holding their instances (the physical plan, with each
 * instance's RAM from the packing plan once it arrived).
 */
import type { LogicalPlanView } from "../../../core/tracker/wire/LogicalPlan.js"
import type { PackingPlanWire } from "../../../core/tracker/wire/PackingPlan.js"
import type { PhysicalPlanWire } from "../../../core/tracker/wire/PhysicalPlan.js"

export interface Input {
  readonly component: string
  readonly stream: string
  /** Heron's name of the grouping: `SHUFFLE`, `FIELDS`, `ALL`, `LOWEST` (global), `DIRECT`, `CUSTOM`. */
  readonly grouping: string
}

export interface ComponentNode {
  readonly name: string
  readonly kind: "spout" | "bolt"
  /** Instances running; before a physical plan, as packed. */
  readonly parallelism: number
  readonly instances: ReadonlyArray<string>
  readonly inputs: ReadonlyArray<Input>
  readonly outputs: ReadonlyArray<string>
  readonly config: Readonly<Record<string, string>>
}

export interface Edge {
  readonly id: string
  readonly from: string
  readonly to: string
  readonly stream: string
  readonly grouping: string
}

export interface InstanceNode {
  readonly id: string
  readonly component: string
  readonly container: number
  readonly taskId: number
  /** Bytes of RAM the packing plan gave it; undefined when unknown. */
  readonly ram: number | undefined
  /** Path of its log in the container's directory. */
  readonly logPath: string
}

export interface ContainerNode {
  readonly index: number
  readonly stmgrId: string | undefined
  readonly host: string | undefined
  readonly pid: number | undefined
  readonly instances: ReadonlyArray<InstanceNode>
}

export interface Plan {
  readonly components: ReadonlyArray<ComponentNode>
  readonly edges: ReadonlyArray<Edge>
  /** Container 0 (the TManager) first, then the instances' containers in order. */
  readonly containers: ReadonlyArray<ContainerNode>
  readonly instances: ReadonlyMap<string, InstanceNode>
  readonly config: Readonly<Record<string, string>>
  readonly instanceCount: number
}

const DEFAULT_LOG = "container.log"

/** The path a shell's `/file/<path>` link names; the container's log when there is no link. */
export const logPathOf = (logfile: string | null | undefined): string => {
  if (logfile === null || logfile === undefined) return DEFAULT_LOG
  const at = logfile.indexOf("/file/")
  if (at < 0) return DEFAULT_LOG
  try {
    return logfile.slice(at + "/file/".length).split("/").map(decodeURIComponent).join("/")
  } catch {
    return DEFAULT_LOG
  }
}

/** `container_1_split_3` → `{container: 1, component: "split", task: 3}`; -1 and "" when it is not such an id. */
export const parseInstanceId = (id: string): { readonly container: number; readonly component: string; readonly task: number } => {
  const m = /^container_(\d+)_(.+)_(\d+)$/.exec(id)
  return m === null ? { container: -1, component: "", task: -1 } : { container: Number(m[1]), component: m[2] ?? "", task: Number(m[3]) }
}

const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index

/** The logical plan's components (with their instances when the physical plan is known). */
export const componentsOf = (
  lp: LogicalPlanView,
  pp: PhysicalPlanWire | undefined,
  packed: ReadonlyMap<string, number> = new Map()
): ReadonlyArray<ComponentNode> => {
  const running = (name: string, kind: "spout" | "bolt") => (kind === "spout" ? pp?.spouts : pp?.bolts)?.[name] ?? []
  const component = (name: string, kind: "spout" | "bolt", config: Readonly<Record<string, string>>, outputs: ReadonlyArray<{ stream_name: string }>, inputs: ReadonlyArray<Input>): ComponentNode => {
    const ids = running(name, kind)
    const configured = Number(config["topology.component.parallelism"])
    return {
      name,
      kind,
      parallelism: ids.length > 0 ? ids.length : packed.get(name) ?? (Number.isInteger(configured) && configured > 0 ? configured : 0),
      instances: ids,
      inputs,
      outputs: outputs.map((o) => o.stream_name),
      config
    }
  }
  return [
    ...Object.entries(lp.spouts).map(([name, s]) => component(name, "spout", s.config, s.outputs, [])),
    ...Object.entries(lp.bolts).map(([name, b]) =>
      component(name, "bolt", b.config, b.outputs, b.inputs.map((i) => ({ component: i.component_name, stream: i.stream_name, grouping: i.grouping }))))
  ]
}

/** What a plan is drawn from: three Tracker answers (the packing plan comes later, for RAM). */
export interface PlanSources {
  readonly logical: LogicalPlanView
  readonly physical: PhysicalPlanWire
  readonly packing: PackingPlanWire | undefined
  /** Whether container 0 (the TManager) runs. */
  readonly hasTManager: boolean
}

export const planOf = ({ logical, physical: pp, packing, hasTManager }: PlanSources): Plan => {
  const ramByTask = new Map<number, number>()
  const packed = new Map<string, number>()
  for (const c of packing?.container_plans ?? []) {
    for (const i of c.instances) {
      ramByTask.set(i.task_id, i.instance_resources.ram)
      packed.set(i.component_name, (packed.get(i.component_name) ?? 0) + 1)
    }
  }
  const instances = new Map<string, InstanceNode>()
  const containers = new Map<number, { index: number; stmgrId: string | undefined; host: string | undefined; pid: number | undefined; instances: Array<InstanceNode> }>()
  const containerOf = (index: number) => {
    const known = containers.get(index)
    if (known !== undefined) return known
    const created = { index, stmgrId: undefined, host: undefined, pid: undefined, instances: [] }
    containers.set(index, created)
    return created
  }
  for (const s of Object.values(pp.stmgrs)) {
    const m = /(\d+)$/.exec(s.id)
    if (m === null) continue
    Object.assign(containerOf(Number(m[1])), { stmgrId: s.id, host: s.host ?? undefined, pid: s.pid ?? undefined })
  }
  for (const w of Object.values(pp.instances)) {
    const parsed = parseInstanceId(w.id)
    const stmgr = /(\d+)$/.exec(w.stmgr_id)
    const container = stmgr === null ? parsed.container : Number(stmgr[1])
    const node: InstanceNode = { id: w.id, component: w.name, container, taskId: parsed.task, ram: ramByTask.get(parsed.task), logPath: logPathOf(w.logfile) }
    instances.set(w.id, node)
    containerOf(container).instances.push(node)
  }
  for (const c of containers.values()) c.instances.sort((a, b) => a.taskId - b.taskId)
  if (hasTManager) containerOf(0)

  const components = componentsOf(logical, pp, packed)
  const edges = components.flatMap((c) => c.inputs.map((i) => ({ id: `${i.component}>${c.name}:${i.stream}`, from: i.component, to: c.name, stream: i.stream, grouping: i.grouping })))
  return {
    components,
    edges,
    containers: [...containers.values()].sort(byIndex),
    instances,
    config: pp.config,
    instanceCount: instances.size
  }
}
