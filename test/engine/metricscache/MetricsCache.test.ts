// The metrics cache over HTTP: it registers its location, takes batches of records, answers the
// batched queries, the query language and exceptions, and refuses what is wrong with the reason.
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Option } from "effect"
import * as CacheClient from "../../../core/engine/metricscache/CacheClient.js"
import * as MetricsCache from "../../../core/engine/metricscache/MetricsCache.js"
import { ExceptionDatum, MetricDatum, MetricsRecord } from "../../../core/MetricsSink.js"
import { makeStateManager } from "../../../core/state/makeStateManager.js"
import * as MemoryStore from "../../../core/state/MemoryStore.js"

const rec = (at: number, component: string, instance: string, metrics: Record<string, number>, exceptions: Array<ExceptionDatum> = []) =>
  new MetricsRecord({
    timestamp: at,
    source: `127.0.0.1:7001/${component}/${instance}`,
    context: "default",
    metrics: Object.entries(metrics).map(([name, value]) => new MetricDatum({ name, value: String(value) })),
    exceptions
  })

/** A cache for topology `wc` (id `wc-1`), its location and a client. */
const started = (limits?: Parameters<typeof MetricsCache.limitsOf>[0]) =>
  Effect.gen(function*() {
    const sm = makeStateManager(yield* MemoryStore.make)
    const cache = yield* MetricsCache.start({
      topologyName: "wc", topologyId: "wc-1", host: "127.0.0.1", listenHost: "127.0.0.1", stateManager: sm, limits: MetricsCache.limitsOf(limits)
    })
    const at = Option.getOrThrow(yield* sm.get("metricscaches", "wc"))
    const client = yield* CacheClient.make.pipe(Effect.provide(FetchHttpClient.layer))
    return { cache, at, client }
  })

describe("metrics cache server", () => {
  it.scopedLive("tells its data version: at once when past the one asked, else when records arrive (a long poll)", () =>
    Effect.gen(function*() {
      const { at, client } = yield* started()
      const v0 = yield* client.version(at, -1)
      const waiting = yield* Effect.fork(client.version(at, v0))
      yield* Effect.sleep("200 millis")
      expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
      yield* client.publish(at, { topologyId: "wc-1", records: [rec(Date.now(), "split", "container_1_split_3", { "__emit-count/default": 1 })] })
      const v1 = yield* Fiber.join(waiting)
      expect(v1).toBeGreaterThan(v0)
      expect(yield* client.version(at, v0)).toBe(v1)
    }))

  it.scopedLive("registers its location and answers the batched queries", () =>
    Effect.gen(function*() {
      const { cache, at, client } = yield* started()
      expect(at).toMatchObject({ topologyName: "wc", topologyId: "wc-1", host: "127.0.0.1", serverPort: cache.port, statsPort: cache.port })
      const now = Date.now()
      yield* client.publish(at, {
        topologyId: "wc-1",
        records: [
          rec(now, "split", "container_1_split_3", { "__execute-count/sentence/default": 40, "__emit-count/default": 400 }),
          rec(now, "split", "container_2_split_4", { "__execute-count/sentence/default": 60 }),
          rec(now, "count", "container_1_count_5", { "words-counted": 7 })
        ]
      })
      const answer = yield* client.metrics(at, {
        selections: [
          { component: "split", metrics: ["__execute-count/sentence/default", "__emit-count/default"], instances: [] },
          { component: "count", metrics: ["words-counted"], instances: ["container_1_count_5"] }
        ],
        interval: 600
      })
      expect(answer.results).toEqual([
        {
          component: "split", interval: 600,
          metrics: {
            "__execute-count/sentence/default": { container_1_split_3: "40.000000", container_2_split_4: "60.000000" },
            "__emit-count/default": { container_1_split_3: "400.000000" }
          }
        },
        { component: "count", interval: 600, metrics: { "words-counted": { container_1_count_5: "7.000000" } } }
      ])
      const minute = Math.floor(now / 60_000) * 60
      const timeline = yield* client.timeline(at, {
        selections: [{ component: "split", metrics: ["__execute-count/sentence/default"], instances: ["container_2_split_4"] }],
        starttime: minute - 600, endtime: minute + 60
      })
      expect(timeline.results[0]).toEqual({
        component: "split", starttime: minute - 600, endtime: minute + 60,
        timeline: { "__execute-count/sentence/default": { container_2_split_4: { [minute]: "60.000000" } } }
      })
      const query = yield* client.query(at, { query: "SUM(TS(split, *, __execute-count/sentence/default))", starttime: minute, endtime: minute })
      expect(query).toEqual({ timeline: [{ data: { [minute]: 100 } }], starttime: minute, endtime: minute })
      const perInstance = yield* client.query(at, { query: "TS(split, *, __execute-count/sentence/default)", starttime: minute - 60, endtime: minute })
      expect(perInstance.timeline).toEqual([
        { instance: "container_1_split_3", data: { [minute]: 40 } },
        { instance: "container_2_split_4", data: { [minute]: 60 } }
      ])
      expect(yield* client.stats(at)).toMatchObject({ topologyName: "wc", series: 4, records: 3, droppedSeries: 0 })
    }))

  it.scopedLive("keeps exceptions per instance and summarises them", () =>
    Effect.gen(function*() {
      const { at, client } = yield* started()
      const t = new Date().toISOString()
      const boom = new ExceptionDatum({ stacktrace: "Error: boom\n    at execute (bolt.js:1:1)", firsttime: t, lasttime: t, count: 3, logging: "Error: boom" })
      yield* client.publish(at, { topologyId: "wc-1", records: [rec(Date.now(), "count", "container_1_count_5", {}, [boom])] })
      yield* client.publish(at, { topologyId: "wc-1", records: [rec(Date.now(), "count", "container_1_count_5", {}, [boom])] })
      expect(yield* client.exceptions(at, { component: "count", instances: [] })).toEqual([{
        hostname: "127.0.0.1", instance_id: "container_1_count_5", stack_trace: boom.stacktrace, lasttime: t, firsttime: t, count: "6", logging: "Error: boom"
      }])
      expect(yield* client.exceptionSummary(at, { component: "count", instances: ["container_1_count_5"] })).toEqual([
        { class_name: "Error", lasttime: t, firsttime: t, count: "6" }
      ])
      expect(yield* client.exceptions(at, { component: "count", instances: ["other"] })).toEqual([])
    }))

  it.scopedLive("refuses another topology's records, bad bodies and bad queries, saying why", () =>
    Effect.gen(function*() {
      const { at, client } = yield* started()
      const other = yield* Effect.either(client.publish(at, { topologyId: "wc-0", records: [] }))
      expect(Either.isLeft(other) && other.left).toMatchObject({ status: 409, message: "this metrics cache serves wc (wc-1), not wc-0" })
      const query = yield* Effect.either(client.query(at, { query: "SUM(TS(a, *, m)", starttime: 0, endtime: 60 }))
      expect(Either.isLeft(query) && query.left).toMatchObject({ status: 400, position: 15 })
      expect(Either.isLeft(query) && query.left.message).toContain("missing ')' to close SUM( at position 3")
      const res = yield* Effect.promise(() => fetch(`http://127.0.0.1:${at.statsPort}/metrics`, { method: "POST", body: "{\"selections\": 3}" }))
      expect(res.status).toBe(400)
      expect(yield* Effect.promise(() => res.text())).toContain("bad request")
    }))

  it.scopedLive("a batched query over 3,000 instances answers for every instance in one request", () =>
    Effect.gen(function*() {
      const { cache, at, client } = yield* started()
      const now = Date.now()
      const instances = Array.from({ length: 3000 }, (_, i) => `container_${1 + (i % 100)}_split_${i}`)
      const names = ["__emit-count/default", "__execute-count/sentence/default", "__execute-latency/sentence/default", "__node-heap-used"]
      // 30 minutes of history for every instance and metric, put in directly (publishing is tested above).
      for (let m = 29; m >= 0; m--) {
        cache.store.ingest(instances.map((i, k): MetricsRecord => ({
          timestamp: now - m * 60_000, source: `127.0.0.1:7001/split/${i}`, context: "default",
          metrics: names.map((name) => ({ name, value: String(k + m) })), exceptions: []
        })))
      }
      // Each answered whole in one request (their speed is measured by bench:tracker, not here).
      const timed = <A, E>(e: Effect.Effect<A, E>) => Effect.map(e, (last) => ({ last }))
      const one = yield* timed(client.metrics(at, { selections: [{ component: "split", metrics: names.slice(0, 1), instances: [] }], interval: 600 }))
      expect(Object.keys(one.last?.results[0]?.metrics["__emit-count/default"] ?? {})).toHaveLength(3000)
      const listed = yield* timed(client.metrics(at, { selections: [{ component: "split", metrics: names.slice(0, 1), instances }], interval: -1 }))
      expect(Object.keys(listed.last?.results[0]?.metrics["__emit-count/default"] ?? {})).toHaveLength(3000)
      const four = yield* timed(client.metrics(at, { selections: [{ component: "split", metrics: names, instances: [] }], interval: 600 }))
      expect(Object.keys(four.last?.results[0]?.metrics ?? {})).toEqual(names)
      const nowSec = Math.floor(now / 1000)
      const sum = yield* timed(client.query(at, { query: "SUM(TS(split, *, __emit-count/default))", starttime: nowSec - 600, endtime: nowSec }))
      expect(sum.last?.timeline).toHaveLength(1)
    }), 60_000)
})
