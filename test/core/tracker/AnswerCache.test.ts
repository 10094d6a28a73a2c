// Remembered answers (core/tracker/AnswerCache.ts): the cache itself, the Node server that answers
// from it, and the Tracker using it — a repeated GET gets the very same answer, and a change of
// what the answer was made from (the watched topology, the metrics cache's data) is seen at once.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schedule } from "effect"
import { request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import * as Clusters from "../../../core/Clusters.js"
import * as MetricsCache from "../../../core/engine/metricscache/MetricsCache.js"
import { MetricDatum, MetricsRecord } from "../../../core/MetricsSink.js"
import { PhysicalPlan, StreamManagerInfo } from "../../../core/model/PhysicalPlan.js"
import * as Redactor from "../../../core/Redactor.js"
import * as AnswerCache from "../../../core/tracker/AnswerCache.js"
import * as TopologyCache from "../../../core/tracker/TopologyCache.js"
import * as Tracker from "../../../core/tracker/Tracker.js"
import { cluster, localState, wcPhysical } from "./fixtures.js"

describe("AnswerCache", () => {
  it("gives a remembered body while its test holds, then drops it", () => {
    const cache = AnswerCache.make()
    let holds = true
    cache.remember("/a?x=1", "{\"a\":1}", () => holds)
    expect(cache.lookup("/a?x=1")?.toString()).toBe("{\"a\":1}")
    expect(cache.lookup("/a?x=2")).toBeUndefined()
    holds = false
    expect(cache.lookup("/a?x=1")).toBeUndefined()
    expect(cache.size()).toBe(0)
  })

  it("keeps at most its number of answers, dropping the least recently stored", () => {
    const cache = AnswerCache.make({ maxAnswers: 2, maxBytes: 1024 })
    cache.remember("/1", "1", () => true)
    cache.remember("/2", "2", () => true)
    cache.remember("/1", "1 again", () => true)
    cache.remember("/3", "3", () => true)
    expect(cache.size()).toBe(2)
    expect(cache.lookup("/2")).toBeUndefined()
    expect(cache.lookup("/1")?.toString()).toBe("1 again")
    expect(cache.lookup("/3")?.toString()).toBe("3")
  })

  it("keeps at most its bytes, and never an answer over an eighth of them", () => {
    const cache = AnswerCache.make({ maxAnswers: 100, maxBytes: 800 })
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) cache.remember(`/${n}`, "x".repeat(100), () => true)
    expect(cache.size()).toBe(8)
    expect(cache.lookup("/1")).toBeUndefined()
    expect(cache.lookup("/9")?.length).toBe(100)
    cache.remember("/big", "x".repeat(101), () => true)
    expect(cache.lookup("/big")).toBeUndefined()
    expect(cache.size()).toBe(8)
  })

  it.live("its server answers a remembered GET itself, with the Tracker's headers; anything else reaches the app", () =>
    Effect.gen(function*() {
      const cache = AnswerCache.make()
      cache.remember("/topologies/x?cluster=local", "{\"status\":\"success\"}", () => true)
      const server = AnswerCache.serverWith(cache)()
      const reached: Array<string> = []
      server.on("request", (req, res) => {
        reached.push(`${req.method} ${req.url}`)
        res.end("app")
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.sync(() => server.close())
      )
      const port = (server.address() as AddressInfo).port
      const call = (method: string, path: string) =>
        Effect.async<{ status: number; headers: Record<string, unknown>; body: string }>((resume) => {
          const req = httpRequest({ host: "127.0.0.1", port, method, path }, (res) => {
            let body = ""
            res.on("data", (d: Buffer) => (body += d.toString()))
            res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body })))
          })
          req.end()
        })
      const hit = yield* call("GET", "/topologies/x?cluster=local")
      expect(hit).toMatchObject({ status: 200, body: "{\"status\":\"success\"}" })
      expect(hit.headers).toMatchObject({
        "content-type": "application/json; charset=utf-8", "access-control-allow-origin": "*", "content-length": "20"
      })
      expect((yield* call("POST", "/topologies/x?cluster=local")).body).toBe("app")
      expect((yield* call("GET", "/topologies/x?cluster=prod")).body).toBe("app")
      expect(reached).toEqual(["POST /topologies/x?cluster=local", "GET /topologies/x?cluster=prod"])
    }).pipe(Effect.scoped))
})

const NOW = Date.now()
const record = (count: number) =>
  new MetricsRecord({
    timestamp: NOW, source: "worker-1:6001/split/container_1_split_3", context: "default",
    metrics: [new MetricDatum({ name: "__execute-count/default", value: String(count) })], exceptions: []
  })

/** The Tracker as the runtime serves it: cluster `local` watched, word count `wc` with a metrics cache. */
const served = Effect.gen(function*() {
  const sm = yield* localState
  const metrics = yield* MetricsCache.start({ topologyName: "wc", topologyId: "wc-6b1f", host: "127.0.0.1", listenHost: "127.0.0.1", stateManager: sm })
  metrics.store.ingest([record(5)])
  const services = cluster("local", sm)
  const topologies = yield* TopologyCache.make(services)
  const state = Layer.merge(Clusters.layerOf([{ ...services, topologies }]), Redactor.layer)
  const context = yield* Layer.build(Tracker.serve({ port: 0, host: "127.0.0.1" }).pipe(Layer.provide(state)))
  const base = yield* Tracker.boundAddress(context)
  const text = (path: string) => Effect.promise(() => fetch(`${base}${path}`).then((r) => r.text()))
  return { sm, store: metrics.store, text }
})

/** Asks `path` until `ok` accepts the answer (a change is seen once the watch or follower has it). */
const until = (ask: Effect.Effect<string>, ok: (body: string) => boolean) =>
  ask.pipe(
    Effect.filterOrFail(ok),
    Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))),
    Effect.orDieWith(() => new Error("the answer did not change within 5 s"))
  )

const wc = "cluster=local&environ=default&topology=wc"

describe("the Tracker's remembered answers", () => {
  it.scopedLive("a topology's answer is given again as it was, until the watch delivers a change", () =>
    Effect.gen(function*() {
      const { sm, text } = yield* served
      const plan = () => text(`/topologies/physicalplan?${wc}`)
      // The first answers may still come from a direct read, while the watch starts.
      const first = yield* until(Effect.zip(plan(), plan()).pipe(Effect.map(([a, b]) => (a === b ? a : ""))), (b) => b !== "")
      expect(JSON.parse(first)).toMatchObject({ status: "success", result: { stmgrs: { "stmgr-1": { host: "worker-1" } } } })
      expect(yield* plan()).toBe(first)

      yield* sm.set("pplans", "wc", new PhysicalPlan({
        ...wcPhysical,
        stmgrs: wcPhysical.stmgrs.map((s) => (s.id === "stmgr-1" ? new StreamManagerInfo({ ...s, host: "worker-9" }) : s))
      }))
      const changed = yield* until(plan(), (b) => b.includes("worker-9"))
      expect(JSON.parse(changed)).toMatchObject({ result: { stmgrs: { "stmgr-1": { host: "worker-9" } } } })
    }))

  it.scopedLive("a metrics answer is given again as it was, until its metrics cache receives records", () =>
    Effect.gen(function*() {
      const { store, text } = yield* served
      const minute = Math.floor(NOW / 60_000) * 60
      const timeline = () => text(`/topologies/metricstimeline?${wc}&component=split&metricname=__execute-count/default&starttime=${minute - 60}&endtime=${minute}`)
      // Remembered once the Tracker follows the cache's version (from the first request on).
      const first = yield* until(Effect.zip(timeline(), timeline()).pipe(Effect.map(([a, b]) => (a === b ? a : ""))), (b) => b !== "")
      expect(JSON.parse(first)).toMatchObject({ result: { timeline: { "__execute-count/default": { container_1_split_3: { [minute]: "5.000000" } } } } })

      store.ingest([record(7)])
      const changed = yield* until(timeline(), (b) => b.includes("12.000000"))
      expect(JSON.parse(changed)).toMatchObject({ result: { timeline: { "__execute-count/default": { container_1_split_3: { [minute]: "12.000000" } } } } })
      expect(Option.some(yield* timeline())).toEqual(Option.some(changed))
    }))
})
