/**
 * Desired state as a submit writes it, made with the real topology API and packing, for tests.
 */
import { Effect } from "effect"
import { ExecutionState, ReleaseState } from "../../core/model/ExecutionState.js"
import type { TopologyState } from "../../core/model/Topology.js"
import { pack } from "../../core/packing/index.js"
import type { StateManagerService } from "../../core/StateManager.js"
import { bolt, spout, TopologyBuilder } from "../../core/topology/index.js"
import { toLogicalPlan } from "../../core/topology/LogicalPlan.js"
import { withState } from "../../core/runtime/Desired.js"
import type { LaunchContext } from "../../core/supervisor/LaunchPlan.js"

export const numbers = spout({ outputs: { default: ["n"] }, create: () => ({ nextTuple: () => undefined }) })
export const sink = bolt({ create: () => ({ execute: () => undefined }) })

/** A spout and a bolt of parallelism `bolts`, in `containers` containers. */
export const built = (name: string, containers = 2, bolts = 3) =>
  new TopologyBuilder()
    .setSpout("numbers", numbers, 1)
    .setBolt("sink", sink, bolts).shuffleGrouping("numbers")
    .build(name, { containers })

export const launch: LaunchContext = {
  cluster: "local",
  clusterFile: "/clusters/local.heron.ts",
  heronHome: "/heron",
  node: "/usr/bin/node",
  executor: "/pkg/dist/core/engine/executor-bin.js"
}

/** Writes topology, packing plan and execution state of `name`, as a submit does. */
export const seed = (sm: StateManagerService, name: string, options: { readonly state?: TopologyState; readonly containers?: number; readonly bolts?: number } = {}) =>
  Effect.gen(function*() {
    const id = `${name}-0001`
    const logical = toLogicalPlan(built(name, options.containers ?? 2, options.bolts ?? 3), id, "RUNNING")
    const topology = withState(logical, options.state ?? "RUNNING")
    const packingPlan = yield* pack({ topology, algorithm: "round-robin" })
    yield* sm.set("topologies", name, topology)
    yield* sm.set("packingplans", name, packingPlan)
    yield* sm.set("executionstate", name, new ExecutionState({
      topologyName: name,
      topologyId: id,
      cluster: "local",
      role: "alice",
      environ: "default",
      submissionTime: 0,
      submissionUser: "alice",
      packageUri: `mem://${name}/topology.tar.gz`,
      release: new ReleaseState({ releaseUsername: "alice", releaseTag: "test", releaseVersion: "0" })
    }))
    return { topology, packingPlan }
  })
