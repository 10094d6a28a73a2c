import { readdirSync, readlinkSync } from "node:fs"
import { createServer } from "node:net"
import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, ExecutionStrategy, Exit, FiberRef, HashSet, Layer, Logger, Option, Schedule, Schema, Scope, TestClock } from "effect"
import { register } from "prom-client"
import { MetricDatum, MetricsRecord, MetricsSink, SinkContext } from "../../../../core/MetricsSink.js"
import { PluginHost } from "../../../../core/Plugin.js"
import { definition, prometheus } from "../../../../plugins/sinks/prometheus/index.js"
import * as PrometheusSink from "../../../../plugins/sinks/prometheus/PrometheusSink.js"
import { get, named, scrape } from "./scrape.js"

const context = new SinkContext({ cluster: "test", topologyName: "wc", topologyId: "wc-1", metricsManagerId: "metricsmgr-1" })

/** A record of instance `<component>_<task>` in container 1 with the given metrics. */
const record = (component: string, task: number, metrics: Record<string, number | string>) =>
  new MetricsRecord({
    timestamp: 1_700_000_000_000,
    source: `127.0.0.1:6001/${component}/container_1_${component}_${task}`,
    context: "default",
    metrics: Object.entries(metrics).map(([name, v]) => new MetricDatum({ name, value: String(v) })),
    exceptions: []
  })

/** The labels every series of instance `<component>_<task>` carries. */
const where = (component: string, task: number) =>
  ({ topology: "wc", cluster: "test", component, instance: `container_1_${component}_${task}`, container: "1" })

/** A sink built from `options` as the plugin loader does (decoded config), over a temp cluster
 * home, in a scope of its own (`closeScope`); `url` is its endpoint once `init` ran. */
const makeSink = (options: typeof PrometheusSink.PrometheusSinkConfig.Encoded) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const home = yield* fs.makeTempDirectoryScoped({ prefix: "heron-prometheus-" })
    const config = yield* Schema.decodeUnknown(definition.config)({ host: "127.0.0.1", port: 0, ...options })
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const sink = yield* PrometheusSink.make(config).pipe(
      Effect.provideService(PluginHost, { cluster: "test", home }),
      Scope.extend(scope)
    )
    const url = Effect.map(sink.address, Option.match({
      onNone: () => "http://127.0.0.1:1/unbound",
      onSome: (a) => `http://${a.host}:${a.port}${config.path}`
    }))
    return { sink, home, url, closeScope: Scope.close(scope, Exit.void) }
  })

/** A test body with the Node platform (file system, path) provided. */
const withNode = <A, E>(body: Effect.Effect<A, E, NodeContext.NodeContext | Scope.Scope>) =>
  Effect.provide(body, NodeContext.layer)

const scrapeSink = (url: Effect.Effect<string>) => Effect.flatMap(url, scrape)

/** Collects the log lines of this fiber and of the fibers it forks from now on. */
const collectLogs = Effect.gen(function* () {
  const logged: Array<string> = []
  const collector = Logger.make(({ message }) => {
    logged.push(Array.isArray(message) ? message.join(" ") : String(message))
  })
  yield* Effect.locallyScopedWith(FiberRef.currentLoggers, () => HashSet.make(collector))
  return logged
})

/** Open sockets of this process (from /proc): a leaked listener or connection shows here. */
const openSockets = () =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")
    } catch {
      return false
    }
  }).length

/** Retries `check` every 20 ms for up to 10 s. */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  Effect.retry(check, Schedule.spaced("20 millis").pipe(Schedule.upTo("10 seconds")))

/** Whether a TCP server can listen on `port` of 127.0.0.1 right now (and closes it again). */
const canListen = (port: number) =>
  Effect.async<boolean>((resume) => {
    const s = createServer()
    s.once("error", () => resume(Effect.succeed(false)))
    s.listen(port, "127.0.0.1", () => s.close(() => resume(Effect.succeed(true))))
  })

describe("prometheus metrics sink: plugin", () => {
  it.effect("is declared as the metrics sink plugin `prometheus`, with defaults", () =>
    Effect.gen(function* () {
      expect(definition.kind).toBe("metrics-sink")
      expect(definition.name).toBe("prometheus")
      expect(prometheus({ port: 9464 }).options).toEqual({ port: 9464 })
      const config = yield* Schema.decodeUnknown(definition.config)({})
      expect(config).toMatchObject({ host: "0.0.0.0", port: 8080, path: "/metrics", prefix: "heron", staleAfterMs: 600_000 })
      const bad = yield* Effect.flip(Schema.decodeUnknown(definition.config)({ path: "metrics" }))
      expect(bad.message).toContain("path")
    }))
})

describe("prometheus metrics sink, scraped over HTTP", () => {
  it.scopedLive("built by the plugin's layer: serves what it is given; the port is in portFile", () =>
    withNode(Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const home = yield* fs.makeTempDirectoryScoped({ prefix: "heron-prometheus-" })
      const config = yield* Schema.decodeUnknown(definition.config)({ host: "127.0.0.1", port: 0, portFile: "{metricsmgr}.port" })
      const built = yield* Layer.build(definition.layer(config).pipe(Layer.provide(Layer.succeed(PluginHost, { cluster: "test", home }))))
      const sink = Context.get(built, MetricsSink)
      yield* sink.init(context)
      yield* sink.processRecord(record("split", 1, { "__emit-count/default": 4 }))
      const port = (yield* fs.readFileString(path.join(home, "metricsmgr-1.port"))).trim()
      const got = yield* scrape(`http://127.0.0.1:${port}/metrics`)
      expect(named(got, "heron_emit_count_total")).toEqual([
        { name: "heron_emit_count_total", labels: { ...where("split", 1), stream: "default" }, value: 4 }
      ])
    })))


  it.scopedLive("serves each metric under a sanitised name, with Heron's ids as labels", () =>
    withNode(Effect.gen(function* () {
      const { sink, url } = yield* makeSink({ gauges: ["queue-size"] })
      yield* sink.init(context)
      yield* sink.processRecord(record("split", 2, {
        "__emit-count/default": 12,
        "__execute-count/sentence/default": 7,
        "__execute-latency/sentence/default": 1.5,
        "__node-heap-used": 4096,
        "words/the": 3,
        "queue-size": 9
      }))
      yield* sink.processRecord(new MetricsRecord({
        timestamp: 1_700_000_000_000,
        source: "127.0.0.1:6001/__stmgr__/stmgr-1",
        context: "default",
        metrics: [
          new MetricDatum({ name: "__server/__time_spent_back_pressure_initiated", value: "250" }),
          new MetricDatum({ name: "__time_spent_back_pressure_by_compid/container_1_split_2", value: "40" })
        ],
        exceptions: []
      }))
      const got = yield* scrapeSink(url)
      expect(got.contentType).toBe("text/plain; version=0.0.4; charset=utf-8")
      const split = where("split", 2)
      const stmgr = { topology: "wc", cluster: "test", component: "__stmgr__", instance: "stmgr-1", container: "1" }
      expect(named(got, "heron_emit_count_total")).toEqual([{ name: "heron_emit_count_total", labels: { ...split, stream: "default" }, value: 12 }])
      expect(named(got, "heron_execute_count_total")).toEqual([
        { name: "heron_execute_count_total", labels: { ...split, source_component: "sentence", stream: "default" }, value: 7 }
      ])
      expect(named(got, "heron_execute_latency")).toEqual([
        { name: "heron_execute_latency", labels: { ...split, source_component: "sentence", stream: "default" }, value: 1.5 }
      ])
      expect(named(got, "heron_node_heap_used")).toEqual([{ name: "heron_node_heap_used", labels: split, value: 4096 }])
      expect(named(got, "heron_words_total")).toEqual([{ name: "heron_words_total", labels: { ...split, key: "the" }, value: 3 }])
      expect(named(got, "heron_queue_size")).toEqual([{ name: "heron_queue_size", labels: split, value: 9 }])
      expect(named(got, "heron_server_time_spent_back_pressure_initiated_total")).toEqual([
        { name: "heron_server_time_spent_back_pressure_initiated_total", labels: stmgr, value: 250 }
      ])
      expect(named(got, "heron_time_spent_back_pressure_by_compid_total")).toEqual([
        { name: "heron_time_spent_back_pressure_by_compid_total", labels: { ...stmgr, compid: "container_1_split_2" }, value: 40 }
      ])
      expect(got.types.get("heron_emit_count_total")).toBe("counter")
      expect(got.types.get("heron_execute_latency")).toBe("gauge")
      expect(got.types.get("heron_queue_size")).toBe("gauge")
      // No id in any metric name.
      for (const s of got.samples) expect(s.name).toMatch(/^heron_[a-z0-9_]+$/)
      expect(got.samples.filter((s) => /split|stmgr|wc|container/.test(s.name))).toEqual([])
      const notFound = yield* Effect.flatMap(url, (u) => get(u.replace(/\/metrics$/, "/other")))
      expect(notFound.status).toBe(404)
    })))

  it.scopedLive("adds up counts across intervals and keeps a gauge's last value", () =>
    withNode(Effect.gen(function* () {
      const { sink, url } = yield* makeSink({})
      yield* sink.init(context)
      yield* sink.processRecord(record("split", 1, { "__emit-count/default": 12, "__execute-latency/s/default": 1.5 }))
      yield* sink.processRecord(record("split", 2, { "__emit-count/default": 100 }))
      yield* sink.processRecord(record("split", 1, { "__emit-count/default": 5, "__execute-latency/s/default": 0.5 }))
      const got = yield* scrapeSink(url)
      const value = (name: string, instance: string) =>
        named(got, name).find((s) => s.labels["instance"] === instance)?.value
      expect(value("heron_emit_count_total", "container_1_split_1")).toBe(17)
      expect(value("heron_emit_count_total", "container_1_split_2")).toBe(100)
      expect(value("heron_execute_latency", "container_1_split_1")).toBe(0.5)
    })))

  it.scoped("a series not updated for staleAfterMs disappears", () =>
    withNode(Effect.gen(function* () {
      const { sink, url } = yield* makeSink({ staleAfterMs: 1000 })
      yield* sink.init(context)
      yield* sink.processRecord(record("split", 1, { "__emit-count/default": 1, "__node-heap-used": 10 }))
      yield* TestClock.adjust("600 millis")
      yield* sink.processRecord(record("split", 2, { "__emit-count/default": 2 }))
      yield* TestClock.adjust("500 millis")
      const later = yield* scrapeSink(url)
      expect(named(later, "heron_emit_count_total").map((s) => s.labels["instance"])).toEqual(["container_1_split_2"])
      expect(named(later, "heron_node_heap_used")).toEqual([])
      expect(later.types.has("heron_node_heap_used")).toBe(false)
      expect(yield* sink.stats).toMatchObject({ expired: 2, series: 1 })
      yield* TestClock.adjust("600 millis")
      yield* sink.flush
      expect(yield* sink.stats).toMatchObject({ expired: 3, series: 0 })
      expect(named(yield* scrapeSink(url), "heron_emit_count_total")).toEqual([])
    })))

  it.scopedLive("counts what it leaves out and exposes the counts", () =>
    withNode(Effect.gen(function* () {
      const { sink, url } = yield* makeSink({ maxSeries: 2, gauges: ["depth_total"] })
      yield* sink.init(context)
      yield* sink.processRecord(record("split", 1, {
        "__emit-count/default": "not a number",
        "__ack-count/default": -3,
        "___/": 1,
        "depth": 1,
        "depth_total": 2
      }))
      yield* sink.processRecord(record("split", 1, { "__emit-count/a": 1, "__emit-count/b": 1, "__emit-count/c": 1 }))
      const errors = (yield* sink.stats).errors
      expect(errors).toEqual({ invalid_value: 1, negative_counter: 1, invalid_name: 1, type_conflict: 1, series_limit: 2, scrape: 0 })
      const got = yield* scrapeSink(url)
      const exposed = Object.fromEntries(named(got, "heron_prometheus_sink_errors_total").map((s) => [s.labels["reason"], s.value]))
      expect(exposed).toEqual(errors)
      expect(named(got, "heron_emit_count_total").map((s) => s.labels["stream"])).toEqual(["a"])
    })))

  it.scopedLive("port 0: the bound port is logged, written to portFile and readable; close frees it", () =>
    withNode(Effect.gen(function* () {
      const path = yield* Path.Path
      const fs = yield* FileSystem.FileSystem
      const logged = yield* collectLogs
      const socketsBefore = openSockets()
      const { sink, home, url } = yield* makeSink({ portFile: "ports/{topology}-{metricsmgr}.port" })
      expect(Option.isNone(yield* sink.address)).toBe(true)
      yield* sink.init(context)
      const address = Option.getOrThrow(yield* sink.address)
      expect(address.port).toBeGreaterThan(0)
      expect(logged).toContain(`prometheus sink: serving http://127.0.0.1:${address.port}/metrics`)
      const portFile = path.join(home, "ports", "wc-metricsmgr-1.port")
      expect(yield* fs.readFileString(portFile)).toBe(`${address.port}\n`)
      yield* sink.processRecord(record("split", 1, { "__emit-count/default": 1 }))
      const endpoint = yield* url
      expect(named(yield* scrape(endpoint), "heron_emit_count_total")).toHaveLength(1)
      expect(yield* canListen(address.port)).toBe(false)

      yield* sink.close
      expect(Option.isNone(yield* sink.address)).toBe(true)
      expect(yield* canListen(address.port)).toBe(true)
      // The listener and the scraper's keep-alive connection are gone, on both ends.
      yield* eventually(Effect.sync(openSockets).pipe(Effect.filterOrFail((n) => n === socketsBefore, (n) => new Error(`${n} sockets open, ${socketsBefore} before`))))
      expect(yield* fs.exists(portFile)).toBe(false)
      expect(yield* Effect.either(get(endpoint))).toMatchObject({ _tag: "Left" })
      expect(yield* Effect.flip(sink.processRecord(record("split", 1, {})))).toMatchObject({ _tag: "SinkError", op: "processRecord" })
      yield* sink.close
    })))

  it.scopedLive("closing the sink's scope frees the port", () =>
    withNode(Effect.gen(function* () {
      const { sink, closeScope } = yield* makeSink({})
      yield* sink.init(context)
      const { port } = Option.getOrThrow(yield* sink.address)
      yield* closeScope
      expect(yield* canListen(port)).toBe(true)
    })))

  it.scopedLive("records before init are refused; init on a taken port fails with a SinkError", () =>
    withNode(Effect.gen(function* () {
      const first = yield* makeSink({})
      expect(yield* Effect.flip(first.sink.processRecord(record("split", 1, {})))).toMatchObject({ op: "processRecord" })
      yield* first.sink.init(context)
      const { port } = Option.getOrThrow(yield* first.sink.address)
      const second = yield* makeSink({ port })
      const err = yield* Effect.flip(second.sink.init(context))
      expect(err).toMatchObject({ _tag: "SinkError", sink: "prometheus", op: "init" })
      expect(err.message).toContain(`cannot listen on 127.0.0.1:${port}`)
    })))

  it.scopedLive("each sink has its own registry, and the global one stays empty", () =>
    withNode(Effect.gen(function* () {
      const a = yield* makeSink({})
      const b = yield* makeSink({})
      yield* a.sink.init(context)
      yield* b.sink.init(context)
      yield* a.sink.processRecord(record("split", 1, { "__emit-count/default": 1 }))
      yield* b.sink.processRecord(record("count", 1, { "__ack-count/default": 1 }))
      const fromA = yield* scrapeSink(a.url)
      expect(named(fromA, "heron_emit_count_total")).toHaveLength(1)
      expect(named(fromA, "heron_ack_count_total")).toEqual([])
      expect(named(yield* scrapeSink(b.url), "heron_emit_count_total")).toEqual([])
      expect(register.getSingleMetric("heron_emit_count_total")).toBeUndefined()
    })))
})
