import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { fileURLToPath } from "node:url"
import * as ClusterLoader from "../../../dsl/ClusterLoader.js"
import * as ClusterSpec from "../../../core/runtime/ClusterSpec.js"
import { launchRequest } from "../../../core/supervisor/LaunchPlan.js"
import { launchContext } from "../../../core/supervisor/Supervisors.js"
import * as MemoryStore from "../../../core/state/MemoryStore.js"
import { StateManager } from "../../../core/StateManager.js"
import { launch, seed } from "../../supervisor/seed.js"

const dir = fileURLToPath(new URL("../../fixtures/clusters/", import.meta.url))
const load = (name: string) => ClusterLoader.loadCluster(name, [dir]).pipe(Effect.provide(NodeContext.layer))

describe("ClusterSpec", () => {
  it.effect("a cluster of built-in and packaged plugins travels as JSON and comes back the same, without the scheduler", () =>
    Effect.gen(function* () {
      const c = yield* load("with-package")
      const json = Option.getOrThrow(yield* ClusterSpec.encode(c))
      // The modules are the compiled plugins and the package's own file: no TypeScript to load.
      const spec: unknown = JSON.parse(json)
      expect(JSON.stringify(spec)).toMatch(/dist\/plugins\/state-managers\/localfs\/index\.js/)
      expect(JSON.stringify(spec)).toMatch(/heron-plugin-fixture\/index\.js/)
      expect(JSON.stringify(spec)).not.toMatch(/scheduler/)
      const back = yield* ClusterSpec.decode(json)
      expect({ name: back.name, file: back.file, root: back.root, home: back.home, tracker: back.tracker, packing: back.packing, topologyDefaults: back.topologyDefaults })
        .toEqual({ name: c.name, file: c.file, root: c.root, home: c.home, tracker: c.tracker, packing: c.packing, topologyDefaults: c.topologyDefaults })
      expect([back.stateManager.definition.name, back.uploader.definition.name]).toEqual(["localfs", "localfs"])
      expect(back.stateManager.config).toEqual(c.stateManager.config)
      expect(back.sinks.map((s) => [s.packageName, s.definition.name, s.config])).toEqual([
        ["heron-plugin-fixture", "fixture-file", { path: "/tmp/heron-spec-fixture-sink.jsonl", batch: 2 }]
      ])
      expect(back.secrets).toEqual([])
      expect("scheduler" in back).toBe(false)
    }))

  it.effect("a cluster with secrets does not travel: its containers load the cluster file, and no secret reaches their env", () =>
    Effect.gen(function* () {
      process.env["HERON_TEST_SINK_PATH"] = "/tmp/heron-secret-spec-path.jsonl"
      const c = yield* load("layered")
      expect(yield* ClusterSpec.encode(c)).toEqual(Option.none())
    }))

  it.effect("the API server's tokens stay with the runtime: a cluster whose only secrets are tokens travels without them", () =>
    Effect.gen(function* () {
      process.env["HERON_API_TOKENS"] = "alice:alice-spec-token-81f2,bob:bob-spec-token-3c9e"
      const c = yield* ClusterLoader.loadCluster("api", [dir], { withApi: true }).pipe(Effect.provide(NodeContext.layer))
      expect(c.api.tokens).toEqual({ alice: "alice-spec-token-81f2", bob: "bob-spec-token-3c9e" })
      const json = Option.getOrThrow(yield* ClusterSpec.encode(c))
      expect(json).not.toContain("spec-token")
      expect(json).not.toContain('"api":')
      const back = yield* ClusterSpec.decode(json)
      expect(back.api).toEqual({ tokens: {} })
    }))

  it.effect("the launch request carries the spec in every container's env when there is one", () =>
    Effect.gen(function* () {
      const clusterSpec = Option.getOrThrow(yield* ClusterSpec.encode(yield* load("with-package")))
      const sm = yield* StateManager
      const { topology, packingPlan } = yield* seed(sm, "wc")
      const execution = Option.getOrThrow(yield* sm.get("executionstate", "wc"))
      const withSpec = launchRequest({ ...launch, clusterSpec }, topology, packingPlan, execution)
      expect(withSpec.containers.map((k) => k.env[ClusterSpec.CLUSTER_SPEC_ENV])).toEqual([clusterSpec, clusterSpec, clusterSpec])
      const without = launchRequest(launch, topology, packingPlan, execution)
      expect(without.containers.map((k) => k.env[ClusterSpec.CLUSTER_SPEC_ENV])).toEqual([undefined, undefined, undefined])
    }).pipe(Effect.provide(MemoryStore.layer)))

  it.effect("a spec naming a module that is not a plugin is refused with the module and the reason", () =>
    Effect.gen(function* () {
      const c = yield* load("with-package")
      const json = Option.getOrThrow(yield* ClusterSpec.encode(c))
        .replace(/"module":"[^"]*uploaders\/localfs\/index\.js","builtin":"uploaders\/localfs"/, '"module":"data:text/javascript,export const definition = 3"')
      const error = yield* Effect.flip(ClusterSpec.decode(json))
      expect(error.message).toContain("HERON_CLUSTER_SPEC")
      expect(error.message).toContain("does not export a plugin definition")
    }))

  it.effect("the runtime launches the bundled executor when every plugin is built in, the plain one otherwise", () =>
    Effect.gen(function* () {
      const found = { plain: "/pkg/dist/core/engine/executor-bin.js", bundled: Option.some("/pkg/dist/bundle/executor-bin.js") }
      const builtIn = yield* launchContext(yield* load("base"), found)
      expect(builtIn.executor).toBe("/pkg/dist/bundle/executor-bin.js")
      expect(builtIn.clusterSpec).toBeDefined()
      // A third-party sink brings its own copy of effect: not into the bundle.
      const withPackage = yield* launchContext(yield* load("with-package"), found)
      expect(withPackage.executor).toBe("/pkg/dist/core/engine/executor-bin.js")
      expect(withPackage.clusterSpec).toBeDefined()
      // No bundle built: the plain executor.
      expect((yield* launchContext(yield* load("base"), { ...found, bundled: Option.none() })).executor).toBe("/pkg/dist/core/engine/executor-bin.js")
    }))
})
