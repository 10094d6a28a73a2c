/**
 * One topology's supervisor: a fiber that converges the desired state in the state manager with
 * what the cluster's scheduler runs, until the topology is gone.
 *
 * - RUNNING / PAUSED, with a packing plan and an execution state of the same id: the first time,
 *   `schedule` (or `update` when the scheduler already runs containers of the topology, e.g. after
 *   a runtime restart: unchanged containers are adopted as they are); afterwards `update` whenever
 *   the launch request changes (a new packing plan from `heron update`, a new id). Then it writes
 *   `schedulers/<topology>`. Pausing is the TManager's business: it watches the topology.
 * - KILLED: `scheduler.kill`, every state kind of the topology removed (`topologies` last), the
 *   package deleted with the uploader.
 * - Topology gone without a kill (state removed by hand, a submit rolled back): the containers it
 *   launched are killed.
 */
import { Effect, Option, Queue, Ref, Stream } from "effect"
import type { ClusterServices } from "../Clusters.js"
import { SchedulerLocation } from "../model/Locations.js"
import type { Topology } from "../model/Topology.js"
import { topologyKinds, topologyRef } from "../runtime/Desired.js"
import type { TopologyRef } from "../Scheduler.js"
import { loop, type BackoffOptions, type StepResult } from "./internal/Backoff.js"
import { fingerprint, launchRequest, type LaunchContext } from "./LaunchPlan.js"

/** What a supervisor needs besides the cluster's services. */
export interface TopologySupervisorOptions extends BackoffOptions {
  readonly launch: LaunchContext
  /** Written in `schedulers/<topology>`: the runtime's HTTP endpoint. */
  readonly httpEndpoint: string
}

/** What was last asked of the scheduler: `fingerprint` is set once a launch succeeded; `ref` as
 * soon as one was tried (a failed launch may still have started some containers). */
interface Applied {
  readonly fingerprint: Option.Option<string>
  readonly ref: TopologyRef
}

/** Stops the containers, removes every state kind of the topology and its package. */
const killTopology = (cluster: ClusterServices, topology: Topology) =>
  Effect.gen(function*() {
    const sm = cluster.stateManager
    const execution = yield* sm.get("executionstate", topology.name)
    const ref = topologyRef(cluster.name, topology, Option.getOrUndefined(execution))
    yield* Effect.logInfo("killing: stopping its containers")
    yield* cluster.scheduler.kill(ref)
    for (const kind of topologyKinds) {
      // The package goes before the topology: while `topologies/<name>` is there, a failed kill is retried.
      if (kind === "topologies") yield* cluster.uploader.delete(topology.name)
      yield* sm.delete(kind, topology.name)
    }
    yield* Effect.logInfo("killed: containers stopped, state and package removed")
  })

/** One pass of convergence. */
const step = (cluster: ClusterServices, name: string, options: TopologySupervisorOptions, applied: Ref.Ref<Option.Option<Applied>>) =>
  Effect.gen(function*() {
    const sm = cluster.stateManager
    const topology = yield* sm.get("topologies", name)
    if (Option.isNone(topology)) {
      const last = yield* Ref.get(applied)
      if (Option.isSome(last)) {
        yield* Effect.logWarning("the topology's state was removed without a kill: stopping its containers")
        yield* cluster.scheduler.kill(last.value.ref)
        yield* sm.delete("schedulers", name)
      }
      return "done" satisfies StepResult
    }
    if (topology.value.state === "KILLED") {
      yield* killTopology(cluster, topology.value)
      return "done" satisfies StepResult
    }
    const plan = yield* sm.get("packingplans", name)
    const execution = yield* sm.get("executionstate", name)
    // A submit writes the topology, then the packing plan, then the execution state: until all
    // three agree on the id there is nothing to launch yet.
    if (Option.isNone(plan) || Option.isNone(execution) || plan.value.id !== topology.value.id || execution.value.topologyId !== topology.value.id) {
      return "continue" satisfies StepResult
    }
    const request = launchRequest(options.launch, topology.value, plan.value, execution.value)
    const print = fingerprint(request)
    const last = yield* Ref.get(applied)
    if (Option.isSome(last) && Option.contains(last.value.fingerprint, print)) return "continue" satisfies StepResult

    const first = Option.isNone(last) || Option.isNone(last.value.fingerprint)
    const adopting = first && (yield* cluster.scheduler.status(request.topology)).length > 0
    yield* Ref.set(applied, Option.some({ fingerprint: Option.none(), ref: request.topology }))
    if (first && !adopting) {
      yield* Effect.logInfo(`scheduling ${request.containers.length} containers`)
      yield* cluster.scheduler.schedule(request)
    } else {
      yield* Effect.logInfo(adopting
        ? `adopting the running containers (${request.containers.length} wanted)`
        : `updating to the new plan (${request.containers.length} containers)`)
      yield* cluster.scheduler.update(request)
    }
    const links = yield* cluster.scheduler.jobLinks(request.topology).pipe(
      Effect.catchAll((e) => Effect.as(Effect.logWarning(`no job links: ${e.message}`), []))
    )
    yield* sm.set("schedulers", name, new SchedulerLocation({ topologyName: name, httpEndpoint: options.httpEndpoint, jobPageLinks: links }))
    yield* Ref.set(applied, Option.some({ fingerprint: Option.some(print), ref: request.topology }))
    return "continue" satisfies StepResult
  })

/**
 * Supervises topology `name` of `cluster` until it is killed or its state is gone. Never fails:
 * errors are logged (annotated with cluster and topology) and retried with backoff.
 */
export const supervise = (cluster: ClusterServices, name: string, options: TopologySupervisorOptions): Effect.Effect<void> =>
  Effect.gen(function*() {
    const applied = yield* Ref.make(Option.none<Applied>())
    yield* Effect.logInfo("supervising")
    // A change to the topology's desired state (a submit writing its packing plan and execution
    // state just after the topology, a kill, an update) runs the next step at once; the interval
    // stays the fallback should a watch fail.
    const changes = yield* Queue.sliding<void>(1)
    const sm = cluster.stateManager
    yield* Stream.mergeAll([Stream.as(sm.watch("topologies", name), undefined), Stream.as(sm.watch("packingplans", name), undefined), Stream.as(sm.watch("executionstate", name), undefined)], { concurrency: "unbounded" }).pipe(
      Stream.runForEach(() => Queue.offer(changes, undefined)),
      Effect.catchAll((e) => Effect.logDebug(`no watch on the desired state, polling only: ${e.message}`)),
      Effect.forkScoped
    )
    yield* loop(step(cluster, name, options, applied), options, Queue.take(changes))
  }).pipe(
    Effect.scoped,
    Effect.annotateLogs({ cluster: cluster.name, topology: name }),
    Effect.withSpan("Supervisor.topology", { attributes: { cluster: cluster.name, topology: name } })
  )
