import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, ExecutionStrategy, Exit, FiberRef, HashSet, Layer, Logger, Schedule, Schema, Scope, TestClock, TestServices } from "effect"
import { ExceptionDatum, MetricDatum, MetricsRecord, MetricsSink, SinkContext } from "../../../../core/MetricsSink.js"
import { PluginHost } from "../../../../core/Plugin.js"
import { definition, file } from "../../../../plugins/sinks/file/index.js"
import type * as FileSink from "../../../../plugins/sinks/file/FileSink.js"

const context = new SinkContext({ cluster: "test", topologyName: "wc", topologyId: "wc-1", metricsManagerId: "metricsmgr-1" })

const record = (n: number) =>
  new MetricsRecord({
    timestamp: 1_700_000_000_000 + n,
    source: `host:6001/word/container_1_word_${n}`,
    context: "default",
    metrics: [new MetricDatum({ name: "__emit-count/default", value: String(n * 10) })],
    exceptions: n % 2 === 0
      ? []
      : [new ExceptionDatum({ stacktrace: "Error: boom\n  at x", lasttime: "t2", firsttime: "t1", count: n, logging: "boom" })]
  })

/** What one record looks like as a JSON line. */
const json = (n: number) => ({
  timestamp: 1_700_000_000_000 + n,
  source: `host:6001/word/container_1_word_${n}`,
  context: "default",
  metrics: [{ name: "__emit-count/default", value: String(n * 10) }],
  exceptions: n % 2 === 0 ? [] : [{ stacktrace: "Error: boom\n  at x", lasttime: "t2", firsttime: "t1", count: n, logging: "boom" }]
})

/**
 * A fresh cluster home and a sink built from `options` (decoded as the plugin loader does), in a
 * scope of its own: `closeScope` runs the sink's finalizer; the test's scope closes it otherwise.
 */
const setup = (options: typeof FileSink.FileSinkConfig.Encoded = {}) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const home = yield* fs.makeTempDirectoryScoped({ prefix: "heron-filesink-" })
    const config = yield* Schema.decodeUnknown(definition.config)(options)
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const host = Layer.succeed(PluginHost, { cluster: "test", home })
    const built = yield* Layer.buildWithScope(definition.layer(config).pipe(Layer.provide(host)), scope)
    const sink = Context.get(built, MetricsSink)
    /** The lines of a file, checking that it ends with a whole line. */
    const lines = (p: string) =>
      Effect.map(fs.readFileString(p), (text) => {
        expect(text.endsWith("\n")).toBe(true)
        return text.slice(0, -1).split("\n").map((l): unknown => JSON.parse(l))
      })
    const listing = (dir: string) => Effect.map(fs.readDirectory(dir), (names) => names.sort())
    return { fs, path, home, sink, lines, listing, closeScope: Scope.close(scope, Exit.void) }
  })

/** Waits (on the real clock, at most ~2 s) until `check` succeeds: file writes are real I/O that a
 * TestClock adjustment starts but does not wait for. */
const eventually = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  TestServices.provideLive(Effect.retry(check, Schedule.spaced("10 millis").pipe(Schedule.intersect(Schedule.recurs(200)))))

/** Collects (instead of printing) the log lines of this fiber and of the fibers it forks from now on (the background
 * flusher inherits its loggers when the layer is built). */
const collectLogs = Effect.gen(function* () {
  const logged: Array<string> = []
  const collector = Logger.make(({ logLevel, message }) => {
    logged.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  yield* Effect.locallyScopedWith(FiberRef.currentLoggers, () => HashSet.make(collector))
  return logged
})

/** Succeeds once exactly `n` warnings were logged. */
const warnings = (logged: ReadonlyArray<string>, n: number) =>
  Effect.sync(() => logged.filter((l) => l.startsWith("WARN"))).pipe(Effect.filterOrFail((w) => w.length === n))

describe("file metrics sink", () => {
  layer(NodeContext.layer)((it) => {
    it("is declared as the metrics sink plugin `file`", () => {
      expect(definition.kind).toBe("metrics-sink")
      expect(definition.name).toBe("file")
      expect(file({ maximumFileCount: 2 }).options).toEqual({ maximumFileCount: 2 })
    })

    it.scoped("flush writes the buffered records as JSON lines to the default file", () =>
      Effect.gen(function* () {
        const { fs, path, home, sink, lines, listing } = yield* setup()
        yield* sink.init(context)
        yield* Effect.forEach([1, 2, 3], (n) => sink.processRecord(record(n)))
        yield* sink.flush
        const output = path.join(home, "metrics", "metrics.json")
        const got = yield* lines(output)
        expect(got).toEqual([json(1), json(2), json(3)])
        for (const line of got) yield* Schema.decodeUnknown(MetricsRecord)(line)
        expect(yield* listing(path.dirname(output))).toEqual(["metrics.json", "metrics.json.0"])
        expect(yield* fs.readLink(output)).toBe("metrics.json.0")
        // Nothing buffered: nothing written, the latest batch stays.
        yield* sink.flush
        expect(yield* listing(path.dirname(output))).toEqual(["metrics.json", "metrics.json.0"])
      }))

    it.scoped("flush before init fails; records taken before init are written after it", () =>
      Effect.gen(function* () {
        const { path, home, sink, lines } = yield* setup()
        yield* sink.processRecord(record(1))
        const err = yield* Effect.flip(sink.flush)
        expect(err).toMatchObject({ _tag: "SinkError", sink: "file", op: "flush" })
        yield* sink.init(context)
        yield* sink.flush
        expect(yield* lines(path.join(home, "metrics", "metrics.json"))).toEqual([json(1)])
        expect((yield* Effect.flip(sink.init(context))).op).toBe("init")
      }))

    it.scoped("flushes every flushFrequencyMs after init", () =>
      Effect.gen(function* () {
        const { fs, path, home, sink, lines } = yield* setup({ flushFrequencyMs: 1000 })
        const output = path.join(home, "metrics", "metrics.json")
        yield* sink.processRecord(record(1))
        // Before init the clock does not start the flusher.
        yield* TestClock.adjust("5 seconds")
        yield* sink.init(context)
        yield* TestClock.adjust("999 millis")
        expect(yield* fs.exists(output)).toBe(false)
        yield* TestClock.adjust("1 millis")
        expect(yield* eventually(lines(output))).toEqual([json(1)])

        yield* sink.processRecord(record(2))
        yield* TestClock.adjust("1 second")
        yield* eventually(fs.readLink(output).pipe(Effect.filterOrFail((l) => l === "metrics.json.1")))
        expect(yield* lines(output)).toEqual([json(2)])
        expect(yield* lines(`${output}.0`)).toEqual([json(1)])
      }))

    it.scoped("close flushes what is buffered, then refuses records", () =>
      Effect.gen(function* () {
        const { path, home, sink, lines } = yield* setup()
        yield* sink.init(context)
        yield* sink.processRecord(record(1))
        yield* sink.processRecord(record(2))
        yield* sink.close
        expect(yield* lines(path.join(home, "metrics", "metrics.json"))).toEqual([json(1), json(2)])
        const err = yield* Effect.flip(sink.processRecord(record(3)))
        expect(err).toMatchObject({ _tag: "SinkError", op: "processRecord" })
        yield* sink.close
      }))

    it.scoped("closing the sink's scope flushes what is buffered", () =>
      Effect.gen(function* () {
        const { path, home, sink, lines, closeScope } = yield* setup()
        yield* sink.init(context)
        yield* sink.processRecord(record(7))
        yield* closeScope
        expect(yield* lines(path.join(home, "metrics", "metrics.json"))).toEqual([json(7)])
      }))

    it.scoped("rotation keeps at most maximumFileCount files and links the latest", () =>
      Effect.gen(function* () {
        const { fs, path, home, sink, lines, listing } = yield* setup({ filenameOutput: "m/metrics.json", maximumFileCount: 3 })
        const folder = path.join(home, "m")
        const output = path.join(folder, "metrics.json")
        // Left by an earlier run with a larger maximum, and by an interrupted write.
        yield* fs.makeDirectory(folder, { recursive: true })
        yield* fs.writeFileString(`${output}.7`, "old\n")
        yield* fs.writeFileString(path.join(folder, ".metrics.json.1.dead.tmp"), "half")
        yield* fs.writeFileString(path.join(folder, "unrelated.txt"), "kept")
        yield* sink.init(context)
        for (let n = 0; n < 7; n++) {
          yield* sink.processRecord(record(n))
          yield* sink.flush
          const numbered = (yield* listing(folder)).filter((f) => /^metrics\.json\.\d+$/.test(f))
          expect(numbered.length).toBe(Math.min(n + 1, 3))
          expect(yield* lines(output)).toEqual([json(n)])
        }
        expect(yield* listing(folder)).toEqual(["metrics.json", "metrics.json.0", "metrics.json.1", "metrics.json.2", "unrelated.txt"])
        expect(yield* lines(`${output}.0`)).toEqual([json(6)])
        expect(yield* lines(`${output}.1`)).toEqual([json(4)])
        expect(yield* lines(`${output}.2`)).toEqual([json(5)])
        expect(yield* fs.readLink(output)).toBe("metrics.json.0")
      }))

    it.scoped("replaces {topology} and {metricsmgr} in filenameOutput at init", () =>
      Effect.gen(function* () {
        const { path, home, sink, lines, listing } = yield* setup({ filenameOutput: "out/{topology}/{metricsmgr}-{topology}.json" })
        yield* sink.init(context)
        yield* sink.processRecord(record(1))
        yield* sink.flush
        const folder = path.join(home, "out", "wc")
        expect(yield* listing(folder)).toEqual(["metricsmgr-1-wc.json", "metricsmgr-1-wc.json.0"])
        expect(yield* lines(path.join(folder, "metricsmgr-1-wc.json"))).toEqual([json(1)])
      }))

    it.scoped("stops after sinkRestartAttempts consecutive failed background flushes", () =>
      Effect.gen(function* () {
        const logged = yield* collectLogs
        const { fs, path, home, sink } = yield* setup({ filenameOutput: "m/metrics.json", flushFrequencyMs: 100, sinkRestartAttempts: 1 })
        yield* sink.init(context)
        // The output folder turns into a regular file: every write fails from now on.
        yield* fs.remove(path.join(home, "m"), { recursive: true })
        yield* fs.writeFileString(path.join(home, "m"), "not a folder")

        yield* sink.processRecord(record(1))
        const explicit = yield* Effect.flip(sink.flush)
        expect(explicit).toMatchObject({ _tag: "SinkError", op: "flush" })
        expect(explicit.message).toContain("dropped 1 records")

        yield* sink.processRecord(record(2))
        yield* TestClock.adjust("100 millis")
        yield* eventually(warnings(logged, 1))
        expect(logged[0]).toContain("background flush failed")
        // One failure is tolerated: the sink still takes records.
        yield* sink.processRecord(record(3))
        yield* TestClock.adjust("100 millis")
        const err = yield* eventually(Effect.flip(sink.processRecord(record(4))))
        expect(err).toMatchObject({ _tag: "SinkError", op: "processRecord" })
        expect(err.message).toContain("stopped after 2 failed flushes")
        expect(logged.filter((l) => l.startsWith("ERROR"))).toHaveLength(1)
      }))

    it.scoped("keeps flushing after failures when sinkRestartAttempts is negative (the default)", () =>
      Effect.gen(function* () {
        const logged = yield* collectLogs
        const { fs, path, home, sink, lines } = yield* setup({ filenameOutput: "m/metrics.json", flushFrequencyMs: 100 })
        yield* sink.init(context)
        const folder = path.join(home, "m")
        yield* fs.remove(folder, { recursive: true })
        yield* fs.writeFileString(folder, "not a folder")
        for (let n = 1; n <= 3; n++) {
          yield* sink.processRecord(record(n))
          yield* TestClock.adjust("100 millis")
          yield* eventually(warnings(logged, n))
        }
        // The disk comes back: the next background flush writes again.
        yield* fs.remove(folder)
        yield* fs.makeDirectory(folder)
        yield* sink.processRecord(record(5))
        yield* TestClock.adjust("100 millis")
        expect(yield* eventually(lines(path.join(folder, "metrics.json")))).toEqual([json(5)])
        expect(logged.filter((l) => l.startsWith("ERROR"))).toEqual([])
      }))
  })
})
