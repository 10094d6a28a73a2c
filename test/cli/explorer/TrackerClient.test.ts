// The explorer's Tracker client against the real Tracker handlers (word-count fixture state) over
// HTTP: results decoded, failures turned into one line naming the runtime and the cause.
import { createServer } from "node:http"
import { FetchHttpClient, HttpApiBuilder, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as TrackerClient from "../../../core/cli/heron/explorer/TrackerClient.js"
import { componentRows } from "../../../core/cli/heron/explorer/Views.js"
import * as Tracker from "../../../core/tracker/Tracker.js"
import { LogicalPlanView } from "../../../core/tracker/wire/LogicalPlan.js"
import { PhysicalPlanWire } from "../../../core/tracker/wire/PhysicalPlan.js"
import { TestState } from "../../core/tracker/fixtures.js"

const served = HttpApiBuilder.serve().pipe(
  Layer.provide(Tracker.layer),
  Layer.provide(TestState),
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
)

/** A client of the test server (its real address, through fetch, as the CLI does). */
const client = Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  return yield* TrackerClient.make(HttpServer.formatAddress(server.address))
}).pipe(Effect.provide(FetchHttpClient.layer))

const wc = { cluster: "local", environ: "default", topology: "wc" }

describe("urlOf", () => {
  it("repeats array parameters and leaves out undefined ones", () => {
    expect(TrackerClient.urlOf("http://127.0.0.1:1", "/topologies/metrics", { cluster: "local", role: undefined, metricname: ["a/b", "c"], interval: -1 }))
      .toBe("http://127.0.0.1:1/topologies/metrics?cluster=local&metricname=a%2Fb&metricname=c&interval=-1")
  })
})

layer(served)("explorer Tracker client", (it) => {
  it.effect("decodes the results of the real endpoints", () =>
    Effect.gen(function*() {
      const tracker = yield* client
      expect(yield* tracker.get("/clusters", {}, Schema.Array(Schema.String))).toEqual(["local", "prod"])
      const [logical, physical] = yield* Effect.all([
        tracker.get("/topologies/logicalplan", wc, LogicalPlanView),
        tracker.get("/topologies/physicalplan", { ...wc, role: "alice" }, PhysicalPlanWire)
      ])
      expect(componentRows(logical, physical).map((c) => `${c.name}:${c.parallelism}`)).toEqual(["sentence:2", "split:2", "count:2"])
    }))

  it.effect("a failure envelope becomes its message, prefixed with the runtime and the path", () =>
    Effect.gen(function*() {
      const tracker = yield* client
      const e = yield* Effect.flip(tracker.get("/topologies/logicalplan", { ...wc, role: "mallory" }, LogicalPlanView))
      expect(e.message).toBe(`the Tracker at ${tracker.baseUrl} refused /topologies/logicalplan: Unknown topology: local/mallory/default/wc`)
    }))

  it.effect("a path the runtime does not serve, or a result of another shape, is named as such", () =>
    Effect.gen(function*() {
      const tracker = yield* client
      const missing = yield* Effect.flip(tracker.get("/topologies/nothing-here", wc, Schema.Unknown))
      expect(missing.message).toBe(`the Tracker at ${tracker.baseUrl} answered /topologies/nothing-here with HTTP 404 and no Tracker envelope: this runtime does not serve that endpoint`)
      const shape = yield* Effect.flip(tracker.get("/clusters", {}, Schema.Array(Schema.Number)))
      expect(shape.message).toMatch(/answered \/clusters in an unexpected shape, at 0: Expected number, actual "local"$/)
    }))

  it.effect("an unreachable runtime is named with its address", () =>
    Effect.gen(function*() {
      // A port that was just free: nothing listens there any more.
      const closed = yield* Effect.promise(() => new Promise<number>((resolve) => {
        const s = createServer().listen(0, "127.0.0.1", () => {
          const address = s.address()
          s.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
        })
      }))
      const tracker = yield* TrackerClient.make(`http://127.0.0.1:${closed}`).pipe(Effect.provide(FetchHttpClient.layer))
      const e = yield* Effect.flip(tracker.get("/clusters", {}, Schema.Unknown))
      expect(e.message).toMatch(new RegExp(`^cannot reach the runtime at http://127\\.0\\.0\\.1:${closed}: `))
    }))
})
