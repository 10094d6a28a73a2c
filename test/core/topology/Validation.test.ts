import { describe, expect, it } from "@effect/vitest"
import {
  bolt,
  TopologyBuilder,
  TopologyValidationError,
  type TopologyOptions
} from "../../../core/topology/index.js"
import { sentenceSpout, sinkBolt, splitBolt } from "./fixtures.js"

/** Runs `build` and returns what it threw (fails the test when nothing was thrown). */
const refusal = (build: () => unknown): TopologyValidationError => {
  try {
    build()
  } catch (e) {
    if (e instanceof TopologyValidationError) return e
    throw e
  }
  throw new Error("build did not throw")
}

const expectRefused = (build: () => unknown, component: string | undefined, reason: RegExp) => {
  const e = refusal(build)
  expect(e.component).toBe(component)
  expect(e.reason).toMatch(reason)
  expect(e.name).toBe("TopologyValidationError")
  if (component !== undefined) expect(e.message).toContain(`component "${component}"`)
  return e
}

const valid = () => new TopologyBuilder().setSpout("sentence", sentenceSpout).setBolt("split", splitBolt).shuffleGrouping("sentence")

describe("TopologyBuilder.build refuses", () => {
  it("a duplicate component name", () => {
    expectRefused(() => valid().setBolt("split", sinkBolt).shuffleGrouping("sentence").build("t"), "split", /declared twice/)
  })

  it("parallelism below 1 or not an integer", () => {
    expectRefused(() => valid().setBolt("count", sinkBolt, 0).shuffleGrouping("split").build("t"), "count", /parallelism must be an integer >= 1, got 0/)
    expectRefused(() => valid().setBolt("count", sinkBolt, 1.5).shuffleGrouping("split").build("t"), "count", /got 1.5/)
    expectRefused(() => new TopologyBuilder().setSpout("s", sentenceSpout, -1).build("t"), "s", /parallelism/)
  })

  it("an input from an unknown component", () => {
    expectRefused(() => valid().setBolt("count", sinkBolt).shuffleGrouping("spliter").build("t"), "count", /unknown component "spliter"/)
  })

  it("an input on a stream the source does not declare", () => {
    expectRefused(
      () => valid().setBolt("count", sinkBolt).shuffleGrouping("split", "words").build("t"),
      "count",
      /stream "words" of "split", which declares streams \[default\]/
    )
  })

  it("a fields grouping on an undeclared field (or on none)", () => {
    const e = expectRefused(
      () => valid().setBolt("count", sinkBolt).fieldsGrouping("split", ["wrd"]).build("wc"),
      "count",
      /fields grouping on "wrd", which stream "default" of "split" does not declare \(it declares \[word\]\)/
    )
    expect(e.message).toBe(`topology "wc": component "count": ${e.reason}`)
    expectRefused(() => valid().setBolt("count", sinkBolt).fieldsGrouping("split", []).build("t"), "count", /names no field/)
  })

  it("a cycle, naming its components", () => {
    const relay = bolt({ outputs: { default: ["word"] }, create: () => ({ execute: () => {} }) })
    expectRefused(
      () =>
        valid()
          .setBolt("a", relay).shuffleGrouping("split").shuffleGrouping("c")
          .setBolt("b", relay).shuffleGrouping("a")
          .setBolt("c", relay).shuffleGrouping("b")
          .build("t"),
      "a",
      /cycle: a -> b -> c -> a/
    )
    expectRefused(() => valid().setBolt("self", relay).shuffleGrouping("split").shuffleGrouping("self").build("t"), "self", /cycle: self -> self/)
  })

  it("a spout with inputs (as plain JavaScript could declare) and a spec of the wrong kind", () => {
    const builder = valid()
    const declarer: object = builder.setSpout("other", sentenceSpout)
    if ("shuffleGrouping" in declarer && typeof declarer.shuffleGrouping === "function") declarer.shuffleGrouping("sentence")
    expectRefused(() => builder.build("t"), "other", /a spout cannot subscribe to streams, but it has inputs from \[sentence\]/)
    // What an untyped caller could pass: a spout spec where a bolt spec is expected.
    const misKinded = Object.assign(bolt({ create: () => ({ execute: () => {} }) }), { kind: "spout" })
    expectRefused(() => new TopologyBuilder().setSpout("s", sentenceSpout).setBolt("b", misKinded).shuffleGrouping("s").build("t"), "b", /its spec is not a bolt/)
  })

  it("a bolt with no inputs", () => {
    expectRefused(() => valid().setBolt("lonely", sinkBolt).build("t"), "lonely", /has no inputs/)
  })

  it("a topology without spouts, and bad component names", () => {
    expectRefused(() => new TopologyBuilder().build("t"), undefined, /no spout/)
    expectRefused(() => new TopologyBuilder().setSpout("a,b", sentenceSpout).build("t"), "a,b", /invalid component name/)
  })

  it("an invalid topology name", () => {
    for (const name of ["", "../x", ".hidden", "a b", "a/b"]) {
      const e = expectRefused(() => valid().build(name), undefined, /invalid topology name/)
      expect(e.message).toContain(`topology "${name}"`)
    }
    expect(valid().build("Word_Count-2.v1").name).toBe("Word_Count-2.v1")
  })

  it("invalid options", () => {
    const cases: ReadonlyArray<readonly [TopologyOptions, RegExp]> = [
      [{ containers: 0 }, /topology.stmgrs must be an integer >= 1, got "0"/],
      [{ containers: 1.5 }, /topology.stmgrs/],
      [{ messageTimeoutSecs: 0 }, /topology.message.timeout.secs must be a number > 0/],
      [{ messageTimeoutSecs: -3 }, /got "-3"/],
      [{ maxSpoutPending: -1 }, /topology.max.spout.pending must be an integer >= 0/],
      [{ metricsIntervalSecs: 0 }, /topology.metrics.interval.secs/],
      [{ tickFreqSecs: 0 }, /topology.tick.tuple.freq.secs/],
      [{ instanceResources: { ram: 0 } }, /instanceResources: ram must be a whole number of bytes > 0, got 0/],
      [{ instanceResources: { cpu: -1 } }, /cpu must be a number > 0/],
      [{ config: { "topology.reliability.mode": "EFFECTIVELY_ONCE" } }, /ATMOST_ONCE or ATLEAST_ONCE/],
      [{ config: { "topology.stmgrs": "two" } }, /got "two"/],
      [{ config: { "topology.container.max.ram.hint": 0 } }, /topology.container.max.ram.hint/]
    ]
    for (const [options, reason] of cases) expectRefused(() => valid().build("t", options), undefined, reason)
    expectRefused(() => valid().build("t", { componentResources: { split: { disk: 0.5 } } }), "split", /componentResources: disk/)
    expectRefused(() => valid().build("t", { componentResources: { nope: { cpu: 1 } } }), "nope", /does not declare/)
  })

  it("a bad tick frequency and bad output declarations", () => {
    expectRefused(() => valid().setBolt("b", sinkBolt).shuffleGrouping("split").config("topology.tick.tuple.freq.secs", "soon").build("t"), "b", /tick/)
    const dupField = bolt({ outputs: { default: ["a", "a"] }, create: () => ({ execute: () => {} }) })
    expectRefused(() => valid().setBolt("d", dupField).shuffleGrouping("split").build("t"), "d", /field "a" twice/)
    const reserved = bolt({ outputs: { __tick: ["a"] }, create: () => ({ execute: () => {} }) })
    expectRefused(() => valid().setBolt("r", reserved).shuffleGrouping("split").build("t"), "r", /reserved/)
  })

  it("a subscription to the same stream twice", () => {
    expectRefused(() => valid().setBolt("b", sinkBolt).shuffleGrouping("split").allGrouping("split").build("t"), "b", /subscribes twice/)
  })
})
