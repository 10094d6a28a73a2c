import { HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import * as ApiSettings from "../../core/api/ApiSettings.js"
import * as Lifecycle from "../../core/cli/heron/Lifecycle.js"
import * as Clusters from "../../core/Clusters.js"
import { RuntimeLocation } from "../../core/model/Locations.js"
import * as Redactor from "../../core/Redactor.js"
import * as Tracker from "../../core/tracker/Tracker.js"
import { clusterOf, makeScheduler, makeStateManagerService, makeUploader } from "../supervisor/fakes.js"
import { seed } from "../supervisor/seed.js"

const alice = { cluster: "local", role: "alice", environ: "default" }

/** The runtime's HTTP API over a fake scheduler, on a real local port, with the API server's
 * `settings` (by default a runtime on 127.0.0.1 without tokens: open to local requests). */
const served = (settings = ApiSettings.make([], { accessToken: Option.none(), host: "127.0.0.1" })) => Effect.gen(function*() {
  const sm = yield* makeStateManagerService
  const scheduler = yield* makeScheduler()
  const uploader = yield* makeUploader
  yield* seed(sm, "wc")
  const context = yield* Layer.build(
    HttpApiBuilder.serve().pipe(
      Layer.provide(Tracker.layer),
      Layer.provide(Layer.mergeAll(Clusters.layerOf([clusterOf(sm, scheduler.service, uploader.service)]), Redactor.layer, ApiSettings.layer(settings))),
      Layer.provideMerge(NodeHttpServer.layerTest)
    )
  )
  const server = yield* HttpServer.HttpServer.pipe(Effect.provide(context))
  const runtime = new RuntimeLocation({ cluster: "local", httpEndpoint: HttpServer.formatAddress(server.address), pid: process.pid, startedAt: 0 })
  return { sm, scheduler, runtime }
})

describe("heron restart (through the runtime's scheduler endpoint)", () => {
  it.scoped("restarts one container, or every container", () =>
    Effect.gen(function*() {
      const { runtime, scheduler, sm } = yield* served()
      yield* Lifecycle.restart(sm, runtime, alice, "wc", Option.some(1))
      yield* Lifecycle.restart(sm, runtime, alice, "wc", Option.none())
      const restarts = (yield* scheduler.calls).flatMap((c) => (c.op === "restart" ? [[c.topology, c.container]] : []))
      expect(restarts).toEqual([["wc", Option.some(1)], ["wc", Option.none()]])
    }))

  it.scoped("on a runtime with tokens, it needs the topology role's token (or the access token)", () =>
    Effect.gen(function*() {
      const settings = ApiSettings.make(
        [{ name: "local", api: { tokens: { alice: "alice-restart-token", bob: "bob-restart-token" } }, packing: { algorithm: "round-robin" }, topologyDefaults: {} }],
        { accessToken: Option.none(), host: "127.0.0.1" }
      )
      const { runtime, scheduler, sm } = yield* served(settings)
      const without = yield* Effect.flip(Lifecycle.restart(sm, runtime, alice, "wc", Option.none()))
      expect(without.message).toMatch(/^the runtime refused the restart \(pass --token or set HERON_API_TOKEN\): missing bearer token/)
      const other = yield* Effect.flip(Lifecycle.restart(sm, runtime, alice, "wc", Option.none(), Option.some(Redacted.make("bob-restart-token"))))
      expect(other.message).toBe("the runtime refused the restart: this token acts for role bob of cluster local, not for role alice")
      expect((yield* scheduler.calls).filter((c) => c.op === "restart")).toEqual([])
      yield* Lifecycle.restart(sm, runtime, alice, "wc", Option.some(2), Option.some(Redacted.make("alice-restart-token")))
      expect((yield* scheduler.calls).flatMap((c) => (c.op === "restart" ? [c.container] : []))).toEqual([Option.some(2)])
    }))

  it.scoped("an unknown topology, and an unreachable runtime, are one-line errors", () =>
    Effect.gen(function*() {
      const { runtime, sm } = yield* served()
      yield* sm.delete("topologies", "wc")
      expect((yield* Effect.flip(Lifecycle.restart(sm, runtime, alice, "wc", Option.none()))).message).toBe("topology wc does not run on cluster local")
      yield* seed(sm, "wc")
      const gone = new RuntimeLocation({ ...runtime, httpEndpoint: "http://127.0.0.1:1" })
      const e = yield* Effect.flip(Lifecycle.restart(sm, gone, alice, "wc", Option.none()))
      expect(e.message).toMatch(/^cannot reach the runtime at http:\/\/127\.0\.0\.1:1: /)
    }))
})
