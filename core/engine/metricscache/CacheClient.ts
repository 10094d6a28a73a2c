/**
 * A client of the metrics cache's protocol (`Protocol.ts`), for the metrics managers (publish)
 * and the Tracker (queries). Answers are decoded with the protocol's schemas.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Data, Duration, Effect, Schema } from "effect"
import type { MetricsCacheLocation } from "../../model/Locations.js"
import * as Protocol from "./Protocol.js"

/**
 * The cache could not be asked, or refused: `status` is its HTTP status when it answered (400:
 * a bad request, e.g. a query that does not parse, with `position`; 409: another topology).
 */
export class CacheError extends Data.TaggedError("CacheError")<{
  readonly message: string
  readonly status?: number
  readonly position?: number
}> {}

/** How long one request may take. */
const TIMEOUT = Duration.seconds(5)

export interface CacheClient {
  /** Sends a container's records. */
  readonly publish: (at: MetricsCacheLocation, batch: Protocol.PublishBatch) => Effect.Effect<void, CacheError>
  readonly metrics: (at: MetricsCacheLocation, r: Protocol.MetricsRequest) => Effect.Effect<Protocol.MetricsAnswer, CacheError>
  readonly timeline: (at: MetricsCacheLocation, r: Protocol.TimelineRequest) => Effect.Effect<Protocol.TimelineAnswer, CacheError>
  /** Fails with status 400 and the position when the query does not parse. */
  readonly query: (at: MetricsCacheLocation, r: Protocol.QueryRequest) => Effect.Effect<Protocol.QueryAnswer, CacheError>
  readonly exceptions: (at: MetricsCacheLocation, r: Protocol.ExceptionsRequest) => Effect.Effect<ReadonlyArray<Protocol.ExceptionLog>, CacheError>
  readonly exceptionSummary: (at: MetricsCacheLocation, r: Protocol.ExceptionsRequest) => Effect.Effect<ReadonlyArray<Protocol.ExceptionSummary>, CacheError>
  readonly stats: (at: MetricsCacheLocation) => Effect.Effect<Protocol.CacheStats, CacheError>
  /** The version of what the cache holds, once past `after` (a long poll, see `Protocol.paths.version`). */
  readonly version: (at: MetricsCacheLocation, after: number) => Effect.Effect<number, CacheError>
}

const Refusal = Schema.Struct({ message: Schema.String, position: Schema.optional(Schema.Number) })

const base = (at: MetricsCacheLocation) => `http://${at.host.includes(":") ? `[${at.host}]` : at.host}:${at.statsPort}`

/** A client over the given `HttpClient`. */
export const make: Effect.Effect<CacheClient, never, HttpClient.HttpClient> = Effect.map(HttpClient.HttpClient, (http) => {
  /** Runs `request`; a 2xx answer goes to `read`, any other is a `CacheError` with its message. */
  const send = <A>(
    at: MetricsCacheLocation,
    request: HttpClientRequest.HttpClientRequest,
    read: (res: HttpClientResponse.HttpClientResponse, where: string) => Effect.Effect<A, CacheError>,
    timeout: Duration.Duration = TIMEOUT
  ): Effect.Effect<A, CacheError> => {
    const where = `metrics cache of ${at.topologyName} at ${base(at)}`
    return http.execute(request).pipe(
      Effect.flatMap((res): Effect.Effect<A, CacheError> =>
        res.status >= 200 && res.status < 300
          ? read(res, where)
          : HttpClientResponse.schemaBodyJson(Refusal)(res).pipe(
            Effect.orElseSucceed(() => ({ message: `${where} answered HTTP ${res.status}`, position: undefined })),
            Effect.flatMap((r) => Effect.fail(new CacheError({
              message: r.message,
              status: res.status,
              ...(r.position === undefined ? {} : { position: r.position })
            })))
          )),
      Effect.scoped,
      Effect.timeoutFail({ duration: timeout, onTimeout: () => new CacheError({ message: `${where} did not answer within ${Duration.format(timeout)}` }) }),
      Effect.catchTags({
        RequestError: (e) => Effect.fail(new CacheError({ message: `${where} unreachable: ${e.message}` })),
        ResponseError: (e) => Effect.fail(new CacheError({ message: `${where}: ${e.message}` }))
      })
    )
  }
  const decoded = <A, I>(schema: Schema.Schema<A, I>) => (res: HttpClientResponse.HttpClientResponse, where: string) =>
    HttpClientResponse.schemaBodyJson(schema)(res).pipe(
      Effect.mapError((e) => new CacheError({ message: `${where} answered badly: ${e.message}` }))
    )
  const postJson = <A, I>(at: MetricsCacheLocation, path: string, body: unknown, answer: Schema.Schema<A, I>) =>
    send(at, HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${base(at)}${path}`), body), decoded(answer))
  const encodeBatch = Schema.encodeSync(Protocol.PublishBatch)
  return {
    publish: (at, batch) =>
      send(at, HttpClientRequest.bodyUnsafeJson(HttpClientRequest.post(`${base(at)}${Protocol.paths.publish}`), encodeBatch(batch)), (res, where) =>
        Effect.asVoid(Effect.mapError(res.text, (e) => new CacheError({ message: `${where}: ${e.message}` })))),
    metrics: (at, r) => postJson(at, Protocol.paths.metrics, r, Protocol.MetricsAnswer),
    timeline: (at, r) => postJson(at, Protocol.paths.timeline, r, Protocol.TimelineAnswer),
    query: (at, r) => postJson(at, Protocol.paths.query, r, Protocol.QueryAnswer),
    exceptions: (at, r) => postJson(at, Protocol.paths.exceptions, r, Protocol.ExceptionsAnswer),
    exceptionSummary: (at, r) => postJson(at, Protocol.paths.exceptionSummary, r, Protocol.ExceptionSummaryAnswer),
    stats: (at) => send(at, HttpClientRequest.get(`${base(at)}${Protocol.paths.stats}`), decoded(Protocol.CacheStats)),
    version: (at, after) =>
      send(
        at,
        HttpClientRequest.get(`${base(at)}${Protocol.paths.version}`, { urlParams: { after: String(after) } }),
        decoded(Protocol.VersionAnswer),
        Duration.sum(Duration.millis(Protocol.VERSION_WAIT_MS), TIMEOUT)
      ).pipe(Effect.map((a) => a.version))
  }
})
