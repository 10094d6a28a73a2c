// `heron explorer` views and tables, from the Tracker's real wire shapes of the word-count fixture
// (1 spout and 2 bolts of parallelism 2 over 2 containers).
import { describe, expect, it } from "vitest"
import { componentMetrics, metricNames, allNames, type ComponentMetricsWire } from "../../../core/cli/heron/explorer/MetricsView.js"
import * as Render from "../../../core/cli/heron/explorer/Render.js"
import { componentRows, containerRows, topologyRows } from "../../../core/cli/heron/explorer/Views.js"
import { logicalPlanRaw, logicalPlanView } from "../../../core/tracker/wire/LogicalPlan.js"
import { emptyPhysicalPlan, physicalPlan } from "../../../core/tracker/wire/PhysicalPlan.js"
import { wcPhysical, wcTopology } from "../../core/tracker/fixtures.js"

const logical = logicalPlanView(logicalPlanRaw(wcTopology()))
const physical = physicalPlan(wcPhysical)
const components = componentRows(logical, physical)
const component = (name: string) => {
  const c = components.find((x) => x.name === name)
  if (c === undefined) throw new Error(`no component ${name}`)
  return c
}

describe("explorer topologies", () => {
  it("flattens the cluster/role/environ tree into sorted rows", () => {
    const rows = topologyRows({ local: { bob: { devel: ["zeta", "alpha"] }, alice: { default: ["wc"] } }, aaa: { x: { prod: ["t"] } } })
    expect(rows.map((r) => `${r.cluster}/${r.role}/${r.environ}/${r.topology}`)).toEqual([
      "aaa/x/prod/t", "local/alice/default/wc", "local/bob/devel/alpha", "local/bob/devel/zeta"
    ])
    expect(Render.renderTopologies("local", rows.slice(1, 2))).toBe([
      "+---------+-------+---------+----------+",
      "| cluster | role  | environ | topology |",
      "+---------+-------+---------+----------+",
      "| local   | alice | default | wc       |",
      "+---------+-------+---------+----------+"
    ].join("\n"))
    expect(Render.renderTopologies("local/carol", [])).toBe("no topologies on local/carol")
  })
})

describe("explorer logical-plan", () => {
  it("spouts then bolts, parallelism from the physical plan, inputs with grouping, consumers of each stream", () => {
    expect(components.map((c) => [c.name, c.type, c.parallelism])).toEqual([["sentence", "spout", 2], ["split", "bolt", 2], ["count", "bolt", 2]])
    expect(component("count").inputs).toEqual([{ component: "split", stream: "default", grouping: "FIELDS" }])
    expect(component("sentence").outputs).toEqual([{ stream: "default", consumers: ["split"] }])
    expect(component("count").outputs).toEqual([])
    expect(Render.renderLogicalPlan("wc", components)).toBe([
      "logical plan of wc: 1 spout, 2 bolts, 6 instances",
      "+-------+----------+-------------+--------------------+-----------------+",
      "| type  | name     | parallelism | inputs             | outputs         |",
      "+-------+----------+-------------+--------------------+-----------------+",
      "| spout | sentence | 2           | -                  | default → split |",
      "| bolt  | split    | 2           | sentence (SHUFFLE) | default → count |",
      "| bolt  | count    | 2           | split (FIELDS)     | -               |",
      "+-------+----------+-------------+--------------------+-----------------+"
    ].join("\n"))
  })

  it("before a physical plan exists, the parallelism is the configured one", () => {
    const rows = componentRows(logical, emptyPhysicalPlan)
    expect(rows.map((r) => r.parallelism)).toEqual([2, 2, 2])
    expect(rows.every((r) => r.instances.length === 0)).toBe(true)
  })

  it("names a non-default stream and several consumers", () => {
    expect(Render.formatInput({ component: "split", stream: "errors", grouping: "ALL" })).toBe("split/errors (ALL)")
    expect(Render.formatOutput({ stream: "default", consumers: ["a", "b"] })).toBe("default → a, b")
    expect(Render.formatOutput({ stream: "side", consumers: [] })).toBe("side")
  })
})

describe("explorer physical-plan", () => {
  it("one row per container in order, with host, ports, pid and its instances by task", () => {
    const rows = containerRows(physical)
    expect(rows.map((r) => [r.container, r.stmgr, r.host, r.port, r.shellPort, r.pid])).toEqual([
      [1, "stmgr-1", "worker-1", 6001, 7001, 4241],
      [2, "stmgr-2", "worker-2", 6002, 7002, 4242]
    ])
    expect(rows[1]?.instances).toEqual([
      { id: "container_2_sentence_2", component: "sentence", type: "spout" },
      { id: "container_2_split_4", component: "split", type: "bolt" },
      { id: "container_2_count_6", component: "count", type: "bolt" }
    ])
    const text = Render.renderPhysicalPlan("wc", rows)
    expect(text.split("\n")[0]).toBe("physical plan of wc: 2 containers, 6 instances; container 0 (TManager) not included")
    expect(text).toContain("| container | stream manager | host     | port | shell port | pid  | spouts | bolts | instances |")
    expect(text).toContain("| 1         | stmgr-1        | worker-1 | 6001 | 7001       | 4241 | 1      | 2     | 3         |")
    expect(text).toContain("container 2 (stmgr-2)\n+")
    expect(text).toContain("| container_2_split_4    | split     | bolt  |")
    expect(Render.renderPhysicalPlan("wc", containerRows(emptyPhysicalPlan))).toMatch(/^physical plan of wc: none yet/)
  })
})

describe("explorer metrics", () => {
  it("asks for Heron's full names: per output stream for spouts, per input for bolts", () => {
    expect(metricNames(component("sentence"))).toMatchObject({
      emit: ["__emit-count/default"], ack: ["__ack-count/default"], fail: ["__fail-count/default"], execute: [],
      completeLatency: [{ latency: "__complete-latency/default", weight: "__ack-count/default" }]
    })
    const split = metricNames(component("split"))
    expect(split).toMatchObject({
      emit: ["__emit-count/default"], execute: ["__execute-count/sentence/default"],
      ack: ["__ack-count/sentence/default"], fail: ["__fail-count/sentence/default"],
      executeLatency: [{ latency: "__execute-latency/sentence/default", weight: "__execute-count/sentence/default" }]
    })
    expect(new Set(allNames(split)).size).toBe(allNames(split).length)
  })

  it("sums counts over streams, weighs latencies by their counts, and leaves unreported latencies empty", () => {
    const bolt = {
      ...component("split"),
      inputs: [{ component: "sentence", stream: "default", grouping: "SHUFFLE" }, { component: "other", stream: "s2", grouping: "ALL" }]
    }
    const answer: ComponentMetricsWire = {
      component: "split",
      interval: 600,
      metrics: {
        "__emit-count/default": { container_1_split_3: "60.000000" },
        "__execute-count/sentence/default": { container_1_split_3: "30.000000", container_2_split_4: 5 },
        "__execute-count/other/s2": { container_1_split_3: "10.000000" },
        "__execute-latency/sentence/default": { container_1_split_3: "1.000000" },
        "__execute-latency/other/s2": { container_1_split_3: "5.000000" },
        "__ack-count/sentence/default": { container_1_split_3: "29.000000" },
        "__fail-count/other/s2": { container_1_split_3: "1.000000" }
      }
    }
    const view = componentMetrics(bolt, answer)
    expect(view.instances).toEqual([
      { instance: "container_1_split_3", emit: 60, execute: 40, ack: 29, fail: 1, executeLatencyMs: 2, processLatencyMs: null, completeLatencyMs: null },
      { instance: "container_2_split_4", emit: 0, execute: 5, ack: 0, fail: 0, executeLatencyMs: null, processLatencyMs: null, completeLatencyMs: null }
    ])
    const text = Render.renderMetrics("wc", 600, [view])
    expect(text).toBe([
      "metrics of wc over the last 600 s",
      "",
      "'split' metrics (bolt):",
      "+---------------------+------+---------+-----+------+----------------------+",
      "| instance            | emit | execute | ack | fail | execute latency (ms) |",
      "+---------------------+------+---------+-----+------+----------------------+",
      "| container_1_split_3 | 60   | 40      | 29  | 1    | 2.000                |",
      "| container_2_split_4 | 0    | 5       | 0   | 0    | -                    |",
      "+---------------------+------+---------+-----+------+----------------------+"
    ].join("\n"))
  })

  it("spouts show emit, ack, fail and the complete latency; all-time intervals say so", () => {
    const view = componentMetrics(component("sentence"), {
      component: "sentence",
      interval: 1_700_000_000,
      metrics: { "__emit-count/default": { container_1_sentence_1: "7.000000" }, "__complete-latency/default": { container_1_sentence_1: "3.250000" } }
    })
    expect(view.instances.map((r) => r.instance)).toEqual(["container_1_sentence_1", "container_2_sentence_2"])
    const text = Render.renderMetrics("wc", -1, [view])
    expect(text.split("\n")[0]).toBe("metrics of wc since the metrics cache started")
    expect(text).toContain("| instance               | emit | ack | fail | complete latency (ms) |")
    expect(text).toContain("| container_1_sentence_1 | 7    | 0   | 0    | 3.250                 |")
    expect(Render.metricsJson("wc", -1, [view])).toMatchObject({ topology: "wc", interval: -1, components: [{ component: "sentence", type: "spout" }] })
  })
})
