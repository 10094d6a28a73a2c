import { readdirSync, readlinkSync } from "node:fs"
import { createServer, type Socket } from "node:net"
import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Effect, ExecutionStrategy, Exit, Fiber, Layer, Option, Schedule, Schema, Scope } from "effect"
import { MetricDatum, MetricsRecord, SinkContext } from "../../../../core/MetricsSink.js"
import { definition, graphite } from "../../../../plugins/sinks/graphite/index.js"
import type { GraphiteSinkService } from "../../../../plugins/sinks/graphite/GraphiteSink.js"
import * as GraphiteSink from "../../../../plugins/sinks/graphite/GraphiteSink.js"
import { freePort, skipWithoutCarbon, startCarbon, type Carbon } from "../../../support/services/carbon.js"

const context = (topologyName: string) =>
  new SinkContext({ cluster: "test", topologyName, topologyId: `${topologyName}-1`, metricsManagerId: "metricsmgr-1" })

/** A record of one instance of `word` with the given metrics, at `secs` (epoch seconds). */
const record = (secs: number, metrics: Record<string, number | string>) =>
  new MetricsRecord({
    timestamp: secs * 1000 + 250,
    source: "127.0.0.1:6001/word/container_1_word_1",
    context: "default",
    metrics: Object.entries(metrics).map(([name, v]) => new MetricDatum({ name, value: String(v) })),
    exceptions: []
  })

const nowSecs = () => Math.floor(Date.now() / 1000)

/** A sink built from `options` as the plugin loader does (decoded config), in a scope of its own;
 * `closeScope` runs its finalizer. */
const makeSink = (options: typeof GraphiteSink.GraphiteSinkConfig.Encoded) =>
  Effect.gen(function* () {
    const config = yield* Schema.decodeUnknown(definition.config)(options)
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const sink: GraphiteSinkService = yield* GraphiteSink.make(config).pipe(Scope.extend(scope))
    return { sink, closeScope: Scope.close(scope, Exit.void) }
  })

/** Retries `check` every 100 ms for up to 30 s (carbon writes asynchronously). */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  Effect.retry(check, Schedule.spaced("100 millis").pipe(Schedule.upTo("30 seconds")))

const expectThat = (ok: boolean, what: string) => (ok ? Effect.void : Effect.fail(new Error(what)))

/** The values carbon stored for `path`, once `want` are all there. */
const stored = (carbon: Carbon, path: string, from: number, want: ReadonlyArray<readonly [number, number]>) =>
  eventually(carbon.values(path, from).pipe(
    Effect.tap((got) => expectThat(want.every(([t, v]) => got.get(t) === v), `${path}: want ${JSON.stringify(want)}, got ${JSON.stringify([...got])}`))
  ))

/** Open sockets of this process (TCP, UDP, Unix), unref'd or not: what a leaked handle shows as. */
const openSockets = () =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")
    } catch {
      return false
    }
  }).length

describe("graphite metrics sink: plugin", () => {
  it.effect("is declared as the metrics sink plugin `graphite`, with defaults", () =>
    Effect.gen(function* () {
      expect(definition.kind).toBe("metrics-sink")
      expect(definition.name).toBe("graphite")
      expect(graphite({ port: 2103 }).options).toEqual({ port: 2103 })
      const c = yield* Schema.decodeUnknown(definition.config)({})
      expect(c).toMatchObject({ host: "127.0.0.1", port: 2003, prefix: "heron", maxBufferedLines: 100_000 })
    }))

  it.effect("refuses options that cannot work, naming the key", () =>
    Effect.gen(function* () {
      const decode = Schema.decodeUnknown(definition.config)
      expect(String(yield* Effect.flip(decode({ port: 70_000 })))).toContain("port")
      expect(String(yield* Effect.flip(decode({ maxBufferedLines: 0 })))).toContain("maxBufferedLines")
      expect(String(yield* Effect.flip(decode({ reconnectInitialDelayMs: 5000, reconnectMaxDelayMs: 100 })))).toContain("reconnectMaxDelayMs")
    }))
})

describe("graphite metrics sink: never waits on carbon", () => {
  it.scopedLive("takes records while a write is stuck; the stuck batch times out and is kept", () =>
    Effect.gen(function* () {
      // A "carbon" that accepts and never reads: once the kernel buffers are full a write hangs.
      const held: Array<Socket> = []
      const server = createServer((s) => { s.pause(); held.push(s) })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.async<void>((resume) => { held.forEach((s) => s.destroy()); server.close(() => resume(Effect.void)) })
      )
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const { sink } = yield* makeSink({ port, flushFrequencyMs: 3_600_000, writeTimeoutMs: 1000, maxBufferedLines: 1_000_000 })
      yield* sink.init(context("stuck"))
      yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.connected, "not connected yet")))
      // Lets the flusher take (and find nothing for) the wake-up a new connection gives it.
      yield* Effect.sleep("50 millis")
      // ~40 MB: more than loopback's socket buffers take.
      const secs = nowSecs()
      const big = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`m${i}/${"x".repeat(150)}`, i]))
      for (let i = 0; i < 200; i++) yield* sink.processRecord(record(secs, big))
      const buffered = (yield* sink.stats).buffered
      expect(buffered).toBe(200_000)

      const flushing = yield* Effect.fork(Effect.flip(sink.flush))
      yield* Effect.sleep("200 millis")
      // While the flush hangs on the socket, records are still taken, without waiting for it.
      yield* sink.processRecord(record(secs, { late: 1 }))
      expect(Option.isNone(yield* Fiber.poll(flushing))).toBe(true)

      const err = yield* flushing.await.pipe(Effect.flatten)
      expect(err.message).toContain("took no data for 1000 ms")
      const after = yield* sink.stats
      expect(after.buffered).toBe(200_001)
      expect(after.errors).toBeGreaterThanOrEqual(1)
      expect(after.sent).toBe(0)
    }), 60_000)
})

describe.skipIf(skipWithoutCarbon())("graphite metrics sink against a real carbon-cache", () => {
  class CarbonService extends Context.Tag("test/Carbon")<CarbonService, Carbon>() {}

  layer(Layer.scoped(CarbonService, startCarbon), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("values written arrive in carbon's whisper files", () =>
      Effect.gen(function* () {
        const carbon = yield* CarbonService
        const { sink } = yield* makeSink({ port: carbon.port, flushFrequencyMs: 3_600_000 })
        yield* sink.init(context("written"))
        const t = nowSecs() - 10
        yield* sink.processRecord(record(t, { "__emit-count/default": 42, "__execute-latency/sentence/default": 1.5, bad: "n/a" }))
        yield* sink.processRecord(record(t + 1, { "__emit-count/default": 43 }))
        yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.connected, "not connected yet")))
        yield* sink.flush
        yield* stored(carbon, "heron.written.word.container_1_word_1.__emit-count.default", t - 5, [[t, 42], [t + 1, 43]])
        yield* stored(carbon, "heron.written.word.container_1_word_1.__execute-latency.sentence.default", t - 5, [[t, 1.5]])
        expect(yield* sink.stats).toMatchObject({ sent: 3, skipped: 1, dropped: 0, errors: 0, buffered: 0 })
      }), 60_000)

    it.scoped("flushes every flushFrequencyMs without being asked", () =>
      Effect.gen(function* () {
        const carbon = yield* CarbonService
        const { sink } = yield* makeSink({ port: carbon.port, flushFrequencyMs: 200, prefix: "periodic" })
        yield* sink.init(context("wc"))
        const t = nowSecs() - 5
        yield* sink.processRecord(record(t, { "__ack-count/default": 7 }))
        yield* stored(carbon, "periodic.wc.word.container_1_word_1.__ack-count.default", t - 5, [[t, 7]])
      }), 60_000)

    it.scoped("buffers while carbon is down and delivers when it is back on the same port", () =>
      Effect.gen(function* () {
        const carbon = yield* CarbonService
        const path = "heron.restart.word.container_1_word_1.__emit-count.default"
        const { sink } = yield* makeSink({ port: carbon.port, flushFrequencyMs: 100, reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200 })
        yield* sink.init(context("restart"))
        const t = nowSecs() - 20
        yield* sink.processRecord(record(t, { "__emit-count/default": 1 }))
        yield* stored(carbon, path, t - 5, [[t, 1]])

        yield* carbon.stop
        yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(!s.connected, "still connected to a stopped carbon")))
        yield* sink.processRecord(record(t + 1, { "__emit-count/default": 2 }))
        yield* sink.processRecord(record(t + 2, { "__emit-count/default": 3 }))
        // Nothing to write to: flush says so, and keeps the lines.
        expect((yield* Effect.flip(sink.flush)).message).toContain("not connected to carbon")
        // Reconnect attempts fail and are counted while carbon is away.
        yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.errors >= 3, `errors: ${s.errors}`)))
        expect((yield* sink.stats).buffered).toBe(2)

        yield* carbon.start
        yield* stored(carbon, path, t - 5, [[t, 1], [t + 1, 2], [t + 2, 3]])
        expect(yield* sink.stats).toMatchObject({ sent: 3, buffered: 0, dropped: 0, connected: true })
      }), 90_000)

    it.scoped("keeps at most maxBufferedLines, dropping the oldest and counting them", () =>
      Effect.gen(function* () {
        const carbon = yield* CarbonService
        yield* carbon.stop
        const path = "heron.bounded.word.container_1_word_1.__emit-count.default"
        const { sink } = yield* makeSink({ port: carbon.port, maxBufferedLines: 3, flushFrequencyMs: 100, reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200 })
        yield* sink.init(context("bounded"))
        const t = nowSecs() - 30
        for (let i = 0; i < 5; i++) yield* sink.processRecord(record(t + i, { "__emit-count/default": 10 + i }))
        expect(yield* sink.stats).toMatchObject({ buffered: 3, dropped: 2, sent: 0 })

        yield* carbon.start
        yield* stored(carbon, path, t - 5, [[t + 2, 12], [t + 3, 13], [t + 4, 14]])
        const got = yield* carbon.values(path, t - 5)
        expect(got.has(t)).toBe(false)
        expect(got.has(t + 1)).toBe(false)
        expect(yield* sink.stats).toMatchObject({ sent: 3, dropped: 2, buffered: 0 })
      }), 90_000)

    it.scoped("close flushes what is buffered and closes its socket", () =>
      Effect.gen(function* () {
        const carbon = yield* CarbonService
        const before = openSockets()
        const { sink } = yield* makeSink({ port: carbon.port, flushFrequencyMs: 3_600_000 })
        yield* sink.init(context("closing"))
        yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.connected, "not connected yet")))
        expect(openSockets()).toBe(before + 1)
        const t = nowSecs() - 10
        yield* sink.processRecord(record(t, { "__fail-count/default": 5 }))
        yield* sink.close
        expect(openSockets()).toBe(before)
        expect(yield* sink.stats).toMatchObject({ connected: false, sent: 1, buffered: 0 })
        yield* stored(carbon, "heron.closing.word.container_1_word_1.__fail-count.default", t - 5, [[t, 5]])
        expect((yield* Effect.flip(sink.processRecord(record(t, { x: 1 })))).op).toBe("processRecord")
        yield* sink.close
      }), 60_000)

    it.scoped("closing the sink's scope does the same", () =>
      Effect.gen(function* () {
        const carbon = yield* CarbonService
        const before = openSockets()
        const { sink, closeScope } = yield* makeSink({ port: carbon.port, flushFrequencyMs: 3_600_000 })
        yield* sink.init(context("scoped"))
        const t = nowSecs() - 10
        yield* sink.processRecord(record(t, { "__ack-count/default": 9 }))
        yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.connected, "not connected yet")))
        yield* closeScope
        expect(openSockets()).toBe(before)
        yield* stored(carbon, "heron.scoped.word.container_1_word_1.__ack-count.default", t - 5, [[t, 9]])
      }), 60_000)
  })
})

describe("graphite metrics sink: before carbon is reachable", () => {
  it.scopedLive("records before init are refused; close with carbon away counts the lines it loses", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(freePort)
      const { sink } = yield* makeSink({ port, reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 100 })
      expect((yield* Effect.flip(sink.processRecord(record(nowSecs(), { a: 1 })))).op).toBe("processRecord")
      expect((yield* Effect.flip(sink.flush)).op).toBe("flush")
      yield* sink.init(context("away"))
      yield* sink.processRecord(record(nowSecs(), { a: 1, b: 2 }))
      yield* eventually(Effect.flatMap(sink.stats, (s) => expectThat(s.errors >= 2, `errors: ${s.errors}`)))
      yield* sink.close
      expect(yield* sink.stats).toMatchObject({ sent: 0, dropped: 2, buffered: 0, connected: false })
    }), 30_000)
})
