/**
 * The HTTP endpoint Prometheus scrapes: one GET path, everything else 404. It listens until its
 * scope closes; closing also cuts open connections (a scraper's keep-alive socket included), so the
 * port is free again right after.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, type HttpServerError, type HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, type Scope } from "effect"

/** Where the endpoint listens. */
export interface Address {
  readonly host: string
  readonly port: number
}

/** Listens on `host:port` (port 0: any free port) and answers GET `path` with `respond`. */
export const serve = (
  options: { readonly host: string; readonly port: number; readonly path: `/${string}` },
  respond: Effect.Effect<HttpServerResponse.HttpServerResponse>
): Effect.Effect<Address, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const node = createServer()
    const server = yield* NodeHttpServer.make(() => node, { host: options.host, port: options.port })
    // Finalizers run last-added first: this one runs before the server's own close, which would
    // otherwise wait for every keep-alive connection to end.
    yield* Effect.addFinalizer(() => Effect.sync(() => node.closeAllConnections()))
    yield* server.serve(HttpRouter.empty.pipe(HttpRouter.get(options.path, respond)))
    const address = server.address
    if (address._tag !== "TcpAddress") return yield* Effect.die(`expected a TCP address, got ${HttpServer.formatAddress(address)}`)
    return { host: address.hostname, port: address.port }
  })
