// The Tracker's metrics endpoints against a real metrics cache (started in-process and
// registered in the state manager, as container 0 does): Heron's shapes and envelope, the
// parameters each endpoint requires, and the failures it answers with.
import { HttpApiBuilder, HttpClient, OpenApi } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { it as plain } from "vitest"
import * as Clusters from "../../../core/Clusters.js"
import * as MetricsCache from "../../../core/engine/metricscache/MetricsCache.js"
import type { MetricsStore } from "../../../core/engine/metricscache/MetricsStore.js"
import { ExceptionDatum, MetricDatum, MetricsRecord } from "../../../core/MetricsSink.js"
import * as Redactor from "../../../core/Redactor.js"
import * as Tracker from "../../../core/tracker/Tracker.js"
import { cluster, localState } from "./fixtures.js"

class Cache extends Context.Tag("test/Cache")<Cache, MetricsStore>() {}

const NOW = Date.now()
const MINUTE = Math.floor(NOW / 60_000) * 60
const STACK = "Error: boom 7\n    at execute (file:///topology.mjs:12:11)\n    at BoltRunner.run (runner.js:1:1)"

const rec = (at: number, component: string, instance: string, metrics: Record<string, number>, exceptions: Array<ExceptionDatum> = []) =>
  new MetricsRecord({
    timestamp: at, source: `worker-1:6001/${component}/${instance}`, context: "default",
    metrics: Object.entries(metrics).map(([name, value]) => new MetricDatum({ name, value: String(value) })), exceptions
  })

/** Cluster `local` with word count `wc` running, and its metrics cache holding two minutes of data. */
const State = Layer.scopedContext(Effect.gen(function*() {
  const sm = yield* localState
  const cache = yield* MetricsCache.start({ topologyName: "wc", topologyId: "wc-6b1f", host: "127.0.0.1", listenHost: "127.0.0.1", stateManager: sm })
  const t = new Date(NOW).toISOString()
  cache.store.ingest([
    rec(NOW - 60_000, "split", "container_1_split_3", { "__execute-count/sentence/default": 10, "__emit-count/default": 100 }),
    rec(NOW, "split", "container_1_split_3", { "__execute-count/sentence/default": 20, "__emit-count/default": 200, "words-seen": 4 }),
    rec(NOW, "split", "container_2_split_4", { "__execute-count/sentence/default": 30 }),
    rec(NOW, "__stmgr__", "stmgr-1", { "__tuples_to_workers": 12 }),
    rec(NOW, "count", "container_1_count_5", {}, [
      new ExceptionDatum({ stacktrace: STACK, firsttime: t, lasttime: t, count: 2, logging: "Error: boom 7" })
    ])
  ])
  const clusters = Clusters.make([cluster("local", sm)])
  return Context.make(Clusters.Clusters, clusters).pipe(Context.add(Cache, cache.store))
}))

const Served = HttpApiBuilder.serve().pipe(
  Layer.provide(Tracker.layer),
  Layer.provideMerge(State),
  Layer.provideMerge(Redactor.layer),
  Layer.provideMerge(NodeHttpServer.layerTest)
)

const get = (path: string) =>
  Effect.gen(function*() {
    const response = yield* HttpClient.get(path)
    const body: unknown = JSON.parse(yield* response.text)
    return { status: response.status, body }
  })

const wc = "cluster=local&environ=default&topology=wc"

layer(Served, { excludeTestServices: true })("Tracker metrics endpoints", (it) => {
  it.effect("/topologies/metrics: {metrics: {name: {instance: value}}, interval, component}, values as Heron's strings", () =>
    Effect.gen(function*() {
      const names = "metricname=__execute-count/sentence/default&metricname=__emit-count/default&metricname=words-seen&metricname=absent"
      const { status, body } = yield* get(`/topologies/metrics?${wc}&component=split&${names}&interval=600`)
      expect(status).toBe(200)
      expect(body).toMatchObject({
        status: "success",
        result: {
          component: "split",
          interval: 600,
          metrics: {
            "__execute-count/sentence/default": { container_1_split_3: "30.000000", container_2_split_4: "30.000000" },
            "__emit-count/default": { container_1_split_3: "300.000000" },
            "words-seen": { container_1_split_3: "4.000000" }
          }
        }
      })
      expect(Object.keys((body as { result: { metrics: object } }).result.metrics)).not.toContain("absent")
      const one = yield* get(`/topologies/metrics?${wc}&role=alice&component=split&metricname=__execute-count/sentence/default&instance=container_2_split_4`)
      expect(one.body).toMatchObject({ result: { metrics: { "__execute-count/sentence/default": { container_2_split_4: "30.000000" } } } })
      expect(JSON.stringify(one.body)).not.toContain("container_1_split_3")
      const stmgr = yield* get(`/topologies/metrics?${wc}&component=__stmgr__&metricname=__tuples_to_workers`)
      expect(stmgr.body).toMatchObject({ result: { metrics: { __tuples_to_workers: { "stmgr-1": "12.000000" } } } })
    }))

  it.effect("/topologies/metricstimeline: per minute, between starttime and endtime", () =>
    Effect.gen(function*() {
      const range = `starttime=${MINUTE - 120}&endtime=${MINUTE}`
      const { status, body } = yield* get(`/topologies/metricstimeline?${wc}&component=split&metricname=__execute-count/sentence/default&${range}`)
      expect(status).toBe(200)
      expect(body).toMatchObject({
        status: "success",
        result: {
          component: "split", starttime: MINUTE - 120, endtime: MINUTE,
          timeline: {
            "__execute-count/sentence/default": {
              container_1_split_3: { [MINUTE - 60]: "10.000000", [MINUTE]: "20.000000" },
              container_2_split_4: { [MINUTE]: "30.000000" }
            }
          }
        }
      })
    }))

  it.effect("/topologies/metricsquery: the query language, univariate results without an instance", () =>
    Effect.gen(function*() {
      const range = `starttime=${MINUTE - 60}&endtime=${MINUTE}`
      const q = (query: string) => get(`/topologies/metricsquery?${wc}&${range}&query=${encodeURIComponent(query)}`)
      expect((yield* q("SUM(TS(split, *, __execute-count/sentence/default))")).body).toMatchObject({
        status: "success",
        result: { starttime: MINUTE - 60, endtime: MINUTE, timeline: [{ data: { [MINUTE - 60]: 10, [MINUTE]: 50 } }] }
      })
      const rated = (yield* q("RATE(TS(split, container_1_split_3, __execute-count/sentence/default))")).body
      expect(rated).toMatchObject({ result: { timeline: [{ instance: "container_1_split_3", data: { [MINUTE]: 10 } }] } })
      const divided = (yield* q("DIVIDE(TS(split, *, __emit-count/default), TS(split, *, __execute-count/sentence/default))")).body
      expect(divided).toMatchObject({ result: { timeline: [{ instance: "container_1_split_3", data: { [MINUTE - 60]: 10, [MINUTE]: 10 } }] } })
    }))

  it.effect("a query that does not parse is a 400 naming the position", () =>
    Effect.gen(function*() {
      const { status, body } = yield* get(`/topologies/metricsquery?${wc}&starttime=0&endtime=60&query=${encodeURIComponent("SUM(TS(split, *, m), BOGUS(1))")}`)
      expect(status).toBe(400)
      expect(body).toMatchObject({ status: "failure", result: null })
      expect((body as { message: string }).message).toBe(
        "Invalid query at position 21: unknown operator 'BOGUS'; the operators are TS, DEFAULT, SUM, MAX, PERCENTILE, DIVIDE, MULTIPLY, SUBTRACT, RATE (upper case)")
    }))

  it.effect("/topologies/exceptions and /exceptionsummary: per instance, and by class", () =>
    Effect.gen(function*() {
      const t = new Date(NOW).toISOString()
      expect((yield* get(`/topologies/exceptions?${wc}&component=count`)).body).toMatchObject({
        status: "success",
        result: [{ hostname: "worker-1", instance_id: "container_1_count_5", stack_trace: STACK, count: "2", firsttime: t, lasttime: t, logging: "Error: boom 7" }]
      })
      expect((yield* get(`/topologies/exceptionsummary?${wc}&component=count&instance=container_1_count_5`)).body).toMatchObject({
        status: "success", result: [{ class_name: "Error", count: "2", firsttime: t, lasttime: t }]
      })
      expect((yield* get(`/topologies/exceptions?${wc}&component=split`)).body).toMatchObject({ status: "success", result: [] })
    }))

  it.effect("refuses what is missing or wrong, in the envelope", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, number, string]> = [
        [`/topologies/metrics?${wc}&metricname=x`, 400, "Missing argument: component"],
        [`/topologies/metrics?${wc}&component=split`, 400, "Missing argument: metricname"],
        [`/topologies/metrics?${wc}&component=split&metricname=x&interval=ten`, 400, "interval must be an integer, got ten"],
        [`/topologies/metrics?${wc}&component=nope&metricname=x`, 404, "Unknown component: nope (local/*/default/wc has sentence, split, count)"],
        [`/topologies/metrics?cluster=local&environ=default&component=split&metricname=x`, 400, "Missing argument: topology"],
        [`/topologies/metricstimeline?${wc}&component=split&metricname=x&starttime=100`, 400, "Missing argument: endtime"],
        [`/topologies/metricstimeline?${wc}&component=split&metricname=x&starttime=100&endtime=50`, 400, "starttime (100) is after endtime (50)"],
        [`/topologies/metricsquery?${wc}&starttime=0&endtime=60`, 400, "Missing argument: query"],
        [`/topologies/exceptions?${wc}`, 400, "Missing argument: component"],
        [`/topologies/metrics?cluster=local&environ=devel&topology=pending&component=split&metricname=x`, 404, "No metrics cache for local/*/devel/pending: its container 0 is not running"],
        [`/topologies/metrics?cluster=local&environ=default&topology=ghost&component=split&metricname=x`, 404, "Unknown topology: local/*/default/ghost"]
      ]
      for (const [path, status, message] of cases) {
        const r = yield* get(path)
        expect([path, r.status, r.body]).toMatchObject([path, status, { status: "failure", message, result: null }])
      }
    }))

  it.effect("all 3,000 instances of a component in one request", () =>
    Effect.gen(function*() {
      const store = yield* Cache
      const ids = Array.from({ length: 3000 }, (_, i) => `container_${1 + (i % 100)}_count_${i}`)
      for (let m = 9; m >= 0; m--) {
        store.ingest(ids.map((id, k): MetricsRecord => ({
          timestamp: NOW - m * 60_000, source: `worker-1:6001/count/${id}`, context: "default",
          metrics: [{ name: "__execute-count/split/default", value: String(k) }], exceptions: []
        })))
      }
      const path = `/topologies/metrics?${wc}&component=count&metricname=__execute-count/split/default&interval=600`
      // Answered whole in one request (its speed is measured by bench:tracker, not here).
      const { body } = yield* get(path)
      const size = Object.keys((body as { result: { metrics: Record<string, object> } }).result.metrics["__execute-count/split/default"] ?? {}).length
      expect(size).toBe(3000)
    }), 60_000)
})

describe("the metrics endpoints are part of the Tracker's API", () => {
  plain("documents them in the OpenAPI description", () => {
    const spec = OpenApi.fromApi(Tracker.TrackerApi)
    for (const path of ["/topologies/metrics", "/topologies/metricstimeline", "/topologies/metricsquery", "/topologies/exceptions", "/topologies/exceptionsummary"]) {
      expect(Object.keys(spec.paths)).toContain(path)
    }
  })
})
