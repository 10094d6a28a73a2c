import { describe, expect, it } from "@effect/vitest"
import { sanitize, seriesName, sourceLabels } from "../../../../plugins/sinks/prometheus/internal/naming.js"

describe("prometheus sink naming", () => {
  it("splits Heron names into a sanitised metric name and labels", () => {
    const cases: ReadonlyArray<readonly [string, ReturnType<typeof seriesName>]> = [
      ["__emit-count/default", { name: "heron_emit_count_total", type: "counter", labels: { stream: "default" }, family: "__emit-count" }],
      ["__ack-count/split/default", { name: "heron_ack_count_total", type: "counter", labels: { source_component: "split", stream: "default" }, family: "__ack-count" }],
      ["__complete-latency/default", { name: "heron_complete_latency", type: "gauge", labels: { stream: "default" }, family: "__complete-latency" }],
      ["__timeout-count", { name: "heron_timeout_count_total", type: "counter", labels: {}, family: "__timeout-count" }],
      ["__roots_pending", { name: "heron_roots_pending", type: "gauge", labels: {}, family: "__roots_pending" }],
      ["__node-gc-time", { name: "heron_node_gc_time_total", type: "counter", labels: {}, family: "__node-gc-time" }],
      ["__jvm-memory-used-mb", { name: "heron_jvm_memory_used_mb", type: "gauge", labels: {}, family: "__jvm-memory-used-mb" }],
      ["__server/__time_spent_back_pressure_initiated", {
        name: "heron_server_time_spent_back_pressure_initiated_total", type: "counter", labels: {}, family: "__server/__time_spent_back_pressure_initiated"
      }],
      ["__a/b/c/d", { name: "heron_a_total", type: "counter", labels: { key: "b/c/d" }, family: "__a" }],
      ["my.metric/x/y", { name: "heron_my_metric_total", type: "counter", labels: { key: "x/y" }, family: "my.metric" }],
      ["Über Count!!", { name: "heron_ber_Count_total", type: "counter", labels: {}, family: "Über Count!!" }],
      ["__/x", undefined],
      ["", undefined]
    ]
    for (const [heron, want] of cases) expect(seriesName(heron, "heron", []), heron).toEqual(want)
  })

  it("takes user gauges from the gauges option and the prefix from the config", () => {
    expect(seriesName("queue-size/q1", "app", ["queue-"])).toEqual({ name: "app_queue_size", type: "gauge", labels: { key: "q1" }, family: "queue-size" })
    expect(seriesName("queue-size/q1", "app", [])?.type).toBe("counter")
  })

  it("sanitises to Prometheus' charset", () => {
    expect(sanitize("__emit-count")).toBe("emit_count")
    expect(sanitize("a--b..c__")).toBe("a_b_c")
    for (const heron of ["__emit-count/default", "a b/c", "x:y/z", "ünïcode-metric"]) {
      expect(seriesName(heron, "heron", [])?.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
    }
  })

  it("reads component, instance and container from a record source", () => {
    expect(sourceLabels("10.0.0.1:6001/split/container_3_split_7")).toEqual({ component: "split", instance: "container_3_split_7", container: "3" })
    expect(sourceLabels("10.0.0.1:6001/__stmgr__/stmgr-2")).toEqual({ component: "__stmgr__", instance: "stmgr-2", container: "2" })
    expect(sourceLabels("10.0.0.1:6001/split/task-1")).toEqual({ component: "split", instance: "task-1" })
    expect(sourceLabels("10.0.0.1:6001/split")).toEqual({ component: "split" })
    expect(sourceLabels("no-slash")).toEqual({})
  })
})
