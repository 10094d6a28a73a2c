import { describe, expect, it } from "@effect/vitest"
import {
  bolt,
  configKeys,
  custom,
  isBuiltTopology,
  resourcesOf,
  spout,
  TopologyBuilder
} from "../../../core/topology/index.js"
import { sentenceSpout, sinkBolt, splitBolt } from "./fixtures.js"

const MiB = 1024 * 1024
const GiB = 1024 * MiB

const wordCount = () =>
  new TopologyBuilder()
    .setSpout("sentence", sentenceSpout)
    .setBolt("split", splitBolt, 2).shuffleGrouping("sentence")
    .setBolt("count", sinkBolt, 3).fieldsGrouping("split", ["word"])

describe("TopologyBuilder", () => {
  it("builds a chained topology: components spouts first, inputs, outputs, parallelism", () => {
    const t = wordCount().build("word-count")
    expect(isBuiltTopology(t)).toBe(true)
    expect(t.name).toBe("word-count")
    expect(t.components.map((c) => [c.name, c.kind, c.parallelism])).toEqual([
      ["sentence", "spout", 1],
      ["split", "bolt", 2],
      ["count", "bolt", 3]
    ])
    const [sentence, split, count] = t.components
    expect(sentence?.outputs).toEqual({ default: ["sentence"] })
    expect(sentence?.inputs).toEqual([])
    expect(split?.inputs).toEqual([{ component: "sentence", stream: "default", grouping: { _tag: "shuffle" } }])
    expect(count?.inputs).toEqual([{ component: "split", stream: "default", grouping: { _tag: "fields", fields: ["word"] } }])
    expect(split?.spec).toBe(splitBolt)
  })

  it("puts spouts before bolts even when a bolt is declared first, and works without chaining (Heron style)", () => {
    const builder = new TopologyBuilder()
    builder.setBolt("split", splitBolt).shuffleGrouping("sentence")
    builder.setSpout("sentence", sentenceSpout)
    const t = builder.build("x")
    expect(t.components.map((c) => c.name)).toEqual(["sentence", "split"])
  })

  it("applies Heron's config keys with defaults", () => {
    const t = wordCount().build("word-count")
    expect(t.config).toEqual({
      "topology.stmgrs": "1",
      "topology.reliability.mode": "ATMOST_ONCE",
      "topology.message.timeout.secs": "30",
      "topology.max.spout.pending": "1000",
      "topology.metrics.interval.secs": "60",
      "topology.component.cpumap": "sentence:1,split:1,count:1",
      "topology.component.rammap": `sentence:${512 * MiB},split:${512 * MiB},count:${512 * MiB}`,
      "topology.component.diskmap": `sentence:${GiB},split:${GiB},count:${GiB}`
    })
  })

  it("turns options into config keys; typed options win over raw config, raw config over defaults", () => {
    const t = wordCount().build("wc", {
      containers: 3,
      reliability: "at-least-once",
      messageTimeoutSecs: 12,
      maxSpoutPending: 50,
      metricsIntervalSecs: 5,
      tickFreqSecs: 2,
      instanceResources: { cpu: 0.5 },
      componentResources: { count: { ram: 2 * GiB, disk: 3 * GiB } },
      config: { "topology.stmgrs": 9, "topology.max.spout.pending": 7, "topology.debug": true, "topology.container.max.ram.hint": 8 * GiB }
    })
    expect(t.config[configKeys.containers]).toBe("3")
    expect(t.config[configKeys.reliability]).toBe("ATLEAST_ONCE")
    expect(t.config[configKeys.messageTimeoutSecs]).toBe("12")
    expect(t.config[configKeys.maxSpoutPending]).toBe("50")
    expect(t.config[configKeys.metricsIntervalSecs]).toBe("5")
    expect(t.config[configKeys.tickFreqSecs]).toBe("2")
    expect(t.config["topology.debug"]).toBe("true")
    expect(t.config[configKeys.containerMaxRam]).toBe(String(8 * GiB))
    expect(t.config[configKeys.componentCpu]).toBe("sentence:0.5,split:0.5,count:0.5")
    expect(t.config[configKeys.componentRam]).toBe(`sentence:${512 * MiB},split:${512 * MiB},count:${2 * GiB}`)
    expect(resourcesOf(t.config, "count")).toEqual({ cpu: 0.5, ram: 2 * GiB, disk: 3 * GiB })
    expect(resourcesOf(t.config, "split")).toEqual({ cpu: 0.5, ram: 512 * MiB, disk: GiB })

    const raw = wordCount().build("wc", { config: { "topology.stmgrs": 4 } })
    expect(raw.config[configKeys.containers]).toBe("4")
  })

  it("resourcesOf falls back to the defaults for a component in no map", () => {
    expect(resourcesOf({}, "x")).toEqual({ cpu: 1, ram: 512 * MiB, disk: GiB })
    expect(resourcesOf({ [configKeys.componentRam]: "x:100,y:oops" }, "y")).toEqual({ cpu: 1, ram: 512 * MiB, disk: GiB })
    expect(resourcesOf({ [configKeys.componentRam]: "x:100,y:oops" }, "x").ram).toBe(100)
  })

  it("records every grouping kind, named streams and component config", () => {
    const twoStreams = spout({
      outputs: { default: ["a"], errors: ["code", "text"] },
      create: () => ({ nextTuple: () => {} })
    })
    const byLength = (_values: ReadonlyArray<unknown>, tasks: ReadonlyArray<number>) => tasks.slice(0, 1)
    const t = new TopologyBuilder()
      .setSpout("src", twoStreams, 2).config("topology.debug", true)
      .setBolt("b", sinkBolt, 4)
      .allGrouping("src")
      .globalGrouping("src", "errors")
      .config(configKeys.tickFreqSecs, 5)
      .setBolt("c", sinkBolt).directGrouping("src").customGrouping("b2", byLength)
      .setBolt("b2", bolt({ outputs: { default: ["x"] }, create: () => ({ execute: () => {} }) }))
      .fieldsGrouping("src", ["code", "text"], "errors")
      .grouping("src", custom(byLength, "first"))
      .build("groupings")
    const byName = new Map(t.components.map((c) => [c.name, c]))
    expect(byName.get("src")?.config).toEqual({ "topology.debug": "true" })
    expect(byName.get("b")?.config).toEqual({ [configKeys.tickFreqSecs]: "5" })
    expect(byName.get("b")?.inputs.map((i) => [i.component, i.stream, i.grouping._tag])).toEqual([
      ["src", "default", "all"],
      ["src", "errors", "global"]
    ])
    const c = byName.get("c")?.inputs ?? []
    expect(c.map((i) => [i.component, i.grouping._tag])).toEqual([["src", "direct"], ["b2", "custom"]])
    const customInput = c[1]?.grouping
    expect(customInput?._tag === "custom" ? customInput.name : undefined).toBe("byLength")
    expect(customInput?._tag === "custom" ? customInput.choose([1], [7, 8]) : undefined).toEqual([7])
    expect(byName.get("b2")?.inputs.map((i) => i.grouping)).toEqual([
      { _tag: "fields", fields: ["code", "text"] },
      expect.objectContaining({ _tag: "custom", name: "first" })
    ])
  })

  it("returns a frozen value", () => {
    const t = wordCount().build("wc")
    expect(Object.isFrozen(t)).toBe(true)
    expect(Object.isFrozen(t.config)).toBe(true)
    expect(Object.isFrozen(t.components)).toBe(true)
  })
})

describe("userConfig", () => {
  it("holds only the keys the topology set, so cluster defaults can apply under them", () => {
    const plain = new TopologyBuilder().setSpout("s", sentenceSpout).setBolt("b", sinkBolt).shuffleGrouping("s").build("plain")
    expect(plain.userConfig).toEqual({})
    expect(plain.config["topology.stmgrs"]).toBe("1")
    const set = new TopologyBuilder().setSpout("s", sentenceSpout).setBolt("b", sinkBolt).shuffleGrouping("s")
      .build("set", { containers: 3, config: { "topology.debug": true }, instanceResources: { cpu: 2 } })
    expect(Object.keys(set.userConfig ?? {}).sort()).toEqual([
      "topology.component.cpumap", "topology.component.diskmap", "topology.component.rammap", "topology.debug", "topology.stmgrs"
    ])
    expect(set.userConfig?.["topology.stmgrs"]).toBe("3")
  })
})
