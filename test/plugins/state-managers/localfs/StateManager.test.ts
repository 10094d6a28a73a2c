import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ExecutionState, ReleaseState } from "../../../../core/model/ExecutionState.js"
import { MetricsCacheLocation, RuntimeLocation, SchedulerLocation, TManagerLocation } from "../../../../core/model/Locations.js"
import { ContainerPlan, InstancePlan, PackingPlan, Resources } from "../../../../core/model/PackingPlan.js"
import { InstanceInfo, PhysicalPlan, StreamManagerInfo } from "../../../../core/model/PhysicalPlan.js"
import { Component, InputSpec, StreamSchema, Topology } from "../../../../core/model/Topology.js"
import { stateKinds, type StateKind, type StateValue } from "../../../../core/StateManager.js"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { tempStore } from "./helpers.js"

const topology = new Topology({
  id: "wc-1",
  name: "wc",
  state: "RUNNING",
  components: [
    new Component({ name: "words", kind: "spout", parallelism: 2, outputs: [new StreamSchema({ stream: "default", fields: ["word"] })], inputs: [], config: {} }),
    new Component({
      name: "count",
      kind: "bolt",
      parallelism: 3,
      outputs: [],
      inputs: [new InputSpec({ component: "words", stream: "default", grouping: { _tag: "fields", fields: ["word"] } })],
      config: { "topology.component.ram": "1024" }
    })
  ],
  config: { "topology.stmgrs": "2" }
})
const resources = new Resources({ cpu: 1, ram: 1024, disk: 2048 })

const samples: { readonly [K in StateKind]: StateValue<K> } = {
  topologies: topology,
  packingplans: new PackingPlan({
    id: "wc-1",
    containers: [new ContainerPlan({ id: 1, instances: [new InstancePlan({ componentName: "words", taskId: 1, componentIndex: 0, resources })], requiredResources: resources })]
  }),
  pplans: new PhysicalPlan({
    topology,
    stmgrs: [new StreamManagerInfo({ id: "stmgr-1", containerIndex: 1, host: "localhost", dataPort: 6000, shellPort: 6001, cwd: "/tmp", pid: 42 })],
    instances: [new InstanceInfo({ instanceId: "container_1_words_1", stmgrId: "stmgr-1", componentName: "words", taskId: 1, componentIndex: 0 })]
  }),
  executionstate: new ExecutionState({
    topologyName: "wc",
    topologyId: "wc-1",
    cluster: "local",
    role: "alice",
    environ: "default",
    submissionTime: 1_700_000_000,
    submissionUser: "alice",
    packageUri: "file:///tmp/wc.tar.gz",
    release: new ReleaseState({ releaseUsername: "alice", releaseTag: "t", releaseVersion: "0.1.0" })
  }),
  tmanagers: new TManagerLocation({ topologyName: "wc", topologyId: "wc-1", host: "localhost", controllerPort: 1, serverPort: 2, statsPort: 3, shellPort: 4 }),
  metricscaches: new MetricsCacheLocation({ topologyName: "wc", topologyId: "wc-1", host: "localhost", serverPort: 5, statsPort: 6 }),
  schedulers: new SchedulerLocation({ topologyName: "wc", httpEndpoint: "http://localhost:8888", jobPageLinks: ["http://x"] }),
  runtimes: new RuntimeLocation({ cluster: "local", httpEndpoint: "http://localhost:8888", pid: 42, startedAt: 1_700_000_000 })
}

layer(NodeContext.layer, { excludeTestServices: true })("localfs through makeStateManager", (it) => {
  describe("every kind of state", () => {
    for (const kind of stateKinds) {
      it.scoped(`round-trips ${kind}`, () =>
        Effect.gen(function* () {
          const { root, store } = yield* tempStore()
          const sm = makeStateManager(store)
          expect(yield* sm.get(kind, "wc")).toEqual(Option.none())
          yield* sm.set(kind, "wc", samples[kind])
          expect(yield* sm.get(kind, "wc")).toEqual(Option.some(samples[kind]))
          expect(yield* sm.list(kind)).toEqual(["wc"])

          // Heron's layout: one file per topology in the kind's folder, header line + JSON value.
          const [header, ...value] = readFileSync(join(root, kind, "wc"), "utf8").split("\n")
          const parsed: unknown = JSON.parse(header ?? "")
          expect(parsed).toMatchObject({ heron: "localfs/1" })
          expect(typeof parsed === "object" && parsed !== null && "owner" in parsed).toBe(["tmanagers", "metricscaches", "schedulers", "runtimes"].includes(kind))
          expect(() => JSON.parse(value.join("\n"))).not.toThrow()

          yield* sm.delete(kind, "wc")
          expect(yield* sm.get(kind, "wc")).toEqual(Option.none())
          expect(yield* sm.list(kind)).toEqual([])
          // Deleting what is absent succeeds.
          yield* sm.delete(kind, "wc")
        }))
    }
  })
})
