/**
 * The supervisor of one cluster, started by `heron-runtime` for each cluster it serves once its
 * HTTP server is up. It registers the runtime (`runtimes/<cluster>`, an ephemeral location the CLI
 * checks), then watches the state manager's set of topologies and runs one {@link TopologySupervisor}
 * fiber per topology in a `FiberMap`, all in the runtime's scope.
 *
 * Closing the scope (SIGTERM) interrupts the fibers and leaves the containers running: a runtime
 * started later adopts them. It says so: `leaving N topologies running`.
 */
import { Clock, Data, Duration, Effect, FiberMap, Option, Stream, type Scope } from "effect"
import type { ClusterServices } from "../Clusters.js"
import { RuntimeLocation } from "../model/Locations.js"
import { loop, type BackoffOptions } from "./internal/Backoff.js"
import type { LaunchContext } from "./LaunchPlan.js"
import * as TopologySupervisor from "./TopologySupervisor.js"

/** The supervisor could not start: another live runtime serves the cluster, or the state manager failed. */
export class SupervisorError extends Data.TaggedError("SupervisorError")<{ readonly cluster: string; readonly message: string }> {}

/** How a cluster's supervisor runs. */
export interface SupervisorOptions {
  readonly launch: LaunchContext
  /** The runtime's HTTP server, `http://host:port`. */
  readonly httpEndpoint: string
  /** Between two steps of a topology's supervisor. Default 500 ms. */
  readonly pollInterval?: Duration.DurationInput
  /** First retry delay after a failure. Default 500 ms. */
  readonly backoffBase?: Duration.DurationInput
  /** Longest retry delay. Default 10 s (a kill waits at most this long behind a failing step). */
  readonly backoffMax?: Duration.DurationInput
}

const registerRuntime = (cluster: ClusterServices, httpEndpoint: string) =>
  Effect.gen(function*() {
    const sm = cluster.stateManager
    const failed = (e: { readonly message: string }) => new SupervisorError({ cluster: cluster.name, message: `cluster ${cluster.name}: ${e.message}` })
    const existing = yield* sm.get("runtimes", cluster.name).pipe(Effect.mapError(failed))
    if (Option.isSome(existing) && existing.value.pid !== process.pid) {
      return yield* new SupervisorError({
        cluster: cluster.name,
        message: `cluster ${cluster.name} is already served by heron-runtime pid ${existing.value.pid} (${existing.value.httpEndpoint}): stop it first`
      })
    }
    const startedAt = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    yield* sm.set("runtimes", cluster.name, new RuntimeLocation({ cluster: cluster.name, httpEndpoint, pid: process.pid, startedAt })).pipe(
      Effect.mapError(failed)
    )
    yield* Effect.addFinalizer(() =>
      sm.delete("runtimes", cluster.name).pipe(
        Effect.catchAll((e) => Effect.logWarning(`could not remove the runtime location: ${e.message}`))
      ))
  })

/**
 * Starts supervising `cluster` for the enclosing scope. Fails with {@link SupervisorError} only at
 * start (runtime location); afterwards every failure is logged and retried.
 */
export const start = (cluster: ClusterServices, options: SupervisorOptions): Effect.Effect<void, SupervisorError, Scope.Scope> =>
  Effect.gen(function*() {
    const backoff: BackoffOptions = {
      interval: options.pollInterval ?? "500 millis",
      base: options.backoffBase ?? "500 millis",
      max: options.backoffMax ?? "10 seconds"
    }
    yield* registerRuntime(cluster, options.httpEndpoint)
    const fibers = yield* FiberMap.make<string>()
    // Registered after the FiberMap, so it runs before the fibers are interrupted.
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(FiberMap.size(fibers), (n) =>
        Effect.logInfo(`leaving ${n} topolog${n === 1 ? "y" : "ies"} running`).pipe(Effect.annotateLogs({ cluster: cluster.name }))))
    const topologyOptions: TopologySupervisor.TopologySupervisorOptions = { ...backoff, launch: options.launch, httpEndpoint: options.httpEndpoint }
    // Follows the set of topologies through the state manager's watch (a ZooKeeper child watch, a
    // folder watch), starting a supervisor for each new one; a supervisor ends by itself once its
    // topology is gone. A failing watch is retried with backoff.
    const discover = cluster.stateManager.watchList("topologies").pipe(
      Stream.runForEach((names) =>
        Effect.forEach(names, (name) =>
          FiberMap.run(fibers, name, TopologySupervisor.supervise(cluster, name, topologyOptions), { onlyIfMissing: true }), { discard: true })),
      Effect.as("continue" as const)
    )
    yield* loop(discover, backoff).pipe(Effect.annotateLogs({ cluster: cluster.name }), Effect.forkScoped)
  })
