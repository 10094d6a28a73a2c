/**
 * Topologies the Tracker benchmark registers by writing their state directly, as a submit and a
 * TManager would have: execution state, packing plan and physical plan. `topologies/<name>` (the
 * desired state the runtime's supervisors follow) is left out on purpose: no supervisor picks
 * them up, so nothing is launched, and the Tracker still lists and serves them (its logical plan
 * comes from the physical plan's copy of the topology). Submitting 50 real ones would start 100
 * processes on a 2-core machine and disturb what is measured.
 */
import { Effect } from "effect"
import { ExecutionState, ReleaseState } from "../../core/model/ExecutionState.js"
import { ContainerPlan, InstancePlan, PackingPlan, Resources } from "../../core/model/PackingPlan.js"
import { InstanceInfo, PhysicalPlan, StreamManagerInfo } from "../../core/model/PhysicalPlan.js"
import { Component, InputSpec, StreamSchema, Topology } from "../../core/model/Topology.js"
import type { StateError, StateManagerService } from "../../core/StateManager.js"

const MB = 1024 * 1024
const instanceResources = new Resources({ cpu: 0.5, ram: 256 * MB, disk: 512 * MB })

/** What is written for one topology. */
export interface Registration {
  readonly name: string
  readonly executionState: ExecutionState
  readonly packingPlan: PackingPlan
  readonly physicalPlan: PhysicalPlan
}

const component = (name: string, kind: "spout" | "bolt", parallelism: number, input?: string) =>
  new Component({
    name,
    kind,
    parallelism,
    outputs: kind === "spout" ? [new StreamSchema({ stream: "default", fields: ["n"] })] : [],
    inputs: input === undefined ? [] : [new InputSpec({ component: input, stream: "default", grouping: { _tag: "shuffle" } })],
    config: { "topology.component.parallelism": String(parallelism) }
  })

/**
 * A topology of a spout (1 instance) and a bolt of `boltParallelism` instances, packed
 * `perContainer` instances a container; its stream managers are given this process's pid and
 * made-up ports (nothing connects to them).
 */
export const registration = (o: {
  readonly name: string
  readonly cluster: string
  readonly role: string
  readonly boltParallelism: number
  readonly perContainer: number
  readonly submittedAt: number
}): Registration => {
  const id = `${o.name}-bench`
  const topology = new Topology({
    id,
    name: o.name,
    state: "RUNNING",
    components: [component("source", "spout", 1), component("sink", "bolt", o.boltParallelism, "source")],
    config: { "topology.stmgrs": String(Math.ceil((1 + o.boltParallelism) / o.perContainer)) }
  })
  const tasks = [
    { componentName: "source", componentIndex: 0 },
    ...Array.from({ length: o.boltParallelism }, (_, k) => ({ componentName: "sink", componentIndex: k }))
  ].map((t, i) => ({ ...t, taskId: i + 1, container: Math.floor(i / o.perContainer) + 1 }))
  const containers = [...new Set(tasks.map((t) => t.container))]
  const packingPlan = new PackingPlan({
    id,
    containers: containers.map((c) => {
      const own = tasks.filter((t) => t.container === c)
      return new ContainerPlan({
        id: c,
        instances: own.map((t) => new InstancePlan({ componentName: t.componentName, taskId: t.taskId, componentIndex: t.componentIndex, resources: instanceResources })),
        requiredResources: new Resources({ cpu: own.length * 0.5, ram: own.length * 256 * MB, disk: own.length * 512 * MB })
      })
    })
  })
  const physicalPlan = new PhysicalPlan({
    topology,
    stmgrs: containers.map((c) =>
      new StreamManagerInfo({
        id: `stmgr-${c}`, containerIndex: c, host: "127.0.0.1", dataPort: 40_000 + c, shellPort: 0,
        cwd: `/nonexistent/${o.name}/${c}`, pid: process.pid, logFiles: []
      })),
    instances: tasks.map((t) =>
      new InstanceInfo({
        instanceId: instanceId(t.container, t.componentName, t.taskId),
        stmgrId: `stmgr-${t.container}`,
        componentName: t.componentName,
        taskId: t.taskId,
        componentIndex: t.componentIndex
      }))
  })
  const executionState = new ExecutionState({
    topologyName: o.name,
    topologyId: id,
    cluster: o.cluster,
    role: o.role,
    environ: "default",
    submissionTime: o.submittedAt,
    submissionUser: o.role,
    packageUri: `file:///nonexistent/${o.name}.tar.gz`,
    release: new ReleaseState({ releaseUsername: o.role, releaseTag: "bench", releaseVersion: "0" })
  })
  return { name: o.name, executionState, packingPlan, physicalPlan }
}

/** Heron's instance id, `container_<c>_<component>_<task>`. */
export const instanceId = (container: number, component: string, task: number): string => `container_${container}_${component}_${task}`

/** Writes a registration; the execution state last (it is what makes the Tracker list it). */
export const register = (sm: StateManagerService, r: Registration): Effect.Effect<void, StateError> =>
  Effect.gen(function*() {
    yield* sm.set("packingplans", r.name, r.packingPlan)
    yield* sm.set("pplans", r.name, r.physicalPlan)
    yield* sm.set("executionstate", r.name, r.executionState)
  })
