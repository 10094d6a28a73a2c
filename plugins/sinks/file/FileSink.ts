/**
 * The `file` metrics sink, after Heron's `FileSink`: buffers records and, on every flush, writes
 * them as JSON lines (one `MetricsRecord` per line) to a new numbered file. See
 * `internal/rotation.ts` for the file layout:
 *
 * ```
 * metrics.json.0 .. metrics.json.<maximumFileCount-1>   one flushed batch each, reused in turn
 * metrics.json -> metrics.json.<n>                      the latest batch (a link, not a copy)
 * ```
 *
 * A flush with nothing buffered writes nothing, so an idle sink keeps its last batches.
 */
import { FileSystem, Path } from "@effect/platform"
import { Chunk, Deferred, Duration, Effect, Fiber, Layer, Ref, Schema, type Scope } from "effect"
import { expandHome } from "../../../core/internal/expandHome.js"
import { PluginHost } from "../../../core/Plugin.js"
import { MetricsRecord, MetricsSink, SinkError, type MetricsSinkService, type SinkContext } from "../../../core/MetricsSink.js"
import { numberedFile, pruneStale, writeBatch } from "./internal/rotation.js"

/** Options of the `file` sink, after Heron's `file-sink` section of `metrics_sinks.yaml`. */
export const FileSinkConfig = Schema.Struct({
  /** Heron's `filename-output`. Default `<cluster home>/metrics/metrics.json`. `{topology}` and
   * `{metricsmgr}` are replaced by the topology name and metrics manager id at `init`; a leading
   * `~` is the user's home; a relative path is taken from the cluster home. */
  filenameOutput: Schema.optional(Schema.NonEmptyString),
  /** Heron's `file-maximum`: how many numbered files (flushed batches) are kept. */
  maximumFileCount: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)), { default: () => 5 }),
  /** Heron's `flush-frequency-ms`: the period of the background flush, from `init`. */
  flushFrequencyMs: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)), { default: () => 60_000 }),
  /** Heron's `sink-restart-attempts`: how many consecutive failed background flushes are tolerated
   * before the sink stops (then `processRecord` fails). Negative: never stop (Heron's shipped
   * value for the file sink, and the default here). */
  sinkRestartAttempts: Schema.optionalWith(Schema.Int, { default: () => -1 })
})
export type FileSinkConfig = typeof FileSinkConfig.Type

/** The `sink` field of this sink's `SinkError`s. */
export const sinkName = "file"

type Phase =
  | { readonly _tag: "Created" }
  | { readonly _tag: "Running"; readonly output: string }
  | { readonly _tag: "Stopped"; readonly reason: string }
  | { readonly _tag: "Closed" }

interface State {
  readonly phase: Phase
  /** Encoded records, one JSON line each, oldest first (a Chunk: appends stay cheap). */
  readonly buffer: Chunk.Chunk<string>
  /** The numbered file the next flush writes. */
  readonly nextIndex: number
}

const error = (op: string, message: string) => new SinkError({ sink: sinkName, op, message })

const running = (output: string): Phase => ({ _tag: "Running", output })
const stopped = (reason: string): Phase => ({ _tag: "Stopped", reason })
const closed: Phase = { _tag: "Closed" }

/** Where the sink writes for `context`, given the cluster `home`: placeholders replaced, `~`
 * expanded, absolute. */
export const resolveOutput = (path: Path.Path, home: string, config: FileSinkConfig, context: SinkContext): string => {
  const template = config.filenameOutput ?? path.join(home, "metrics", "metrics.json")
  const filled = template
    .replaceAll("{topology}", context.topologyName)
    .replaceAll("{metricsmgr}", context.metricsManagerId)
  return path.resolve(home, expandHome(filled))
}

/** Builds the sink; its background flusher and final `close` are tied to the current scope. */
export const make = (
  config: FileSinkConfig
): Effect.Effect<MetricsSinkService, never, PluginHost | FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const host = yield* PluginHost
    const state = yield* Ref.make<State>({ phase: { _tag: "Created" }, buffer: Chunk.empty(), nextIndex: 0 })
    const writing = yield* Effect.makeSemaphore(1)
    const started = yield* Deferred.make<void>()
    const encode = Schema.encode(MetricsRecord)

    const init = Effect.fn("FileSink.init")(function* (context: SinkContext) {
      const { phase } = yield* Ref.get(state)
      if (phase._tag !== "Created") return yield* error("init", `init called twice (sink is ${phase._tag})`)
      const output = resolveOutput(path, host.home, config, context)
      yield* fs.makeDirectory(path.dirname(output), { recursive: true }).pipe(
        Effect.zipRight(pruneStale(fs, path, output, config.maximumFileCount)),
        Effect.mapError((e) => error("init", `cannot prepare "${output}": ${e.message}`))
      )
      yield* Ref.update(state, (s) => ({ ...s, phase: running(output) }))
      yield* Deferred.succeed(started, undefined)
    })

    const processRecord = Effect.fn("FileSink.processRecord")(function* (record: MetricsRecord) {
      const { phase } = yield* Ref.get(state)
      if (phase._tag === "Closed") return yield* error("processRecord", "the sink is closed")
      if (phase._tag === "Stopped") return yield* error("processRecord", phase.reason)
      const encoded = yield* encode(record).pipe(
        Effect.mapError((e) => error("processRecord", `not a MetricsRecord: ${e.message}`))
      )
      const line = JSON.stringify(encoded)
      yield* Ref.update(state, (s) => ({ ...s, buffer: Chunk.append(s.buffer, line) }))
    })

    // One flush at a time, and never cut short: the batch leaves the buffer as it is written, so an
    // interrupted flush would lose it. A failed batch is dropped (as Heron's sink loses its records
    // when it dies), which keeps memory bounded while the disk is failing.
    const flush: Effect.Effect<void, SinkError> = writing.withPermits(1)(Effect.uninterruptible(Effect.gen(function* () {
      const s = yield* Ref.get(state)
      switch (s.phase._tag) {
        case "Created": return yield* error("flush", "flush before init")
        case "Stopped": return yield* error("flush", s.phase.reason)
        case "Closed": return
      }
      const output = s.phase.output
      const lines = s.buffer
      if (Chunk.isEmpty(lines)) return
      const index = s.nextIndex
      yield* Ref.update(state, (now) => ({
        ...now,
        buffer: Chunk.drop(now.buffer, Chunk.size(lines)),
        nextIndex: (index + 1) % config.maximumFileCount
      }))
      yield* writeBatch(fs, path, output, index, Chunk.join(lines, "\n") + "\n").pipe(
        Effect.mapError((e) =>
          error("flush", `dropped ${Chunk.size(lines)} records: cannot write "${numberedFile(output, index)}": ${e.message}`))
      )
    }))).pipe(Effect.withSpan("FileSink.flush"))

    const attempts = config.sinkRestartAttempts
    const period = Duration.millis(config.flushFrequencyMs)
    const periodic = Effect.iterate({ failures: 0, last: "" }, {
      while: ({ failures }) => attempts < 0 || failures <= attempts,
      body: ({ failures }) =>
        Effect.sleep(period).pipe(
          Effect.zipRight(flush),
          Effect.as({ failures: 0, last: "" }),
          Effect.catchTag("SinkError", (e) =>
            Effect.logWarning(`file sink: background flush failed: ${e.message}`).pipe(
              Effect.as({ failures: failures + 1, last: e.message })
            ))
        )
    }).pipe(
      Effect.flatMap(({ failures, last }) => {
        const reason = `the sink stopped after ${failures} failed flushes; last: ${last}`
        return Ref.update(state, (s) => ({ ...s, phase: stopped(reason), buffer: Chunk.empty() })).pipe(
          Effect.zipRight(Effect.logError(`file sink: ${reason}`))
        )
      })
    )
    const flusher = yield* Deferred.await(started).pipe(Effect.zipRight(periodic), Effect.forkScoped)

    const close: Effect.Effect<void> = Effect.gen(function* () {
      yield* Fiber.interrupt(flusher)
      const { phase, buffer } = yield* Ref.get(state)
      if (phase._tag === "Running") {
        yield* flush.pipe(Effect.catchTag("SinkError", (e) => Effect.logError(`file sink: final flush failed: ${e.message}`)))
      } else if (phase._tag === "Created" && Chunk.isNonEmpty(buffer)) {
        yield* Effect.logWarning(`file sink: closed before init; dropping ${Chunk.size(buffer)} records`)
      }
      yield* Ref.update(state, (s) => ({ ...s, phase: closed, buffer: Chunk.empty() }))
    }).pipe(Effect.withSpan("FileSink.close"))

    yield* Effect.addFinalizer(() => close)

    return { init, processRecord, flush, close } satisfies MetricsSinkService
  })

/** The sink as a layer: flushes every `flushFrequencyMs` after `init`, and closes with its scope. */
export const layer = (config: FileSinkConfig): Layer.Layer<MetricsSink, never, PluginHost | FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(MetricsSink, make(config))
