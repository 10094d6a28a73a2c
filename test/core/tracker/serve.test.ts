import { createServer, type Server } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Tracker from "../../../core/tracker/Tracker.js"
import { TestState } from "./fixtures.js"

/** A plain TCP server holding a port, closed with the scope. */
const holdPort = Effect.acquireRelease(
  Effect.async<Server>((resume) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
)
const portOf = (server: Server): number => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : -1
}

describe("Tracker.serve", () => {
  it.live("serves on a real port (0 picks one) and reports where", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Tracker.serve({ port: 0, host: "127.0.0.1" }).pipe(Layer.provide(TestState)))
      const address = yield* Tracker.boundAddress(context)
      expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(address).not.toBe("http://127.0.0.1:0")
      const health = yield* Effect.promise(() => fetch(`${address}/health`).then((r) => r.json()))
      expect(health).toEqual({ status: "ok", clusters: ["local", "prod"] })
      const text = yield* Effect.promise(() => fetch(`${address}/topologies/states`).then((r) => r.text()))
      expect(text).toMatch(/^\{"status":"success","executiontime":\d+\.\d+,"message":"","result":\{/)
    }).pipe(Effect.scoped))

  it.live("publishes the OpenAPI document of the whole API, generated from its definition", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(Tracker.serve({ port: 0, host: "127.0.0.1" }).pipe(Layer.provide(TestState)))
      const address = yield* Tracker.boundAddress(context)
      const doc = yield* Effect.promise(() => fetch(`${address}${Tracker.OPENAPI_PATH}`).then((r) => r.json() as Promise<{ openapi: string; paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }> }>))
      expect(doc.openapi).toMatch(/^3\./)
      for (const path of ["/topologies", "/topologies/physicalplan", "/topologies/logicalplan", "/health"]) expect(Object.keys(doc.paths)).toContain(path)
      expect(doc.paths["/topologies/physicalplan"]?.get?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(["cluster", "environ", "topology", "role"]))
    }).pipe(Effect.scoped))

  it.live("fails with one readable line when the port is taken", () =>
    Effect.gen(function*() {
      const port = portOf(yield* holdPort)
      const error = yield* Effect.flip(
        Layer.build(Tracker.serve({ port, host: "127.0.0.1" }).pipe(Layer.provide(TestState)))
      )
      expect(error._tag).toBe("TrackerStartError")
      expect(error.reason).toBe("address-in-use")
      expect(error.message).toBe(`port ${port} is already in use`)
    }).pipe(Effect.scoped))
})
