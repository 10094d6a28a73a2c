import { describe, expect, it } from "@effect/vitest"
import { MetricDatum, MetricsRecord } from "../../../../core/MetricsSink.js"
import { metricPath, parseSource, toLines } from "../../../../plugins/sinks/graphite/internal/paths.js"

describe("graphite paths", () => {
  it("are <prefix>.<topology>.<component>.<instance>.<metric>, metric slashes as dots", () => {
    expect(metricPath("heron", "wc", "host-1:6001/split/container_1_split_3", "__emit-count/default"))
      .toBe("heron.wc.split.container_1_split_3.__emit-count.default")
    expect(metricPath("prod.heron", "wc", "h:1/__stmgr__/stmgr-1", "__server/__time_spent_back_pressure_initiated"))
      .toBe("prod.heron.wc.__stmgr__.stmgr-1.__server.__time_spent_back_pressure_initiated")
  })

  it("sanitise what Graphite cannot take: spaces, dots inside a node, query characters", () => {
    expect(metricPath("heron", "word count", "h:1/split words/inst.1", "my metric/p(99),max*"))
      .toBe("heron.word_count.split_words.inst_1.my_metric.p_99__max_")
    // Empty nodes would make empty directories in whisper: left out, or `_` where a node is required.
    expect(metricPath("heron.", "wc", "h:1//i", "a//b")).toBe("heron.wc._.i.a.b")
  })

  it("take component and instance from the source, keeping an odd source whole", () => {
    expect(parseSource("10.0.0.1:6001/word/container_1_word_2")).toEqual({ component: "word", instance: "container_1_word_2" })
    expect(metricPath("heron", "wc", "odd-source", "m")).toBe("heron.wc.odd-source._.m")
  })

  it("become one line per numeric value, in epoch seconds; other values are skipped", () => {
    const record = new MetricsRecord({
      timestamp: 1_700_000_000_999,
      source: "h:1/word/i1",
      context: "default",
      metrics: [
        new MetricDatum({ name: "__emit-count/default", value: "42" }),
        new MetricDatum({ name: "__execute-latency/x", value: "1.5" }),
        new MetricDatum({ name: "bad", value: "not a number" }),
        new MetricDatum({ name: "empty", value: " " }),
        new MetricDatum({ name: "inf", value: "Infinity" })
      ],
      exceptions: []
    })
    expect(toLines("heron", "wc", record)).toEqual({
      lines: ["heron.wc.word.i1.__emit-count.default 42 1700000000\n", "heron.wc.word.i1.__execute-latency.x 1.5 1700000000\n"],
      skipped: 3
    })
  })
})
