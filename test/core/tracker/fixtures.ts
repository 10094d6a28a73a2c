/**
 * Realistic state for Tracker tests: cluster `local` runs word count `wc` (alice/default: a spout
 * and two bolts, 2 containers, 2 stream managers, TManager and scheduler registered) and holds
 * `pending` (bob/devel: submitted, not running yet); cluster `prod` runs `ingest` (alice/prod).
 */
import { Effect, Layer } from "effect"
import * as Clusters from "../../../core/Clusters.js"
import type { ClusterServices } from "../../../core/Clusters.js"
import { ExecutionState, ReleaseState } from "../../../core/model/ExecutionState.js"
import { SchedulerLocation, TManagerLocation } from "../../../core/model/Locations.js"
import { ContainerPlan, InstancePlan, PackingPlan, Resources } from "../../../core/model/PackingPlan.js"
import { InstanceInfo, PhysicalPlan, StreamManagerInfo } from "../../../core/model/PhysicalPlan.js"
import { Component, InputSpec, StreamSchema, Topology } from "../../../core/model/Topology.js"
import * as Redactor from "../../../core/Redactor.js"
import type { SchedulerService } from "../../../core/Scheduler.js"
import { StateError, type StateManagerService } from "../../../core/StateManager.js"
import * as MemoryStore from "../../../core/state/MemoryStore.js"
import { makeStateManager } from "../../../core/state/makeStateManager.js"
import type { UploaderService } from "../../../core/Uploader.js"

export const SECRET = "kafka-s3cr3t-token"
const MB = 1024 * 1024

const words = new StreamSchema({ stream: "default", fields: ["word"] })
export const wcTopology = (state: Topology["state"] = "RUNNING") =>
  new Topology({
    id: "wc-6b1f",
    name: "wc",
    state,
    config: { "topology.stmgrs": "2", "topology.message.timeout.secs": "30", "kafka.password": SECRET },
    components: [
      new Component({
        name: "sentence", kind: "spout", parallelism: 2, inputs: [],
        outputs: [new StreamSchema({ stream: "default", fields: ["sentence"] })],
        config: { "topology.component.parallelism": "2", "spout.type": "kafka", "spout.source": "sentences" }
      }),
      new Component({
        name: "split", kind: "bolt", parallelism: 2, outputs: [words],
        inputs: [new InputSpec({ component: "sentence", stream: "default", grouping: { _tag: "shuffle" } })],
        config: { "topology.component.parallelism": "2" }
      }),
      new Component({
        name: "count", kind: "bolt", parallelism: 2, outputs: [],
        inputs: [new InputSpec({ component: "split", stream: "default", grouping: { _tag: "fields", fields: ["word"] } })],
        config: { "topology.component.parallelism": "2" }
      })
    ]
  })

const res = (cpu: number, ramMb: number, diskMb: number) => new Resources({ cpu, ram: ramMb * MB, disk: diskMb * MB })
const instance = (componentName: string, taskId: number, componentIndex: number) =>
  new InstancePlan({ componentName, taskId, componentIndex, resources: res(1, 512, 1024) })

export const wcPacking = new PackingPlan({
  id: "wc-6b1f",
  containers: [1, 2].map((c) =>
    new ContainerPlan({
      id: c,
      instances: [instance("sentence", c, c - 1), instance("split", c + 2, c - 1), instance("count", c + 4, c - 1)],
      requiredResources: res(3, 2048, 4096),
      ...(c === 1 ? { scheduledResources: res(4, 4096, 8192) } : {})
    })
  )
})

const components: ReadonlyArray<string> = ["sentence", "split", "count"]
export const wcPhysical = new PhysicalPlan({
  topology: wcTopology(),
  stmgrs: [1, 2].map((c) =>
    new StreamManagerInfo({
      id: `stmgr-${c}`, containerIndex: c, host: `worker-${c}`, dataPort: 6000 + c, shellPort: 7000 + c,
      cwd: `/var/heron/wc/${c}`, pid: 4240 + c, logFiles: ["logs/container.log"]
    })
  ),
  instances: [1, 2].flatMap((c) =>
    components.map((comp, k) =>
      new InstanceInfo({
        instanceId: `container_${c}_${comp}_${c + 2 * k}`, stmgrId: `stmgr-${c}`,
        componentName: comp, taskId: c + 2 * k, componentIndex: c - 1
      })
    )
  )
})

export const execution = (topologyName: string, cluster: string, role: string, environ: string) =>
  new ExecutionState({
    topologyName, topologyId: `${topologyName}-6b1f`, cluster, role, environ,
    submissionTime: 1700000000, submissionUser: role, packageUri: `file:///tmp/heron/${topologyName}.tar.gz`,
    release: new ReleaseState({ releaseUsername: role, releaseTag: `${topologyName}-v1`, releaseVersion: "0.1.0" })
  })

const unused = (what: string) => () => Effect.dieMessage(`${what} is not used by the Tracker`)
const scheduler: SchedulerService = {
  schedule: unused("schedule"), kill: unused("kill"), restart: unused("restart"),
  update: unused("update"), status: unused("status"), jobLinks: unused("jobLinks")
}
const uploader: UploaderService = { upload: unused("upload"), fetch: unused("fetch"), undo: unused("undo"), delete: unused("delete") }

export const cluster = (name: string, stateManager: StateManagerService): ClusterServices => ({
  name, home: `/tmp/heron/${name}`, stateManager, scheduler, uploader, sinks: [], redacted: {}
})

export const memoryStateManager = Effect.map(MemoryStore.make, makeStateManager)

export const localState = Effect.gen(function*() {
  const sm = yield* memoryStateManager
  yield* sm.set("topologies", "wc", wcTopology())
  yield* sm.set("packingplans", "wc", wcPacking)
  yield* sm.set("pplans", "wc", wcPhysical)
  yield* sm.set("executionstate", "wc", execution("wc", "local", "alice", "default"))
  yield* sm.set("tmanagers", "wc", new TManagerLocation({
    topologyName: "wc", topologyId: "wc-6b1f", host: "worker-0", controllerPort: 5001, serverPort: 5002, statsPort: 5003, shellPort: 5004
  }))
  yield* sm.set("schedulers", "wc", new SchedulerLocation({
    topologyName: "wc", httpEndpoint: "http://127.0.0.1:8888", jobPageLinks: ["http://127.0.0.1:8888/jobs/wc"]
  }))
  const pending = new Topology({ ...wcTopology(), id: "pending-6b1f", name: "pending" })
  yield* sm.set("topologies", "pending", pending)
  yield* sm.set("packingplans", "pending", new PackingPlan({ ...wcPacking, id: "pending-6b1f" }))
  yield* sm.set("executionstate", "pending", execution("pending", "local", "bob", "devel"))
  return sm
})

export const prodState = Effect.gen(function*() {
  const sm = yield* memoryStateManager
  yield* sm.set("topologies", "ingest", new Topology({ ...wcTopology(), id: "ingest-6b1f", name: "ingest" }))
  yield* sm.set("executionstate", "ingest", execution("ingest", "prod", "alice", "prod"))
  return sm
})

/** A state manager whose every read fails, as a ZooKeeper that went away. */
export const brokenStateManager = Effect.map(memoryStateManager, (sm): StateManagerService => ({
  ...sm,
  list: (kind) => Effect.fail(new StateError({ op: "list", path: `/${kind}`, message: "connection loss" })),
  get: (kind, topology) => Effect.fail(new StateError({ op: "get", path: `/${kind}/${topology}`, message: "connection loss" }))
}))

/** Clusters `local` and `prod`, and a Redactor that knows {@link SECRET}. */
export const TestState: Layer.Layer<Clusters.Clusters | Redactor.Redactor> = Layer.merge(
  Layer.unwrapEffect(Effect.gen(function*() {
    const local = yield* localState
    const prod = yield* prodState
    return Clusters.layerOf([cluster("local", local), cluster("prod", prod)])
  })).pipe(Layer.orDie),
  Layer.effect(Redactor.Redactor, Effect.tap(Redactor.make, (r) => r.register(SECRET)))
)
