/**
 * The Tracker: Heron's REST gateway over the clusters' state managers, served over HTTP.
 *
 * - {@link TrackerApi}: the contract (topology endpoints with Heron's envelope, `/health`).
 * - {@link layer}: the handlers, for tests (`NodeHttpServer.layerTest`) or another server.
 * - {@link serve}: the Node HTTP server on a host and port, for the runtime.
 */
import { HttpApiBuilder, HttpMiddleware, HttpServer, HttpServerRequest, type HttpApi } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { type Context, Data, Effect, Exit, Layer, Predicate } from "effect"
import { ApiServerHttp } from "../api/ApiServerHttp.js"
import type { Clusters } from "../Clusters.js"
import type { Redactor } from "../Redactor.js"
import * as AnswerCache from "./AnswerCache.js"
import { ContainerHttp } from "./ContainerHttp.js"
import { HealthHttp } from "./HealthHttp.js"
import { MetricsHttp } from "./MetricsHttp.js"
import { SchedulerHttp } from "./SchedulerHttp.js"
import { TopologiesHttp } from "./TopologiesHttp.js"
import { TrackerApi } from "./TrackerApi.js"
import * as UiHttp from "./UiHttp.js"

export { TrackerApi } from "./TrackerApi.js"
export { TrackerVersion } from "./Envelope.js"

/** The Tracker's handlers, as an `HttpApi.Api`; reads `Clusters`, redacts with `Redactor`. */
export const layer: Layer.Layer<HttpApi.Api, never, Clusters | Redactor> = HttpApiBuilder.api(TrackerApi).pipe(
  Layer.provide([TopologiesHttp, HealthHttp, SchedulerHttp, ContainerHttp, MetricsHttp, ApiServerHttp])
)

/**
 * The server could not start. `message` is one line fit to print as is, e.g.
 * `port 8888 is already in use`; `reason` lets the caller react without parsing it.
 */
export class TrackerStartError extends Data.TaggedError("TrackerStartError")<{
  readonly host: string
  readonly port: number
  readonly reason: "address-in-use" | "permission-denied" | "address-unavailable" | "other"
  readonly message: string
  readonly cause: unknown
}> {}

const errorCode = (u: unknown): string | undefined =>
  Predicate.hasProperty(u, "code") && typeof u.code === "string" ? u.code : undefined

/** Explains why `listen` failed, from the Node error (`EADDRINUSE`, `EACCES`, ...). */
export const startError = (options: { readonly port: number; readonly host: string }, cause: unknown): TrackerStartError => {
  const inner = Predicate.hasProperty(cause, "cause") ? cause.cause : cause
  const { host, port } = options
  switch (errorCode(inner)) {
    case "EADDRINUSE":
      return new TrackerStartError({ host, port, cause, reason: "address-in-use", message: `port ${port} is already in use` })
    case "EACCES":
      return new TrackerStartError({ host, port, cause, reason: "permission-denied", message: `no permission to listen on port ${port}` })
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new TrackerStartError({ host, port, cause, reason: "address-unavailable", message: `cannot listen on ${host}: no such local address` })
    default:
      return new TrackerStartError({ host, port, cause, reason: "other", message: `cannot listen on ${host}:${port}: ${String(inner)}` })
  }
}

/** One debug line per request: method, URL, status. */
const logRequests = HttpMiddleware.make((app) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.onExit(app, (exit) =>
      Effect.logDebug(
        `${request.method} ${request.url} -> ${Exit.isSuccess(exit) ? exit.value.status : "failed"}`
      ))))

/** Where the runtime serves the OpenAPI document of the whole API (generated from `TrackerApi`). */
export const OPENAPI_PATH = "/openapi.json"

/** Requests are not traced: nothing here exports spans, and a span per request costs. */
const untraced = HttpMiddleware.withTracerDisabledWhen(() => true)

/**
 * Serves the Tracker (and its OpenAPI document at {@link OPENAPI_PATH}, and the UI at `/`, see
 * `UiHttp.ts`; `uiDir` overrides where its files are) on `host:port` until the layer's scope closes; port 0 picks a free port.
 * Repeated GETs whose answers still hold are answered from an {@link AnswerCache}.
 * Outputs the `HttpServer`, whose address {@link boundAddress} formats. Fails with
 * {@link TrackerStartError} when the server cannot listen.
 */
export const serve = (
  options: { readonly port: number; readonly host: string; readonly uiDir?: string }
): Layer.Layer<HttpServer.HttpServer, TrackerStartError, Clusters | Redactor> => {
  const answers = AnswerCache.make()
  const server = NodeHttpServer.layer(AnswerCache.serverWith(answers), { port: options.port, host: options.host })
  const ui = UiHttp.layer(options.uiDir === undefined ? {} : { dir: options.uiDir })
  const api = HttpApiBuilder.serve(logRequests).pipe(
    Layer.provide([HttpApiBuilder.middlewareOpenApi({ path: OPENAPI_PATH }), ui]),
    Layer.provide(layer),
    Layer.provide(Layer.succeed(AnswerCache.TrackerAnswers, answers)),
    untraced
  )
  return Layer.merge(api, Layer.context<HttpServer.HttpServer>()).pipe(
    Layer.provide(server),
    Layer.mapError((e) => startError(options, e))
  )
}

/** Where a built {@link serve} listens, e.g. `http://127.0.0.1:8888` (the real port when 0 was asked). */
export const boundAddress = (context: Context.Context<HttpServer.HttpServer>): Effect.Effect<string> =>
  Effect.map(HttpServer.HttpServer.pipe(Effect.provide(context)), (s) => HttpServer.formatAddress(s.address))
