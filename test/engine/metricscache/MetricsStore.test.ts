import { describe, expect, it } from "vitest"
import { ExceptionDatum, MetricDatum, MetricsRecord } from "../../../core/MetricsSink.js"
import * as MetricsStore from "../../../core/engine/metricscache/MetricsStore.js"

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0) // a minute boundary
const MIN = 60_000
const sec = (ms: number) => Math.floor(ms / 1000)

const rec = (at: number, instance: string, metrics: Record<string, number | string>, component = "split", exceptions: Array<ExceptionDatum> = []) =>
  new MetricsRecord({
    timestamp: at,
    source: `host-a:6001/${component}/${instance}`,
    context: "default",
    metrics: Object.entries(metrics).map(([name, value]) => new MetricDatum({ name, value: String(value) })),
    exceptions
  })

const all = (component: string, metrics: Array<string>, instances: Array<string> = []) => ({ component, metrics, instances })

describe("per-minute buckets", () => {
  it("folds values by minute: counts add up, latencies average, gauges keep the last", () => {
    const store = MetricsStore.make()
    store.ingest([
      rec(T0 + 1_000, "i1", { "__emit-count/default": 10, "__execute-latency/a/default": 2, "__node-heap-used": 100 }),
      rec(T0 + 30_000, "i1", { "__emit-count/default": 5, "__execute-latency/a/default": 4, "__node-heap-used": 300 }),
      rec(T0 + MIN + 5_000, "i1", { "__emit-count/default": 7, "__execute-latency/a/default": 9, "__node-heap-used": 200 })
    ])
    const t = store.timeline(all("split", ["__emit-count/default", "__execute-latency/a/default", "__node-heap-used"]), sec(T0), sec(T0 + 2 * MIN))
    const m0 = String(sec(T0))
    const m1 = String(sec(T0 + MIN))
    expect(t.timeline["__emit-count/default"]?.["i1"]).toEqual({ [m0]: "15.000000", [m1]: "7.000000" })
    expect(t.timeline["__execute-latency/a/default"]?.["i1"]).toEqual({ [m0]: "3.000000", [m1]: "9.000000" })
    expect(t.timeline["__node-heap-used"]?.["i1"]).toEqual({ [m0]: "300.000000", [m1]: "200.000000" })
  })

  it("answers an interval with the buckets it overlaps, and all time with running totals", () => {
    const store = MetricsStore.make()
    for (let m = 0; m < 10; m++) store.ingest([rec(T0 + m * MIN, "i1", { "__emit-count/default": m + 1 })])
    const now = T0 + 9 * MIN + 30_000
    // The last 60 s overlap minutes 8 and 9: 9 + 10.
    expect(store.metrics(all("split", ["__emit-count/default"]), 60, now)).toEqual({
      metrics: { "__emit-count/default": { i1: "19.000000" } }, interval: 60, component: "split"
    })
    // Interval -1: everything since the start (1 + ... + 10); Heron's interval is then end - 0.
    const allTime = store.metrics(all("split", ["__emit-count/default"]), -1, now)
    expect(allTime.metrics).toEqual({ "__emit-count/default": { i1: "55.000000" } })
    expect(allTime.interval).toBe(sec(now))
    expect(store.metrics(all("split", ["__emit-count/default"]), 0, now, true).metrics).toEqual({ "__emit-count/default": { i1: "10.000000" } })
  })

  it("keeps 180 minutes: older buckets go, values older than the window are refused and counted", () => {
    const store = MetricsStore.make()
    for (let m = 0; m < 200; m++) store.ingest([rec(T0 + m * MIN, "i1", { "__emit-count/default": 1 })])
    const points = store.timeline(all("split", ["__emit-count/default"]), 0, sec(T0 + 300 * MIN)).timeline["__emit-count/default"]?.["i1"] ?? {}
    const minutes = Object.keys(points).map(Number)
    expect(minutes.length).toBe(180)
    expect(Math.min(...minutes)).toBe(sec(T0 + 20 * MIN))
    store.ingest([rec(T0 + 5 * MIN, "i1", { "__emit-count/default": 1 })])
    expect(store.stats("wc").rejectedValues).toBe(1)
    // All-time totals outlive the window.
    expect(store.metrics(all("split", ["__emit-count/default"]), -1, T0 + 200 * MIN).metrics["__emit-count/default"]?.["i1"]).toBe("200.000000")
  })

  it("filters instances and metrics, and leaves out what has no data", () => {
    const store = MetricsStore.make()
    store.ingest([rec(T0, "i1", { a: 1 }), rec(T0, "i2", { a: 2, b: 3 }), rec(T0, "i3", { b: 4 }, "count")])
    const now = T0 + 1_000
    expect(store.metrics(all("split", ["a", "b", "c"]), 600, now).metrics).toEqual({ a: { i1: "1.000000", i2: "2.000000" }, b: { i2: "3.000000" } })
    expect(store.metrics(all("split", ["a"], ["i2", "nope"]), 600, now).metrics).toEqual({ a: { i2: "2.000000" } })
    expect(store.metrics(all("nothing", ["a"]), 600, now).metrics).toEqual({})
  })

  it("refuses values that are not numbers and records whose source is malformed", () => {
    const store = MetricsStore.make()
    store.ingest([rec(T0, "i1", { a: "NaN", b: "x", c: "" }), new MetricsRecord({ timestamp: T0, source: "nonsense", context: "default", metrics: [new MetricDatum({ name: "a", value: "1" })], exceptions: [] })])
    expect(store.stats("wc")).toMatchObject({ series: 0, rejectedValues: 4, records: 2 })
  })
})

describe("memory cap", () => {
  it("drops the least recently updated series past maxSeries, and counts them", () => {
    const store = MetricsStore.make({ ...MetricsStore.defaultLimits, maxSeries: 3 })
    store.ingest([rec(T0, "i1", { a: 1 }), rec(T0, "i2", { a: 1 }), rec(T0, "i3", { a: 1 })])
    store.ingest([rec(T0 + 1000, "i1", { a: 1 })]) // i1 is now the most recent
    store.ingest([rec(T0 + 2000, "i4", { a: 1 })])
    expect(Object.keys(store.metrics(all("split", ["a"]), -1, T0 + 3000).metrics["a"] ?? {}).sort()).toEqual(["i1", "i3", "i4"])
    expect(store.stats("wc")).toMatchObject({ series: 3, droppedSeries: 1 })
  })

  it("stays under maxBytes, oldest first, however many series arrive", () => {
    const maxBytes = 50_000
    const store = MetricsStore.make({ ...MetricsStore.defaultLimits, maxBytes })
    const records = Array.from({ length: 30 }, (_, m) => m)
    for (let i = 0; i < 300; i++) {
      store.ingest(records.map((m) => rec(T0 + m * MIN, `i${i}`, { "__emit-count/default": 1 })))
      expect(store.stats("wc").bytes).toBeLessThanOrEqual(maxBytes)
    }
    const stats = store.stats("wc")
    expect(stats.droppedSeries).toBe(300 - stats.series)
    expect(stats.series).toBeGreaterThan(10)
    const kept = Object.keys(store.metrics(all("split", ["__emit-count/default"]), -1, T0).metrics["__emit-count/default"] ?? {})
    expect(kept).toContain("i299")
    expect(kept).not.toContain("i0")
  })
})

describe("exceptions", () => {
  const ex = (stack: string, count: number, first: number, last: number, logging = "boom") =>
    new ExceptionDatum({ stacktrace: stack, count, firsttime: new Date(first).toISOString(), lasttime: new Date(last).toISOString(), logging })
  const STACK = "Error: boom\n    at execute (bolt.js:10:5)\n    at run (runner.js:3:1)"

  it("merges reports of the same exception: counts add, first time stays, last time moves", () => {
    const store = MetricsStore.make()
    store.ingest([rec(T0, "i1", {}, "split", [ex(STACK, 2, T0, T0 + 1000)])])
    store.ingest([rec(T0 + MIN, "i1", {}, "split", [ex(`${STACK}\n    at other (x.js:1:1)`, 3, T0 + MIN, T0 + MIN + 500, "boom again")])])
    store.ingest([rec(T0, "i2", {}, "split", [ex("TypeError: bad\n    at f (y.js:1:1)", 1, T0, T0)])])
    const list = store.exceptions("split", [])
    expect(list).toHaveLength(2)
    expect(list.find((e) => e.instance_id === "i1")).toEqual({
      hostname: "host-a", instance_id: "i1", stack_trace: `${STACK}\n    at other (x.js:1:1)`, count: "5", logging: "boom again",
      firsttime: new Date(T0).toISOString(), lasttime: new Date(T0 + MIN + 500).toISOString()
    })
    expect(store.exceptions("split", ["i2"]).map((e) => e.instance_id)).toEqual(["i2"])
    expect(store.exceptions("count", [])).toEqual([])
  })

  it("summarises by class across instances", () => {
    const store = MetricsStore.make()
    store.ingest([
      rec(T0, "i1", {}, "split", [ex(STACK, 2, T0 + 5000, T0 + 6000), ex("TypeError: x\n at a", 1, T0, T0)]),
      rec(T0, "i2", {}, "split", [ex("Error: other\n at b", 4, T0 + 1000, T0 + 9000)])
    ])
    const summary = store.exceptionSummary("split", [])
    expect(summary).toHaveLength(2)
    expect(summary.find((s) => s.class_name === "Error")).toEqual({
      class_name: "Error", count: "6", firsttime: new Date(T0 + 1000).toISOString(), lasttime: new Date(T0 + 9000).toISOString()
    })
    expect(summary.find((s) => s.class_name === "TypeError")?.count).toBe("1")
  })

  it("keeps a bounded number per instance and in all, dropping the least recently seen", () => {
    const store = MetricsStore.make({ ...MetricsStore.defaultLimits, exceptionsPerInstance: 2, exceptions: 3 })
    store.ingest([rec(T0, "i1", {}, "split", [ex("E: a\n1", 1, T0, T0), ex("E: b\n1", 1, T0, T0), ex("E: c\n1", 1, T0, T0)])])
    expect(store.exceptions("split", ["i1"]).map((e) => e.stack_trace)).toEqual(["E: b\n1", "E: c\n1"])
    store.ingest([rec(T0, "i2", {}, "split", [ex("E: d\n1", 1, T0, T0), ex("E: e\n1", 1, T0, T0)])])
    expect(store.exceptions("split", []).map((e) => e.stack_trace)).toEqual(["E: c\n1", "E: d\n1", "E: e\n1"])
    expect(store.stats("wc")).toMatchObject({ exceptions: 3, droppedExceptions: 2 })
  })
})
