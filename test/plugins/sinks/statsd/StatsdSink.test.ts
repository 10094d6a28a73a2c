import { createSocket } from "node:dgram"
import { readdirSync, readlinkSync } from "node:fs"
import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Effect, ExecutionStrategy, Exit, Layer, Schedule, Schema, Scope } from "effect"
import { MetricDatum, MetricsRecord, SinkContext } from "../../../../core/MetricsSink.js"
import { definition, statsd } from "../../../../plugins/sinks/statsd/index.js"
import * as StatsdSink from "../../../../plugins/sinks/statsd/StatsdSink.js"
import { freePort } from "../../../support/services/carbon.js"
import { skipWithoutStatsd, startStatsd, type Seen, type StatsdServer } from "../../../support/services/statsd.js"

const context = (topologyName: string) =>
  new SinkContext({ cluster: "test", topologyName, topologyId: `${topologyName}-1`, metricsManagerId: "metricsmgr-1" })

const record = (metrics: Record<string, number | string>, source = "127.0.0.1:6001/word/container_1_word_1") =>
  new MetricsRecord({
    timestamp: Date.now(),
    source,
    context: "default",
    metrics: Object.entries(metrics).map(([name, v]) => new MetricDatum({ name, value: String(v) })),
    exceptions: []
  })

/** A sink built from decoded `options`, in a scope of its own (`closeScope` runs its finalizer). */
const makeSink = (options: typeof StatsdSink.StatsdSinkConfig.Encoded) =>
  Effect.gen(function* () {
    const config = yield* Schema.decodeUnknown(definition.config)(options)
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const sink = yield* StatsdSink.make(config).pipe(Scope.extend(scope))
    return { sink, closeScope: Scope.close(scope, Exit.void) }
  })

const expectThat = (ok: boolean, what: string) => (ok ? Effect.void : Effect.fail(new Error(what)))

/** Retries `check` every 50 ms for up to 20 s: UDP gives no receipt, StatsD flushes every 100 ms. */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  Effect.retry(check, Schedule.spaced("50 millis").pipe(Schedule.upTo("20 seconds")))

/** Waits until StatsD has flushed what `ok` wants. */
const seenWhen = (server: StatsdServer, ok: (s: Seen) => boolean) =>
  eventually(server.seen.pipe(Effect.tap((s) =>
    expectThat(ok(s), `not seen yet: ${JSON.stringify({ counters: [...s.counters], gauges: [...s.gauges] })}`))))

const openSockets = () =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")
    } catch {
      return false
    }
  }).length

const base = "heron.wc.word.container_1_word_1"

describe("statsd metrics sink: plugin", () => {
  it.effect("is declared as the metrics sink plugin `statsd`, with defaults", () =>
    Effect.gen(function* () {
      expect(definition.kind).toBe("metrics-sink")
      expect(definition.name).toBe("statsd")
      expect(statsd({ port: 8126 }).options).toEqual({ port: 8126 })
      const c = yield* Schema.decodeUnknown(definition.config)({})
      expect(c).toMatchObject({ host: "127.0.0.1", port: 8125, protocol: "udp", prefix: "heron", countersAs: "count", tags: "none" })
      expect(c.counterNames).toContain("__emit-count")
    }))

  it.effect("refuses options that cannot work, naming the key", () =>
    Effect.gen(function* () {
      const decode = Schema.decodeUnknown(definition.config)
      expect(String(yield* Effect.flip(decode({ protocol: "uds" })))).toContain("protocol")
      expect(String(yield* Effect.flip(decode({ countersAs: "timer" })))).toContain("countersAs")
      expect(String(yield* Effect.flip(decode({ port: 0 })))).toContain("port")
    }))
})

describe("statsd metrics sink: errors of the client", () => {
  it.scopedLive("an unresolvable host: counted, never raised", () =>
    Effect.gen(function* () {
      const { sink } = yield* makeSink({ host: "no-such-statsd.invalid", maxBufferSize: 0 })
      yield* sink.init(context("wc"))
      yield* sink.processRecord(record({ "__emit-count/default": 1, "__execute-latency/default": 2 }))
      yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.errors >= 1, `errors: ${s.errors}`)))
      yield* sink.processRecord(record({ "__emit-count/default": 1 }))
      yield* sink.close
    }), 30_000)

  it.scopedLive("TCP to a port nothing listens on: counted, never raised", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(freePort)
      const { sink } = yield* makeSink({ port, protocol: "tcp" })
      yield* sink.init(context("wc"))
      yield* sink.processRecord(record({ "__emit-count/default": 1 }))
      yield* Effect.either(sink.flush)
      yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.errors >= 1, `errors: ${s.errors}`)))
      // hot-shots never confirms closing a socket that failed to connect: close still ends.
      const before = openSockets()
      yield* sink.close
      expect(openSockets()).toBeLessThanOrEqual(before)
    }), 30_000)

  it.scopedLive("records before init or after close are refused with a SinkError", () =>
    Effect.gen(function* () {
      const { sink } = yield* makeSink({})
      expect(yield* Effect.flip(sink.processRecord(record({ a: 1 })))).toMatchObject({ _tag: "SinkError", sink: "statsd", op: "processRecord" })
      expect((yield* Effect.flip(sink.flush)).op).toBe("flush")
      yield* sink.init(context("wc"))
      yield* sink.close
      expect((yield* Effect.flip(sink.processRecord(record({ a: 1 })))).op).toBe("processRecord")
    }))
})

describe("statsd metrics sink: telegraf tags", () => {
  it.scopedLive("puts topology, component and instance in Telegraf's tags", () =>
    Effect.gen(function* () {
      // Telegraf's line is not StatsD's: a bare UDP socket records what arrives.
      const lines: Array<string> = []
      const server = createSocket("udp4")
      server.on("message", (m) => lines.push(...m.toString().split("\n").filter((l) => l !== "")))
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.bind(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
      )
      const { sink } = yield* makeSink({ port: server.address().port, tags: "telegraf", maxBufferSize: 0 })
      yield* sink.init(context("word count"))
      yield* sink.processRecord(record({ "__emit-count/default": 5 }))
      yield* eventually(Effect.suspend(() => expectThat(lines.length > 0, "nothing arrived")))
      expect(lines).toEqual(["heron.__emit-count.default,topology=word_count,component=word,instance=container_1_word_1:5|c"])
    }))
})

describe.skipIf(skipWithoutStatsd())("statsd metrics sink against a real StatsD server", () => {
  class StatsdService extends Context.Tag("test/Statsd")<StatsdService, StatsdServer>() {}

  layer(Layer.scoped(StatsdService, startStatsd), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("counters arrive as StatsD counts, the rest as gauges", () =>
      Effect.gen(function* () {
        const server = yield* StatsdService
        const { sink } = yield* makeSink({ port: server.port, flushFrequencyMs: 50 })
        yield* sink.init(context("wc"))
        yield* sink.processRecord(record({ "__emit-count/default": 42, "__execute-latency/sentence/default": 1.5, "__roots_pending": 7, bad: "n/a" }))
        yield* sink.processRecord(record({ "__emit-count/default": 8, "__roots_pending": -3 }))
        yield* seenWhen(server, (s) =>
          s.counters.get(`${base}.__emit-count.default`) === 50 &&
          s.gauges.get(`${base}.__execute-latency.sentence.default`) === 1.5 &&
          // -3 is a value, not "3 less than 7".
          s.gauges.get(`${base}.__roots_pending`) === -3)
        expect(yield* sink.stats).toEqual({ sent: 5, skipped: 1, errors: 0 })
        const seen = yield* server.seen
        expect(seen.gauges.has(`${base}.__emit-count.default`)).toBe(false)
        expect(seen.counters.has(`${base}.__execute-latency.sentence.default`)).toBe(false)
      }), 30_000)

    it.scoped("countersAs: gauge sends counters as gauges", () =>
      Effect.gen(function* () {
        const server = yield* StatsdService
        const { sink } = yield* makeSink({ port: server.port, flushFrequencyMs: 50, countersAs: "gauge", prefix: "asgauge" })
        yield* sink.init(context("wc"))
        yield* sink.processRecord(record({ "__ack-count/default": 11 }))
        yield* seenWhen(server, (s) => s.gauges.get("asgauge.wc.word.container_1_word_1.__ack-count.default") === 11)
        expect((yield* server.seen).counters.has("asgauge.wc.word.container_1_word_1.__ack-count.default")).toBe(false)
      }), 30_000)

    it.scoped("Datadog tags arrive as StatsD's tagged keys", () =>
      Effect.gen(function* () {
        const server = yield* StatsdService
        const { sink } = yield* makeSink({ port: server.port, flushFrequencyMs: 50, tags: "datadog", prefix: "tagged" })
        yield* sink.init(context("wc"))
        yield* sink.processRecord(record({ "__fail-count/default": 4 }, "h:1/split/container_2_split_5"))
        yield* seenWhen(server, (s) =>
          s.counters.get("tagged.__fail-count.default;topology=wc;component=split;instance=container_2_split_5") === 4)
      }), 30_000)

    it.scoped("sends over TCP", () =>
      Effect.gen(function* () {
        const server = yield* StatsdService
        const { sink } = yield* makeSink({ port: server.tcpPort, protocol: "tcp", flushFrequencyMs: 50, prefix: "tcp" })
        yield* sink.init(context("wc"))
        yield* sink.processRecord(record({ "__execute-count/sentence/default": 3 }))
        yield* seenWhen(server, (s) => s.counters.get("tcp.wc.word.container_1_word_1.__execute-count.sentence.default") === 3)
        expect((yield* sink.stats).errors).toBe(0)
      }), 30_000)

    it.scoped("close sends what is buffered and closes its socket", () =>
      Effect.gen(function* () {
        const server = yield* StatsdService
        const before = openSockets()
        // Nothing leaves the buffer on its own for an hour.
        const { sink } = yield* makeSink({ port: server.port, flushFrequencyMs: 3_600_000, maxBufferSize: 60_000, prefix: "closing" })
        yield* sink.init(context("wc"))
        yield* sink.processRecord(record({ "__emit-count/default": 6 }))
        // The UDP socket opens with the first datagram.
        yield* sink.flush
        expect(openSockets()).toBe(before + 1)
        yield* sink.processRecord(record({ "__emit-count/default": 4 }))
        yield* sink.close
        expect(openSockets()).toBe(before)
        yield* seenWhen(server, (s) => s.counters.get("closing.wc.word.container_1_word_1.__emit-count.default") === 10)
      }), 30_000)

    it.scoped("closing the sink's scope does the same, over TCP too", () =>
      Effect.gen(function* () {
        const server = yield* StatsdService
        const before = openSockets()
        const { sink, closeScope } = yield* makeSink({
          port: server.tcpPort, protocol: "tcp", flushFrequencyMs: 3_600_000, maxBufferSize: 60_000, prefix: "scoped"
        })
        yield* sink.init(context("wc"))
        yield* sink.processRecord(record({ "__emit-count/default": 9 }))
        // hot-shots connects at init; the socket exists once the connect has started.
        yield* eventually(Effect.suspend(() => expectThat(openSockets() === before + 1, `sockets: ${openSockets()}, before: ${before}`)))
        yield* closeScope
        expect(openSockets()).toBe(before)
        yield* seenWhen(server, (s) => s.counters.get("scoped.wc.word.container_1_word_1.__emit-count.default") === 9)
      }), 30_000)
  })
})
