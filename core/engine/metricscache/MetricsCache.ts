/**
 * The metrics cache of a topology, as Heron's metricscache manager: runs in container 0 next to
 * the TManager, serves the protocol of `Protocol.ts` over HTTP on a free port, and writes its
 * location to `metricscaches/<topology>` (ephemeral: it vanishes with the process). Every
 * container's metrics manager publishes its records here; the Tracker queries it.
 *
 * Values live in a {@link MetricsStore}: per-minute buckets over 180 minutes per (component,
 * instance, metric), latest values and exceptions, capped in series and bytes.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Clock, Duration, Effect, Either, Option, type ParseResult, Ref, Schedule, Schema, type Scope } from "effect"
import { MetricsCacheLocation } from "../../model/Locations.js"
import type { StateManagerService } from "../../StateManager.js"
import { EngineError } from "../EngineError.js"
import * as MetricsStore from "./MetricsStore.js"
import * as Protocol from "./Protocol.js"
import { evaluate } from "./query/Evaluate.js"
import { parse } from "./query/Parser.js"
import { WINDOW_MINUTES } from "./Series.js"

/** Where the cache runs and what it may hold. */
export interface MetricsCacheOptions {
  readonly topologyName: string
  readonly topologyId: string
  /** The host metrics managers and the Tracker reach this process at. */
  readonly host: string
  /** The address to listen on. */
  readonly listenHost: string
  readonly stateManager: StateManagerService
  /** Defaults: `MetricsStore.defaultLimits`. */
  readonly limits?: Partial<MetricsStore.StoreLimits>
}

/** The limits a cluster file's `metrics.cache` asks for (`maxMb` in MiB). */
export const limitsOf = (c: { readonly maxSeries?: number | undefined; readonly maxMb?: number | undefined } | undefined): Partial<MetricsStore.StoreLimits> => ({
  ...(c?.maxSeries === undefined ? {} : { maxSeries: c.maxSeries }),
  ...(c?.maxMb === undefined ? {} : { maxBytes: Math.round(c.maxMb * 1024 * 1024) })
})

/** A running cache. */
export interface MetricsCache {
  readonly port: number
  readonly store: MetricsStore.MetricsStore
}

/** Bodies larger than this are refused (a container's batch is far smaller). */
const MAX_BODY = Option.some(64 * 1024 * 1024)

const badRequest = (e: ParseResult.ParseError | { readonly _tag: "RequestError"; readonly message: string }) =>
  Effect.succeed(HttpServerResponse.unsafeJson({ message: `bad request: ${e.message}` }, { status: 400 }))

/** Reads a body as `schema`, answers with `answer`'s JSON; a body that does not decode → 400. */
const post = <A, I>(schema: Schema.Schema<A, I>, answer: (body: A, nowMs: number) => HttpServerResponse.HttpServerResponse) =>
  HttpServerRequest.schemaBodyJson(schema).pipe(
    Effect.flatMap((body) => Effect.map(Clock.currentTimeMillis, (now) => answer(body, now))),
    Effect.catchTags({ ParseError: badRequest, RequestError: badRequest })
  )

/** The cache's HTTP routes over `store`. */
export const router = (store: MetricsStore.MetricsStore, o: { readonly topologyName: string; readonly topologyId: string }) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(Protocol.paths.publish, post(Protocol.PublishBatch, (batch) => {
      if (batch.topologyId !== o.topologyId) {
        return HttpServerResponse.unsafeJson(
          { message: `this metrics cache serves ${o.topologyName} (${o.topologyId}), not ${batch.topologyId}` },
          { status: 409 }
        )
      }
      store.ingest(batch.records)
      return HttpServerResponse.empty({ status: 204 })
    })),
    HttpRouter.post(Protocol.paths.metrics, post(Protocol.MetricsRequest, (r, now) =>
      HttpServerResponse.unsafeJson({ results: r.selections.map((s) => store.metrics(s, r.interval, now, r.latest ?? false)) }))),
    HttpRouter.post(Protocol.paths.timeline, post(Protocol.TimelineRequest, (r) =>
      HttpServerResponse.unsafeJson({ results: r.selections.map((s) => store.timeline(s, r.starttime, r.endtime)) }))),
    HttpRouter.post(Protocol.paths.query, post(Protocol.QueryRequest, (r, now) => {
      const parsed = parse(r.query)
      if (Either.isLeft(parsed)) {
        const failure: Protocol.QueryFailure = { message: parsed.left.message, position: parsed.left.position }
        return HttpServerResponse.unsafeJson(failure, { status: 400 })
      }
      // Nothing exists outside the window: filling operators (DEFAULT, SUM, numbers) cover it only,
      // which also keeps a query for `starttime=0` small.
      const nowMinute = Math.floor(now / 60_000) * 60
      const start = Math.max(r.starttime, nowMinute - (WINDOW_MINUTES + 1) * 60)
      const end = Math.min(r.endtime, nowMinute + 60)
      const series = start > end ? [] : evaluate(parsed.right, start, end, store.series)
      const answer: Protocol.QueryAnswer = {
        timeline: series.map((x) => ({
          ...(x.instance === undefined ? {} : { instance: x.instance }),
          data: Object.fromEntries([...x.timeline].filter(([, v]) => Number.isFinite(v)))
        })),
        starttime: r.starttime,
        endtime: r.endtime
      }
      return HttpServerResponse.unsafeJson(answer)
    })),
    HttpRouter.post(Protocol.paths.exceptions, post(Protocol.ExceptionsRequest, (r) =>
      HttpServerResponse.unsafeJson(store.exceptions(r.component, r.instances)))),
    HttpRouter.post(Protocol.paths.exceptionSummary, post(Protocol.ExceptionsRequest, (r) =>
      HttpServerResponse.unsafeJson(store.exceptionSummary(r.component, r.instances)))),
    HttpRouter.get(Protocol.paths.stats, Effect.sync(() => HttpServerResponse.unsafeJson(store.stats(o.topologyName)))),
    HttpRouter.get(Protocol.paths.version, HttpServerRequest.schemaSearchParams(VersionParams).pipe(
      Effect.flatMap(({ after }) => versionAfter(store, after)),
      Effect.map((version) => HttpServerResponse.unsafeJson({ version } satisfies Protocol.VersionAnswer)),
      Effect.catchTag("ParseError", badRequest)
    ))
  )

const VersionParams = Schema.Struct({ after: Schema.NumberFromString })

/** The store's version once it is past `after`, or as it is after `VERSION_WAIT_MS`. */
const versionAfter = (store: MetricsStore.MetricsStore, after: number): Effect.Effect<number> =>
  Effect.async<number>((resume) => {
    if (store.version() > after) return resume(Effect.succeed(store.version()))
    const stop = store.onChange(() => {
      stop()
      resume(Effect.succeed(store.version()))
    })
    return Effect.sync(stop)
  }).pipe(Effect.timeoutTo({ duration: Protocol.VERSION_WAIT_MS, onTimeout: () => store.version(), onSuccess: (v) => v }))

/**
 * Starts the cache for as long as the scope lives and registers its location. Fails with
 * `EngineError` when it cannot listen or the location cannot be written.
 */
export const start = (o: MetricsCacheOptions): Effect.Effect<MetricsCache, EngineError, Scope.Scope> =>
  Effect.gen(function* () {
    const limits = { ...MetricsStore.defaultLimits, ...o.limits }
    const store = MetricsStore.make(limits)
    const server = yield* NodeHttpServer.make(() => createServer(), { port: 0, host: o.listenHost }).pipe(
      Effect.mapError((e) => new EngineError({ message: `metrics cache: cannot listen on ${o.listenHost}: ${String(e.cause)}` }))
    )
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    yield* server.serve(router(store, o).pipe(HttpServerRequest.withMaxBodySize(MAX_BODY)))
    // Every minute: old buckets go, and what the limits dropped since the last minute is logged.
    const reported = yield* Ref.make({ series: 0, exceptions: 0 })
    yield* Clock.currentTimeMillis.pipe(
      Effect.flatMap((now) => {
        store.purge(now)
        const s = store.stats(o.topologyName)
        return Ref.getAndSet(reported, { series: s.droppedSeries, exceptions: s.droppedExceptions }).pipe(
          Effect.map((before) => ({ s, dropped: { series: s.droppedSeries - before.series, exceptions: s.droppedExceptions - before.exceptions } }))
        )
      }),
      Effect.flatMap(({ s, dropped }) =>
        dropped.series > 0 || dropped.exceptions > 0
          ? Effect.logWarning(`metrics cache at its limits (${s.series} series, ${Math.round(s.bytes / 1048576)} MB): dropped ${dropped.series} series and ${dropped.exceptions} exception(s), oldest first`)
          : Effect.void),
      Effect.repeat(Schedule.spaced(Duration.minutes(1))),
      Effect.forkScoped
    )
    yield* o.stateManager.set("metricscaches", o.topologyName, new MetricsCacheLocation({
      topologyName: o.topologyName,
      topologyId: o.topologyId,
      host: o.host,
      serverPort: port,
      statsPort: port
    })).pipe(Effect.mapError((e) => new EngineError({ message: `metrics cache: writing metricscaches/${o.topologyName}: ${e.message}` })))
    yield* Effect.logInfo(`metrics cache listening on ${o.host}:${port} (at most ${limits.maxSeries} series, ${Math.round(limits.maxBytes / 1048576)} MB)`)
    return { port, store }
  })
