/**
 * The logical plan on the wire. Two shapes, as in Heron's tracker: the raw one embedded in
 * `/topologies/info` (`spouts.<name>.type/source`), and the view of `/topologies/logicalplan`
 * (`spout_type/spout_source`, `inputComponents`, and `stages`, the length of the longest path).
 */
import { Schema } from "effect"
import type { Component, Grouping, Topology } from "../../model/Topology.js"

const Config = Schema.Record({ key: Schema.String, value: Schema.String })
const Output = Schema.Struct({ stream_name: Schema.String })
const Input = Schema.Struct({ stream_name: Schema.String, component_name: Schema.String, grouping: Schema.String })

/** `logical_plan` of `/topologies/info`. */
export const LogicalPlanRaw = Schema.Struct({
  spouts: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({
      config: Config,
      type: Schema.String,
      source: Schema.String,
      version: Schema.String,
      outputs: Schema.Array(Output),
      extra_links: Schema.Array(Schema.Unknown)
    })
  }),
  bolts: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({ config: Config, outputs: Schema.Array(Output), inputs: Schema.Array(Input) })
  })
})
export type LogicalPlanRaw = typeof LogicalPlanRaw.Type

/** The answer of `/topologies/logicalplan`. */
export const LogicalPlanView = Schema.Struct({
  stages: Schema.Number,
  spouts: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({
      config: Config,
      outputs: Schema.Array(Output),
      spout_type: Schema.String,
      spout_source: Schema.String,
      version: Schema.String
    })
  }),
  bolts: Schema.Record({
    key: Schema.String,
    value: Schema.Struct({
      config: Config,
      inputComponents: Schema.Array(Schema.String),
      inputs: Schema.Array(Input),
      outputs: Schema.Array(Output)
    })
  })
})
export type LogicalPlanView = typeof LogicalPlanView.Type

/** Heron's protobuf name of a grouping (`topology_pb2.Grouping`); a global grouping is `LOWEST`. */
export const groupingName = (g: Grouping): string => {
  switch (g._tag) {
    case "shuffle":
      return "SHUFFLE"
    case "fields":
      return "FIELDS"
    case "all":
      return "ALL"
    case "global":
      return "LOWEST"
    case "direct":
      return "DIRECT"
    case "custom":
      return "CUSTOM"
  }
}

const outputs = (c: Component) => c.outputs.map((o) => ({ stream_name: o.stream }))

/** The raw logical plan of a topology; empty when the topology is not known yet. */
export const logicalPlanRaw = (topology: Topology | undefined): LogicalPlanRaw => {
  const components = topology?.components ?? []
  return {
    spouts: Object.fromEntries(components.filter((c) => c.kind === "spout").map((c) => [c.name, {
      config: c.config,
      type: c.config["spout.type"] ?? "default",
      source: c.config["spout.source"] ?? "NA",
      version: c.config["spout.version"] ?? "NA",
      outputs: outputs(c),
      extra_links: []
    }])),
    bolts: Object.fromEntries(components.filter((c) => c.kind === "bolt").map((c) => [c.name, {
      config: c.config,
      outputs: outputs(c),
      inputs: c.inputs.map((i) => ({ stream_name: i.stream, component_name: i.component, grouping: groupingName(i.grouping) }))
    }]))
  }
}

/**
 * Number of edges on the longest path of the component graph (`spout -> split -> count` is 2).
 * A cycle, which a valid topology never has, is cut where it closes instead of looping.
 */
export const stages = (plan: LogicalPlanRaw): number => {
  const next = new Map<string, Set<string>>()
  for (const [bolt, b] of Object.entries(plan.bolts)) {
    for (const input of b.inputs) {
      const targets = next.get(input.component_name) ?? new Set<string>()
      targets.add(bolt)
      next.set(input.component_name, targets)
    }
  }
  const memo = new Map<string, number>()
  const depth = (node: string, path: ReadonlySet<string>): number => {
    const known = memo.get(node)
    if (known !== undefined) return known
    let best = 0
    for (const t of next.get(node) ?? []) {
      if (!path.has(t)) best = Math.max(best, 1 + depth(t, new Set([...path, t])))
    }
    memo.set(node, best)
    return best
  }
  const nodes = [...Object.keys(plan.spouts), ...Object.keys(plan.bolts)]
  return nodes.reduce((max, n) => Math.max(max, depth(n, new Set([n]))), 0)
}

/** The `/topologies/logicalplan` view of a raw logical plan. */
export const logicalPlanView = (plan: LogicalPlanRaw): LogicalPlanView => ({
  stages: stages(plan),
  spouts: Object.fromEntries(Object.entries(plan.spouts).map(([name, s]) => [name, {
    config: s.config,
    outputs: s.outputs,
    spout_type: s.type,
    spout_source: s.source,
    version: s.version
  }])),
  bolts: Object.fromEntries(Object.entries(plan.bolts).map(([name, b]) => [name, {
    config: b.config,
    inputComponents: b.inputs.map((i) => i.component_name),
    inputs: b.inputs,
    outputs: b.outputs
  }]))
})
