/**
 * The API server's topology verbs: list, kill, activate, deactivate, restart, update. Each finds
 * the cluster and the topology under the request's role and environ (404 otherwise: a role never
 * learns of another role's topologies), refuses what the topology's state forbids (409), then calls
 * the CLI's own function (`Lifecycle`, `Update`), so that the desired state changes exactly as with
 * the CLI. Their failures are 500s with the CLI's message.
 */
import { Duration, Effect, Option } from "effect"
import * as Control from "../cli/heron/Control.js"
import * as Lifecycle from "../cli/heron/Lifecycle.js"
import * as Planning from "../cli/heron/Planning.js"
import { formatTarget, type Target } from "../cli/heron/Target.js"
import * as Update from "../cli/heron/Update.js"
import type { ClusterServices, ClustersService } from "../Clusters.js"
import type { Topology } from "../model/Topology.js"
import type { RedactorService } from "../Redactor.js"
import { topologyKinds } from "../runtime/Desired.js"
import type { Caller } from "./ApiAuth.js"
import type { ApiBadRequest, ApiConflict, ApiFailed, ApiNotFound } from "./ApiErrors.js"
import type { UpdateRequest } from "./ApiServerApi.js"
import type { ApiSettingsValue } from "./ApiSettings.js"
import { DEFAULT_WAIT_SECS, MAX_CONTAINERS, MAX_INSTANCES } from "./Limits.js"
import { type Failures, failures } from "./Respond.js"
import * as ServerProgress from "./ServerProgress.js"

/** What the verbs need of the runtime. */
export interface VerbDeps {
  readonly clusters: ClustersService
  readonly settings: ApiSettingsValue
  readonly redactor: RedactorService
}

/** A request's `{cluster}/{role}/{environ}/{name}`. */
export interface TopologyTarget extends Target {
  readonly name: string
}

const absent = (p: TopologyTarget) => `topology ${p.name} does not run under ${formatTarget(p)}`

const clusterOf = (deps: VerbDeps, fail: Failures, cluster: string): Effect.Effect<ClusterServices, ApiNotFound> =>
  Option.match(deps.clusters.get(cluster), {
    onNone: () => fail.notFound(`this runtime does not serve cluster ${cluster}`),
    onSome: Effect.succeed
  })

/** The cluster and the topology, when it runs under the request's role and environ. */
const locate = (deps: VerbDeps, fail: Failures, p: TopologyTarget) =>
  Effect.gen(function*() {
    const cluster = yield* clusterOf(deps, fail, p.cluster)
    const sm = cluster.stateManager
    const read = <A>(e: Effect.Effect<A, { readonly message: string }>) => Effect.catchAll(e, (err) => fail.failed(`reading the state: ${err.message}`))
    const topology = yield* read(sm.get("topologies", p.name))
    const execution = yield* read(sm.get("executionstate", p.name))
    if (Option.exists(execution, (e) => e.role !== p.role || e.environ !== p.environ)) return yield* fail.notFound(absent(p))
    return { cluster, topology, execution }
  })

const running = (deps: VerbDeps, fail: Failures, p: TopologyTarget): Effect.Effect<{ readonly cluster: ClusterServices; readonly topology: Topology }, ApiNotFound | ApiFailed> =>
  Effect.flatMap(locate(deps, fail, p), (l) =>
    Option.match(l.topology, { onNone: () => fail.notFound(absent(p)), onSome: (topology) => Effect.succeed({ cluster: l.cluster, topology }) }))

const wait = (seconds: number | undefined) => Duration.seconds(seconds ?? DEFAULT_WAIT_SECS)

/** The verbs, bound to the runtime. */
export const make = (deps: VerbDeps) => {
  const fail = failures(deps.redactor)
  const progressOf = (verb: string, p: TopologyTarget, caller: Caller) =>
    ServerProgress.logged({ verb, cluster: p.cluster, topology: p.name, by: caller.label })
  const failed = <A>(e: Effect.Effect<A, { readonly message: string }>) => Effect.catchAll(e, (err) => fail.failed(err.message))

  /** The topologies of a role in an environ. */
  const list = (p: Target): Effect.Effect<ReadonlyArray<string>, ApiNotFound | ApiFailed> =>
    Effect.gen(function*() {
      const cluster = yield* clusterOf(deps, fail, p.cluster)
      const cached = Option.flatMap(Option.fromNullable(cluster.topologies), (c) => c.list())
      const executions = Option.isSome(cached)
        ? cached.value.map((s) => s.executionState)
        : yield* failed(Effect.flatMap(cluster.stateManager.list("executionstate"), (names) =>
          Effect.map(Effect.forEach(names, (n) => cluster.stateManager.get("executionstate", n)), (all) => all.flatMap(Option.toArray))))
      return executions.filter((e) => e.cluster === p.cluster && e.role === p.role && e.environ === p.environ).map((e) => e.topologyName).sort()
    })

  /** `heron kill`: waits until the runtime removed the topology. */
  const kill = (p: TopologyTarget, timeout: number | undefined, caller: Caller): Effect.Effect<Lifecycle.KillOutcome, ApiNotFound | ApiFailed> =>
    Effect.gen(function*() {
      const l = yield* locate(deps, fail, p)
      const sm = l.cluster.stateManager
      if (Option.isNone(l.topology)) {
        // Leftovers of a half-finished submit are removed as by the CLI; nothing at all is a 404.
        const present = yield* failed(Effect.filter(topologyKinds, (k) => Effect.map(sm.get(k, p.name), Option.isSome)))
        if (present.length === 0) return yield* fail.notFound(absent(p))
      }
      return yield* failed(Lifecycle.kill(sm, l.cluster.uploader, p, p.name, wait(timeout), progressOf("kill", p, caller)))
    })

  /** `heron activate` / `heron deactivate`. */
  const setState = (p: TopologyTarget, state: "RUNNING" | "PAUSED", caller: Caller): Effect.Effect<Lifecycle.StateOutcome, ApiNotFound | ApiConflict | ApiFailed> =>
    Effect.gen(function*() {
      const { cluster, topology } = yield* running(deps, fail, p)
      if (topology.state === "KILLED") return yield* fail.conflict(`topology ${p.name} is being killed`)
      const outcome = yield* failed(Lifecycle.setState(cluster.stateManager, p, p.name, state))
      yield* progressOf(state === "RUNNING" ? "activate" : "deactivate", p, caller).note(`topology ${p.name}: ${outcome === "changed" ? `now ${state}` : `already ${state}`}`)
      return outcome
    })

  /** `heron restart`: one container, or every one (`None`). */
  const restart = (p: TopologyTarget, container: Option.Option<number>, caller: Caller): Effect.Effect<void, ApiNotFound | ApiBadRequest | ApiFailed> =>
    Effect.gen(function*() {
      const { cluster } = yield* running(deps, fail, p)
      const sm = cluster.stateManager
      const plan = yield* failed(sm.get("packingplans", p.name))
      const last = Option.map(plan, (pp) => pp.containers.length)
      if (Option.isSome(container) && Option.exists(last, (n) => container.value > n)) {
        return yield* fail.badRequest(`topology ${p.name} has no container ${container.value}: its containers are 0 (the TManager) to ${Option.getOrElse(last, () => 0)}`)
      }
      const runtime = yield* failed(Control.requireRuntime(sm, p.cluster))
      yield* progressOf("restart", p, caller).note(`restarting ${Option.match(container, { onNone: () => "every container", onSome: (c) => `container ${c}` })}`)
      yield* failed(Lifecycle.restart(sm, runtime, p, p.name, container, caller.credential))
    })

  /** `heron update`: new parallelism and container count; waits until the physical plan follows. */
  const update = (p: TopologyTarget, body: UpdateRequest, timeout: number | undefined, caller: Caller): Effect.Effect<Update.Updated & { readonly dryRun: boolean }, ApiNotFound | ApiBadRequest | ApiConflict | ApiFailed> =>
    Effect.gen(function*() {
      const { cluster, topology } = yield* running(deps, fail, p)
      const settings = deps.settings.clusters.find((c) => c.name === p.cluster)
      if (settings === undefined) return yield* fail.notFound(`this runtime does not serve cluster ${p.cluster}`)
      if (topology.state === "KILLED") return yield* fail.conflict(`topology ${p.name} is being killed`)
      const parallelism = yield* Update.parseParallelism(body.component_parallelism ?? []).pipe(
        Effect.catchAll((e) => fail.badRequest(e.message.replace("--component-parallelism", "component_parallelism")))
      )
      const containers = Option.fromNullable(body.container_number)
      const tooBig = [
        ...Object.entries(parallelism).filter(([, n]) => n > MAX_INSTANCES).map(([c, n]) => `component_parallelism ${c}:${n}: at most ${MAX_INSTANCES}`),
        ...(Option.exists(containers, (n) => n > MAX_CONTAINERS) ? [`container_number: at most ${MAX_CONTAINERS}`] : [])
      ]
      if (tooBig.length > 0) return yield* fail.badRequest(tooBig.join("; "))
      // Unknown components are the request's fault: checked here to answer 400 (again under the lock below).
      yield* Update.applyChanges(topology, parallelism, containers).pipe(Effect.catchAll((e) => fail.badRequest(e.message)))
      const dryRun = body.dry_run ?? false
      const updated = yield* failed(Update.update(cluster.stateManager, {
        target: p,
        name: p.name,
        parallelism,
        containers,
        dryRun,
        timeout: wait(timeout),
        packing: Planning.packingOf(settings)
      }, progressOf("update", p, caller)))
      return { ...updated, dryRun }
    })

  return { list, kill, setState, restart, update }
}
