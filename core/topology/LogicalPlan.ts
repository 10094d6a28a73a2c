/**
 * From what a topology file exports to what the state manager stores (`core/model` Topology), and
 * the task numbering every part of the runtime agrees on.
 *
 * Not exported from `heron-runtime/topology`: it needs effect/Schema, which user bundles don't.
 */
import type { BuiltTopology, GroupingSpec } from "./Api.js"
import { Component, InputSpec, StreamSchema, Topology, type Grouping } from "../model/Topology.js"

/**
 * The logical plan of a built topology: components with their streams, inputs and config. Custom
 * groupings keep only their name (`{_tag: "custom", name}`): the function lives in the package.
 * @throws ParseError (a defect) if `built` was not made by `TopologyBuilder.build`
 */
export const toLogicalPlan = (built: BuiltTopology, id: string, state: "RUNNING" | "PAUSED"): Topology =>
  new Topology({
    id,
    name: built.name,
    state,
    config: { ...built.config },
    components: built.components.map((c) =>
      new Component({
        name: c.name,
        kind: c.kind,
        parallelism: c.parallelism,
        outputs: Object.entries(c.outputs).map(([stream, names]) => new StreamSchema({ stream, fields: [...names] })),
        inputs: c.inputs.map((i) => new InputSpec({ component: i.component, stream: i.stream, grouping: toGrouping(i.grouping) })),
        config: { ...c.config }
      })
    )
  })

const toGrouping = (g: GroupingSpec): Grouping => {
  switch (g._tag) {
    case "fields": {
      const [first, ...rest] = g.fields
      if (first === undefined) throw new Error("fields grouping without fields")
      return { _tag: "fields", fields: [first, ...rest] }
    }
    case "custom":
      return { _tag: "custom", name: g.name }
    default:
      return { _tag: g._tag }
  }
}

/** One instance of a component, as numbered by `tasks`. */
export interface Task {
  readonly componentName: string
  /** 1..N, unique in the topology. */
  readonly taskId: number
  /** 0..parallelism-1 within the component. */
  readonly componentIndex: number
}

/**
 * Every instance of the topology in task order: task ids 1..N, spouts first then bolts, each in
 * declaration order, a component's tasks consecutive.
 */
export const tasks = (topology: Topology): ReadonlyArray<Task> => {
  const out: Array<Task> = []
  for (const c of [...topology.spouts, ...topology.bolts]) {
    for (let componentIndex = 0; componentIndex < c.parallelism; componentIndex++) {
      out.push({ componentName: c.name, taskId: out.length + 1, componentIndex })
    }
  }
  return out
}

/** Component name → its task ids, ascending (see `tasks` for the numbering). */
export const taskAssignment = (topology: Topology): ReadonlyMap<string, ReadonlyArray<number>> => {
  const out = new Map<string, Array<number>>()
  for (const t of tasks(topology)) out.set(t.componentName, [...(out.get(t.componentName) ?? []), t.taskId])
  return out
}
