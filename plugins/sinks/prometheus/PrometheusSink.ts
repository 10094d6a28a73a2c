/**
 * The `prometheus` metrics sink, after Heron's `PrometheusSink`: an HTTP endpoint (text exposition
 * format 0.0.4) that Prometheus scrapes. `init` starts it on `host:port` (`port: 0` picks a free
 * port: read it from the log line `prometheus sink: serving http://<host>:<port><path>`, from
 * `portFile`, or from `address`). `processRecord` only updates in-memory series; it never touches
 * the network. How Heron names map to Prometheus names, labels and types is in `internal/naming.ts`.
 *
 * A series not updated for `staleAfterMs` is removed (before every scrape, and by a periodic
 * sweep), so instances that are gone stop being exposed. Problems are counted, exposed on the
 * endpoint itself as `<prefix>_prometheus_sink_errors_total{reason}` and readable through `stats`:
 * `invalid_value` (not a finite number), `invalid_name` (nothing left after sanitising),
 * `type_conflict` (a name already used by a counter and now a gauge, or the reverse),
 * `negative_counter`, `series_limit` (a new series past `maxSeries`), `scrape` (rendering failed).
 */
import { FileSystem, HttpServerResponse, Path } from "@effect/platform"
import { Clock, Duration, Effect, ExecutionStrategy, Exit, Layer, Option, Ref, Schedule, Schema, Scope } from "effect"
import { Counter, Registry } from "prom-client"
import { expandHome } from "../../../core/internal/expandHome.js"
import { MetricsSink, SinkError, type MetricsRecord, type MetricsSinkService, type SinkContext } from "../../../core/MetricsSink.js"
import { PluginHost } from "../../../core/Plugin.js"
import { serve, type Address } from "./internal/Endpoint.js"
import { sanitize, seriesName, sourceLabels, type SeriesName } from "./internal/naming.js"
import * as SeriesStore from "./internal/SeriesStore.js"

const PositiveInt = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))

/** Options of the `prometheus` sink, after Heron's `prometheus-sink` section of `metrics_sinks.yaml`. */
export const PrometheusSinkConfig = Schema.Struct({
  /** The interface the endpoint listens on. */
  host: Schema.optionalWith(Schema.NonEmptyString, { default: () => "0.0.0.0" }),
  /** Heron's `port`; 0 picks a free port at `init`. */
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 65535)), { default: () => 8080 }),
  /** Heron's `path`: where the exposition is served. */
  path: Schema.optionalWith(Schema.TemplateLiteral("/", Schema.String), { default: () => "/metrics" as const }),
  /** The first part of every metric name (`heron_emit_count_total`). */
  prefix: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^[a-zA-Z][a-zA-Z0-9_]*$/)), { default: () => "heron" }),
  /** Heron's `metrics-cache-ttl-sec`, in ms: a series not updated for this long is removed. */
  staleAfterMs: Schema.optionalWith(PositiveInt, { default: () => 600_000 }),
  /** Heron's `metrics-cache-max-size`: the most series kept; new ones past it are refused (and counted). */
  maxSeries: Schema.optionalWith(PositiveInt, { default: () => 100_000 }),
  /** Heron name prefixes of user metrics to expose as gauges (last value) instead of counters. */
  gauges: Schema.optionalWith(Schema.Array(Schema.NonEmptyString), { default: () => [] }),
  /** A file the bound port is written to at `init` (and removed at `close`), for discovery when
   * `port` is 0. `{topology}` and `{metricsmgr}` are replaced; `~` is the user's home; relative
   * paths are taken from the cluster home. */
  portFile: Schema.optional(Schema.NonEmptyString)
})
export type PrometheusSinkConfig = typeof PrometheusSinkConfig.Type

/** The `sink` field of this sink's `SinkError`s. */
export const sinkName = "prometheus"

/** The `reason` label values of the sink's error counter. */
export const errorReasons = ["invalid_value", "invalid_name", "type_conflict", "negative_counter", "series_limit", "scrape"] as const
export type ErrorReason = (typeof errorReasons)[number]

/** Counters of one sink since it was built. */
export interface PrometheusSinkStats {
  /** Metrics left out and failed scrapes, by reason (see the module doc). */
  readonly errors: Readonly<Record<ErrorReason, number>>
  /** Series exposed now. */
  readonly series: number
  /** Series removed as stale. */
  readonly expired: number
  /** Scrapes answered. */
  readonly scrapes: number
}

/** The sink, plus where it listens and its counters. */
export interface PrometheusSinkService extends MetricsSinkService {
  /** Where the endpoint listens; None before `init` and after `close`. */
  readonly address: Effect.Effect<Option.Option<Address>>
  readonly stats: Effect.Effect<PrometheusSinkStats>
}

type Phase =
  | { readonly _tag: "Created" }
  | { readonly _tag: "Running"; readonly base: Readonly<Record<string, string>>; readonly address: Address; readonly endpoint: Scope.CloseableScope; readonly portFile: string | undefined }
  | { readonly _tag: "Closed" }

/** How many Heron names the sink remembers the series names of. */
const maxCachedNames = 10_000

const error = (op: string, message: string) => new SinkError({ sink: sinkName, op, message })

const zeroErrors = (): Record<ErrorReason, number> =>
  ({ invalid_value: 0, invalid_name: 0, type_conflict: 0, negative_counter: 0, series_limit: 0, scrape: 0 })

/** Builds the sink; its endpoint and sweeper are tied to the scope. */
export const make = (
  config: PrometheusSinkConfig
): Effect.Effect<PrometheusSinkService, never, PluginHost | FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const host = yield* PluginHost
    const scope = yield* Effect.scope
    const registry = new Registry()
    const store = SeriesStore.make(registry, config.maxSeries)
    const errorCounter = new Counter({
      name: `${sanitize(config.prefix)}_prometheus_sink_errors_total`,
      help: "Metrics the Prometheus sink left out, and its failed scrapes, by reason",
      labelNames: ["reason"],
      registers: [registry]
    })
    for (const reason of errorReasons) errorCounter.inc({ reason }, 0)
    const phase = yield* Ref.make<Phase>({ _tag: "Created" })
    const counters = yield* Ref.make({ errors: zeroErrors(), expired: 0, scrapes: 0 })

    const countError = (reason: ErrorReason) =>
      Effect.zipRight(
        Effect.sync(() => errorCounter.inc({ reason })),
        Ref.update(counters, (c) => ({ ...c, errors: { ...c.errors, [reason]: c.errors[reason] + 1 } }))
      )

    const expireStale = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const removed = yield* store.expire(now - config.staleAfterMs)
      if (removed > 0) yield* Ref.update(counters, (c) => ({ ...c, expired: c.expired + removed }))
    })

    const scrape: Effect.Effect<HttpServerResponse.HttpServerResponse> = expireStale.pipe(
      Effect.zipRight(store.render),
      Effect.tap(() => Ref.update(counters, (c) => ({ ...c, scrapes: c.scrapes + 1 }))),
      Effect.map((body) => HttpServerResponse.text(body, { contentType: store.contentType })),
      Effect.catchAll((e) =>
        Effect.zipRight(
          Effect.zipRight(countError("scrape"), Effect.logWarning(`prometheus sink: cannot render the metrics: ${e.message}`)),
          Effect.succeed(HttpServerResponse.text("cannot render the metrics\n", { status: 500 }))
        ))
    )

    const portFileOf = (context: SinkContext): string | undefined => {
      if (config.portFile === undefined) return undefined
      const filled = config.portFile.replaceAll("{topology}", context.topologyName).replaceAll("{metricsmgr}", context.metricsManagerId)
      return path.resolve(host.home, expandHome(filled))
    }

    const starting = yield* Effect.makeSemaphore(1)

    // One init at a time: a second one must see the first one's endpoint, not start another.
    const init = (context: SinkContext) => starting.withPermits(1)(start(context))
    const start = Effect.fn("PrometheusSink.init")(function* (context: SinkContext) {
      const current = yield* Ref.get(phase)
      if (current._tag !== "Created") return yield* error("init", `init called twice (sink is ${current._tag})`)
      const endpoint = yield* Scope.fork(scope, ExecutionStrategy.sequential)
      const address = yield* serve({ host: config.host, port: config.port, path: config.path }, scrape).pipe(
        Scope.extend(endpoint),
        Effect.tapError(() => Scope.close(endpoint, Exit.void)),
        Effect.mapError((e) => error("init", `cannot listen on ${config.host}:${config.port}: ${String(e.cause)}`))
      )
      const portFile = portFileOf(context)
      if (portFile !== undefined) {
        yield* fs.makeDirectory(path.dirname(portFile), { recursive: true }).pipe(
          Effect.zipRight(fs.writeFileString(portFile, `${address.port}\n`)),
          Effect.tapError(() => Scope.close(endpoint, Exit.void)),
          Effect.mapError((e) => error("init", `cannot write the port file "${portFile}": ${e.message}`))
        )
      }
      const base = { topology: context.topologyName, cluster: context.cluster }
      yield* Ref.set(phase, { _tag: "Running", base, address, endpoint, portFile })
      yield* Effect.logInfo(`prometheus sink: serving http://${address.host}:${address.port}${config.path}`)
    })

    // Heron names repeat every interval: their series names are computed once (the cache is
    // emptied if names never seem to repeat, so it stays bounded).
    const names = new Map<string, { readonly series: SeriesName; readonly tailKey: string } | undefined>()
    const named = (heronName: string) => {
      if (names.has(heronName)) return names.get(heronName)
      if (names.size >= maxCachedNames) names.clear()
      const series = seriesName(heronName, config.prefix, config.gauges)
      const entry = series === undefined ? undefined : { series, tailKey: SeriesStore.keyOf(series.labels) }
      names.set(heronName, entry)
      return entry
    }

    // Never touches the network: each metric updates one in-memory series.
    const processRecord = Effect.fnUntraced(function* (record: MetricsRecord) {
      const current = yield* Ref.get(phase)
      if (current._tag === "Created") return yield* error("processRecord", "record before init")
      if (current._tag === "Closed") return yield* error("processRecord", "the sink is closed")
      const now = yield* Clock.currentTimeMillis
      const labels = { ...sourceLabels(record.source), ...current.base }
      const { updates, refused } = yield* Effect.sync(() => {
        const updates: Array<SeriesStore.Update> = []
        const refused: Array<ErrorReason> = []
        for (const m of record.metrics) {
          const value = m.value.trim() === "" ? Number.NaN : Number(m.value)
          const entry = named(m.name)
          if (!Number.isFinite(value)) refused.push("invalid_value")
          else if (entry === undefined) refused.push("invalid_name")
          else updates.push({ series: entry.series, tailKey: entry.tailKey, value })
        }
        return { updates, refused }
      })
      const alsoRefused = yield* store.update({ labels, key: SeriesStore.keyOf(labels) }, updates, now)
      for (const reason of [...refused, ...alsoRefused]) yield* countError(reason)
    })

    /** Nothing to write (Prometheus pulls); removes stale series. */
    const flush = Effect.gen(function* () {
      const current = yield* Ref.get(phase)
      if (current._tag === "Created") return yield* error("flush", "flush before init")
      if (current._tag === "Running") yield* expireStale
    }).pipe(Effect.withSpan("PrometheusSink.flush"))

    yield* expireStale.pipe(
      Effect.repeat(Schedule.spaced(Duration.millis(Math.min(config.staleAfterMs, 60_000)))),
      Effect.forkScoped
    )

    const close: Effect.Effect<void> = Effect.gen(function* () {
      const previous = yield* Ref.getAndSet(phase, { _tag: "Closed" })
      if (previous._tag !== "Running") return
      yield* Scope.close(previous.endpoint, Exit.void)
      if (previous.portFile !== undefined) {
        yield* fs.remove(previous.portFile, { force: true }).pipe(
          Effect.catchAll((e) => Effect.logWarning(`prometheus sink: cannot remove the port file: ${e.message}`))
        )
      }
      yield* Effect.sync(() => registry.clear())
    }).pipe(Effect.withSpan("PrometheusSink.close"))

    yield* Effect.addFinalizer(() => close)

    const address = Effect.map(Ref.get(phase), (p) => (p._tag === "Running" ? Option.some(p.address) : Option.none()))
    const stats = Effect.zipWith(Ref.get(counters), store.size, (c, series): PrometheusSinkStats => ({ ...c, series }))

    return { init, processRecord, flush, close, address, stats } satisfies PrometheusSinkService
  })

/** The sink as a layer: serves after `init`, and closes with its scope. */
export const layer = (
  config: PrometheusSinkConfig
): Layer.Layer<MetricsSink, never, PluginHost | FileSystem.FileSystem | Path.Path> => Layer.scoped(MetricsSink, make(config))
