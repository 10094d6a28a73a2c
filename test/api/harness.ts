/**
 * The runtime's HTTP API (the Tracker with the API server) over fake plugins and a memory state
 * manager, on a real local port, with chosen `ApiSettings`; requests are sent raw with `fetch` so
 * that status codes and headers are seen as a client sees them.
 */
import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Logger, LogLevel, Option, Redacted, Ref } from "effect"
import * as ApiSettings from "../../core/api/ApiSettings.js"
import * as Clusters from "../../core/Clusters.js"
import { RuntimeLocation } from "../../core/model/Locations.js"
import * as Redactor from "../../core/Redactor.js"
import * as Tracker from "../../core/tracker/Tracker.js"
import { clusterOf, makeScheduler, makeStateManagerService, makeUploader } from "../supervisor/fakes.js"

export const TOKENS = { alice: "alice-token-7f3a9c", bob: "bob-token-2e81d4" } as const
export const ACCESS = "access-token-5c0b1e"

/** Settings for cluster `local` with `tokens`, an optional access token, on `host`. */
export const settingsOf = (options: { readonly tokens?: Readonly<Record<string, string>>; readonly access?: string; readonly host?: string } = {}) =>
  ApiSettings.make(
    [{ name: "local", api: { tokens: options.tokens ?? {} }, packing: { algorithm: "round-robin" }, topologyDefaults: {} }],
    { accessToken: Option.map(Option.fromNullable(options.access), Redacted.make), host: options.host ?? "0.0.0.0" }
  )

/** Serves the API over a fresh state; every log line is kept in `logs`. */
export const serve = (settings: ApiSettings.ApiSettingsValue) =>
  Effect.gen(function*() {
    const sm = yield* makeStateManagerService
    const scheduler = yield* makeScheduler()
    const uploader = yield* makeUploader
    const logs = yield* Ref.make<ReadonlyArray<string>>([])
    const logger = Logger.replace(Logger.defaultLogger, Logger.map(Logger.logfmtLogger, (line) => Effect.runSync(Ref.update(logs, (ls) => [...ls, line]))))
    const secrets = [...Object.values(TOKENS), ACCESS]
    const redactor = Layer.effect(Redactor.Redactor, Effect.tap(Redactor.make, (r) => Effect.forEach(secrets, r.register)))
    const context = yield* Layer.build(
      HttpApiBuilder.serve().pipe(
        Layer.provide(Tracker.layer),
        Layer.provide(Layer.mergeAll(Clusters.layerOf([clusterOf(sm, scheduler.service, uploader.service)]), redactor, ApiSettings.layer(settings))),
        Layer.provideMerge(NodeHttpServer.layerTest),
        Layer.provide(Layer.merge(logger, Logger.minimumLogLevel(LogLevel.All)))
      )
    )
    const server = yield* HttpServer.HttpServer.pipe(Effect.provide(context))
    const base = HttpServer.formatAddress(server.address)
    yield* sm.set("runtimes", "local", new RuntimeLocation({ cluster: "local", httpEndpoint: base, pid: process.pid, startedAt: 0 }))
    return { sm, scheduler, uploader, base, logs: Ref.get(logs) }
  })

/** A raw request: status, headers and body text. */
export const send = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const res = await fetch(url, init)
    return { status: res.status, headers: res.headers, text: await res.text() }
  })

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
