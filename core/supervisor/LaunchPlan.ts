/**
 * What the supervisor asks the scheduler to run: container 0 (the TManager) plus one container per
 * container plan, each running the executor with the cluster file, the topology and its index.
 * Every container's env carries a hash of its own plan (`HERON_CONTAINER_PLAN`), so that
 * `scheduler.update` restarts exactly the containers whose instances changed.
 */
import { createHash } from "node:crypto"
import type { ExecutionState } from "../model/ExecutionState.js"
import { Resources, type ContainerPlan, type PackingPlan } from "../model/PackingPlan.js"
import type { Topology } from "../model/Topology.js"
import { defaultPadding } from "../packing/index.js"
import { topologyRef } from "../runtime/Desired.js"
import { CLUSTER_SPEC_ENV } from "../runtime/ClusterSpec.js"
import { ContainerLaunch, LaunchRequest } from "../Scheduler.js"

/** Where the executor is and what it needs to find the cluster. */
export interface LaunchContext {
  readonly cluster: string
  /** The absolute path of the cluster's definition file (`--cluster-file`). */
  readonly clusterFile: string
  /** The cluster's root (`HERON_HOME` of the containers). */
  readonly heronHome: string
  /** `node`, as this process runs. */
  readonly node: string
  /** The absolute path of `dist/core/engine/executor-bin.js`. */
  readonly executor: string
  /** The cluster as JSON for the containers (`HERON_CLUSTER_SPEC`), when it can travel that way
   * (no secrets, every plugin in a JavaScript module); else containers load the cluster file. */
  readonly clusterSpec?: string
}

/** The env key holding the hash of a container's plan. */
export const CONTAINER_PLAN_ENV = "HERON_CONTAINER_PLAN"

const sha = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16)

/** A stable hash of what a container runs: its instances (component, task, index, resources) and
 * its resources. Container 0 has no plan: its hash never changes, so updates leave it running. */
export const containerPlanHash = (plan: ContainerPlan | undefined): string =>
  plan === undefined
    ? sha("tmanager")
    : sha(JSON.stringify({
      instances: [...plan.instances]
        .sort((a, b) => a.taskId - b.taskId)
        .map((i) => [i.componentName, i.taskId, i.componentIndex, i.resources.cpu, i.resources.ram, i.resources.disk]),
      resources: [plan.requiredResources.cpu, plan.requiredResources.ram, plan.requiredResources.disk]
    }))

/** The command line of container `index`; `ps` shows the topology and the container. */
export const executorArgv = (ctx: LaunchContext, topology: string, index: number): readonly [string, ...Array<string>] => [
  ctx.node,
  ctx.executor,
  "--cluster-file",
  ctx.clusterFile,
  "--cluster",
  ctx.cluster,
  "--topology",
  topology,
  "--container",
  String(index)
]

/** Resources of container 0 (TManager and metrics cache): one container's padding. */
export const tmanagerResources = new Resources({ cpu: defaultPadding.cpu, ram: defaultPadding.ram, disk: defaultPadding.disk })

/** The launch request of a topology: container 0, then containers 1..n of the packing plan. */
export const launchRequest = (ctx: LaunchContext, topology: Topology, plan: PackingPlan, execution: ExecutionState): LaunchRequest => {
  const container = (index: number, resources: Resources, containerPlan: ContainerPlan | undefined) =>
    new ContainerLaunch({
      index,
      resources,
      argv: executorArgv(ctx, topology.name, index),
      env: {
        HERON_HOME: ctx.heronHome,
        HERON_TOPOLOGY_ID: topology.id,
        [CONTAINER_PLAN_ENV]: containerPlanHash(containerPlan),
        ...(ctx.clusterSpec === undefined ? {} : { [CLUSTER_SPEC_ENV]: ctx.clusterSpec })
      }
    })
  return new LaunchRequest({
    topology: topologyRef(ctx.cluster, topology, execution),
    packingPlan: plan,
    packageUri: execution.packageUri,
    containers: [
      container(0, tmanagerResources, undefined),
      ...[...plan.containers].sort((a, b) => a.id - b.id).map((c) => container(c.id, c.scheduledResources ?? c.requiredResources, c))
    ]
  })
}

/** Identifies what a launch request runs: when it changes, the scheduler must be updated. */
export const fingerprint = (request: LaunchRequest): string =>
  sha(JSON.stringify({
    packageUri: request.packageUri,
    id: request.topology.id,
    containers: request.containers.map((c) => [c.index, c.argv, Object.entries(c.env).sort(), c.resources.cpu, c.resources.ram, c.resources.disk])
  }))
