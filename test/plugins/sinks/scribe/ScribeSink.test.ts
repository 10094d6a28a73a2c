import { readdirSync, readlinkSync } from "node:fs"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, ExecutionStrategy, Exit, Fiber, Layer, Option, Schedule, Schema, Scope } from "effect"
import { MetricDatum, MetricsRecord, MetricsSink, SinkContext } from "../../../../core/MetricsSink.js"
import { PluginHost } from "../../../../core/Plugin.js"
import { definition, scribe } from "../../../../plugins/sinks/scribe/index.js"
import * as ScribeSink from "../../../../plugins/sinks/scribe/ScribeSink.js"
import * as ScribeServer from "../../../support/services/scribeServer.js"

const context = new SinkContext({ cluster: "test", topologyName: "wc", topologyId: "wc-1", metricsManagerId: "metricsmgr-1" })

/** Record `n` of instance `word_<n>`: an emit count and an execute latency that differ per `n`. */
const record = (n: number) =>
  new MetricsRecord({
    timestamp: 1_700_000_000_000 + n * 1000 + 250,
    source: `127.0.0.1:6001/word/container_1_word_${n}`,
    context: "default",
    metrics: [
      new MetricDatum({ name: "__emit-count/default", value: String(n * 10) }),
      new MetricDatum({ name: "__execute-latency/split/default", value: String(n / 4) })
    ],
    exceptions: []
  })

/** What record `n` looks like once logged by a sink of topology `wc` with the default namespace. */
const expected = (n: number) => ({
  service: "heron/wc",
  source: `/word/container_1_word_${n}`,
  timestamp: 1_700_000_000 + n,
  metrics: { "__emit-count/default": String(n * 10), "__execute-latency/split/default": String(n / 4) }
})

/** A sink built from `options` as the plugin loader does (decoded config), in a scope of its own;
 * `closeScope` runs its finalizer. */
const makeSink = (options: typeof ScribeSink.ScribeSinkConfig.Encoded) =>
  Effect.gen(function* () {
    const config = yield* Schema.decodeUnknown(definition.config)(options)
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const sink = yield* ScribeSink.make(config).pipe(Scope.extend(scope))
    return { sink, closeScope: Scope.close(scope, Exit.void) }
  })

/** Retries `check` every 20 ms for up to 15 s. */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  Effect.retry(check, Schedule.spaced("20 millis").pipe(Schedule.upTo("15 seconds")))

/** Open sockets of this process (from /proc): a leaked connection shows here. */
const openSockets = () =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")
    } catch {
      return false
    }
  }).length

const expectThat = (ok: boolean, what: string) => (ok ? Effect.void : Effect.fail(new Error(what)))

/** The server's entries once there are `n`, decoded. */
const receivedN = (server: ScribeServer.ScribeServer, n: number) =>
  eventually(server.received.pipe(Effect.tap((r) => expectThat(r.length >= n, `want ${n} entries, got ${r.length}`)))).pipe(
    Effect.map((r) => r.map((e) => ({ category: e.category, message: JSON.parse(e.message) as unknown })))
  )

describe("scribe metrics sink: plugin", () => {
  it.effect("is declared as the metrics sink plugin `scribe`, with defaults", () =>
    Effect.gen(function* () {
      expect(definition.kind).toBe("metrics-sink")
      expect(definition.name).toBe("scribe")
      expect(scribe({ port: 1464 }).options).toEqual({ port: 1464 })
      const config = yield* Schema.decodeUnknown(definition.config)({})
      expect(config).toMatchObject({ host: "127.0.0.1", port: 1463, category: "heron-metrics", serviceNamespace: "heron", flushFrequencyMs: 60_000 })
      const bad = yield* Effect.flip(Schema.decodeUnknown(definition.config)({ port: 0 }))
      expect(bad.message).toContain("port")
    }))
})

describe("scribe metrics sink against a Thrift scribe server", () => {
  it.scopedLive("built by the plugin's layer, it logs what it is given", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      const config = yield* Schema.decodeUnknown(definition.config)({ port: server.port })
      // The host gives every plugin layer these; the scribe sink uses none of them.
      const host = Layer.merge(NodeContext.layer, Layer.succeed(PluginHost, { cluster: "test", home: "/nonexistent" }))
      const sink = Context.get(yield* Layer.build(definition.layer(config).pipe(Layer.provide(host))), MetricsSink)
      yield* sink.init(context)
      yield* sink.processRecord(record(3))
      yield* sink.flush
      expect(yield* receivedN(server, 1)).toEqual([{ category: "heron-metrics", message: expected(3) }])
    }))


  it.scopedLive("flush logs each record as one JSON message under the category", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      const { sink } = yield* makeSink({ port: server.port, category: "heron-test" })
      yield* sink.init(context)
      yield* sink.processRecord(record(1))
      yield* sink.processRecord(record(2))
      yield* sink.flush
      const got = yield* receivedN(server, 2)
      expect(got).toEqual([{ category: "heron-test", message: expected(1) }, { category: "heron-test", message: expected(2) }])
      expect(yield* server.calls).toEqual([{ entries: 2, answer: "OK" }])
      expect(yield* sink.stats).toEqual({ sent: 2, dropped: 0, tryLater: 0, errors: 0, buffered: 0 })
    }))

  it.scopedLive("takes records before init; flush before init fails", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      const { sink } = yield* makeSink({ port: server.port })
      yield* sink.processRecord(record(1))
      expect(yield* Effect.flip(sink.flush)).toMatchObject({ _tag: "SinkError", sink: "scribe", op: "flush" })
      yield* sink.init(context)
      yield* sink.flush
      expect((yield* receivedN(server, 1)).map((e) => e.message)).toEqual([expected(1)])
      expect((yield* Effect.flip(sink.init(context))).op).toBe("init")
    }))

  it.scopedLive("TRY_LATER keeps the records and the next flush sends them once", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      const { sink } = yield* makeSink({ port: server.port })
      yield* sink.init(context)
      yield* server.tryLater(1)
      yield* sink.processRecord(record(1))
      const err = yield* Effect.flip(sink.flush)
      expect(err).toMatchObject({ _tag: "SinkError", sink: "scribe", op: "flush" })
      expect(err.message).toContain("TRY_LATER")
      expect(yield* server.received).toEqual([])
      expect(yield* sink.stats).toMatchObject({ tryLater: 1, buffered: 1, sent: 0 })
      yield* sink.flush
      expect((yield* server.received).map((e) => JSON.parse(e.message))).toEqual([expected(1)])
      expect(yield* server.calls).toEqual([{ entries: 1, answer: "TRY_LATER" }, { entries: 1, answer: "OK" }])
      expect(yield* sink.stats).toMatchObject({ tryLater: 1, buffered: 0, sent: 1, errors: 0 })
    }))

  it.scopedLive("the background flush retries after TRY_LATER until scribe takes the batch", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      yield* server.tryLater(2)
      const { sink } = yield* makeSink({ port: server.port, flushFrequencyMs: 50, retryIntervalMs: 20 })
      yield* sink.init(context)
      yield* Effect.forEach([1, 2, 3], (n) => sink.processRecord(record(n)))
      const got = yield* receivedN(server, 3)
      expect(got.map((e) => e.message)).toEqual([expected(1), expected(2), expected(3)])
      const answers = (yield* server.calls).map((c) => c.answer)
      expect(answers.slice(0, 3)).toEqual(["TRY_LATER", "TRY_LATER", "OK"])
      // The server keeps the entries before its answer reaches the sink.
      const stats = yield* eventually(sink.stats.pipe(Effect.tap((s) => expectThat(s.sent === 3, `sent ${s.sent}`))))
      expect(stats).toMatchObject({ tryLater: 2, sent: 3, buffered: 0 })
    }))

  it.scopedLive("keeps at most maxBufferedMessages while scribe is away, dropping the oldest", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      yield* server.stop
      const { sink } = yield* makeSink({ port: server.port, maxBufferedMessages: 3, timeoutMs: 1000 })
      yield* sink.init(context)
      yield* Effect.forEach([1, 2, 3, 4, 5], (n) => sink.processRecord(record(n)))
      expect(yield* sink.stats).toMatchObject({ dropped: 2, buffered: 3 })
      const err = yield* Effect.flip(sink.flush)
      expect(err.message).toContain(`cannot connect to scribe at 127.0.0.1:${server.port}`)
      expect(yield* sink.stats).toMatchObject({ errors: 1, buffered: 3 })
      yield* server.start
      yield* sink.flush
      expect((yield* server.received).map((e) => JSON.parse(e.message))).toEqual([expected(3), expected(4), expected(5)])
      expect(yield* sink.stats).toMatchObject({ sent: 3, dropped: 2, buffered: 0 })
    }))

  it.scopedLive("reconnects with backoff when the connection is lost, keeping what came meanwhile", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      const { sink } = yield* makeSink({ port: server.port, flushFrequencyMs: 50, retryIntervalMs: 20, timeoutMs: 1000 })
      yield* sink.init(context)
      yield* sink.processRecord(record(1))
      yield* receivedN(server, 1)
      yield* server.stop
      yield* sink.processRecord(record(2))
      // Down for 800 ms: at a fixed 50 ms period that is 16 failed attempts; doubling from 20 ms
      // (20, 40, 80, 160, 320 ms) it is at most 6.
      yield* eventually(sink.stats.pipe(Effect.tap((s) => expectThat(s.errors >= 1, "no failed attempt yet"))))
      yield* Effect.sleep("800 millis")
      const down = yield* sink.stats
      expect(down.errors).toBeLessThanOrEqual(6)
      expect(down.buffered).toBe(1)
      yield* server.start
      const got = yield* receivedN(server, 2)
      expect(got.map((e) => e.message)).toEqual([expected(1), expected(2)])
      expect(yield* server.connections).toBe(1)
    }))

  it.scopedLive("processRecord never waits for scribe; a hung server times the flush out", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      yield* server.hang
      const { sink } = yield* makeSink({ port: server.port, timeoutMs: 500 })
      yield* sink.init(context)
      yield* sink.processRecord(record(1))
      const flushing = yield* Effect.fork(Effect.flip(sink.flush))
      yield* eventually(server.calls.pipe(Effect.tap((c) => expectThat(c.length === 1, "Log not called yet"))))
      const [took] = yield* Effect.timed(Effect.forEach([2, 3, 4], (n) => sink.processRecord(record(n))))
      // Taken while the flush still waits for its answer (500 ms), and without waiting for it.
      expect(Option.isNone(yield* Fiber.poll(flushing))).toBe(true)
      expect(Duration.toMillis(took)).toBeLessThan(250)
      const err = yield* Fiber.join(flushing)
      expect(err.message).toContain("no answer within")
      expect(yield* sink.stats).toMatchObject({ errors: 1, buffered: 4, sent: 0 })
    }))

  it.scopedLive("close sends what is buffered, closes its connection and refuses records", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      const socketsBefore = openSockets()
      const { sink } = yield* makeSink({ port: server.port })
      yield* sink.init(context)
      yield* sink.processRecord(record(1))
      yield* sink.processRecord(record(2))
      yield* sink.close
      expect((yield* server.received).map((e) => JSON.parse(e.message))).toEqual([expected(1), expected(2)])
      yield* eventually(server.connections.pipe(Effect.tap((n) => expectThat(n === 0, `${n} connections still open`))))
      // Both ends of the connection are closed: no socket left in this process.
      yield* eventually(Effect.sync(openSockets).pipe(Effect.tap((n) => expectThat(n === socketsBefore, `${n} sockets open, ${socketsBefore} before`))))
      expect(yield* Effect.flip(sink.processRecord(record(3)))).toMatchObject({ _tag: "SinkError", op: "processRecord" })
      yield* sink.close
    }))

  it.scopedLive("closing the sink's scope closes it; records it could not send are counted as dropped", () =>
    Effect.gen(function* () {
      const server = yield* ScribeServer.make
      const { sink, closeScope } = yield* makeSink({ port: server.port, timeoutMs: 300 })
      yield* sink.init(context)
      yield* sink.processRecord(record(1))
      yield* sink.flush
      yield* server.hang
      yield* sink.processRecord(record(2))
      yield* closeScope
      expect(yield* sink.stats).toMatchObject({ sent: 1, dropped: 1, buffered: 0, errors: 1 })
      yield* eventually(server.connections.pipe(Effect.tap((n) => expectThat(n === 0, `${n} connections still open`))))
    }))
})
