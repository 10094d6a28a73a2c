import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Topology } from "../../../core/model/Topology.js"
import { tasks, taskAssignment, toLogicalPlan } from "../../../core/topology/LogicalPlan.js"
import { spout, TopologyBuilder } from "../../../core/topology/index.js"
import { sentenceSpout, sinkBolt, splitBolt } from "./fixtures.js"

const built = new TopologyBuilder()
  .setSpout("sentence", sentenceSpout, 2)
  .setBolt("split", splitBolt, 3).shuffleGrouping("sentence")
  .setBolt("count", sinkBolt, 2).fieldsGrouping("split", ["word"]).customGrouping("ticks", function firstTask(_v, t) {
    return t.slice(0, 1)
  })
  .setSpout("ticks", spout({ outputs: { default: ["n"], alarms: ["level"] }, create: () => ({ nextTuple: () => {} }) }))
  .build("wc", { containers: 2 })

describe("toLogicalPlan", () => {
  const plan = toLogicalPlan(built, "wc-123", "PAUSED")

  it("carries id, name, state, config and components in spouts-first order", () => {
    expect(plan).toBeInstanceOf(Topology)
    expect([plan.id, plan.name, plan.state]).toEqual(["wc-123", "wc", "PAUSED"])
    expect(plan.config).toEqual(built.config)
    expect(plan.components.map((c) => c.name)).toEqual(["sentence", "ticks", "split", "count"])
    expect(plan.spouts.map((c) => c.name)).toEqual(["sentence", "ticks"])
  })

  it("turns outputs into stream schemas and groupings into the stored form (custom keeps its name)", () => {
    const ticks = plan.components.find((c) => c.name === "ticks")
    expect(ticks?.outputs.map((o) => [o.stream, o.fields])).toEqual([["default", ["n"]], ["alarms", ["level"]]])
    const count = plan.components.find((c) => c.name === "count")
    expect(count?.inputs.map((i) => ({ component: i.component, stream: i.stream, grouping: i.grouping }))).toEqual([
      { component: "split", stream: "default", grouping: { _tag: "fields", fields: ["word"] } },
      { component: "ticks", stream: "default", grouping: { _tag: "custom", name: "firstTask" } }
    ])
  })

  it("round-trips through the stored encoding", () => {
    const encoded = Schema.encodeSync(Topology)(plan)
    expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded)
    const decoded = Schema.decodeUnknownSync(Topology)(JSON.parse(JSON.stringify(encoded)))
    expect(decoded.components.map((c) => [c.name, c.parallelism])).toEqual([["sentence", 2], ["ticks", 1], ["split", 3], ["count", 2]])
  })
})

describe("task numbering", () => {
  const plan = toLogicalPlan(built, "wc-1", "RUNNING")

  it("numbers tasks 1..N, spouts first, each component's tasks consecutive", () => {
    expect(tasks(plan).map((t) => `${t.componentName}:${t.taskId}:${t.componentIndex}`)).toEqual([
      "sentence:1:0", "sentence:2:1", "ticks:3:0", "split:4:0", "split:5:1", "split:6:2", "count:7:0", "count:8:1"
    ])
  })

  it("taskAssignment maps each component to its ascending task ids", () => {
    expect(Object.fromEntries(taskAssignment(plan))).toEqual({
      sentence: [1, 2], ticks: [3], split: [4, 5, 6], count: [7, 8]
    })
  })
})
