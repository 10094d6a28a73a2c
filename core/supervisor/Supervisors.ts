/**
 * Starts the supervisor of every cluster a runtime serves, with the launch context each needs:
 * the cluster file and root from its definition, this `node`, and the executor of this
 * installation (`dist/core/engine/executor-bin.js`).
 */
import { FileSystem, Path } from "@effect/platform"
import { Deferred, Duration, Effect, FiberHandle, Option, Schedule, Stream, type Scope } from "effect"
import type { ResolvedCluster } from "../../dsl/ResolvedCluster.js"
import { packageRoot } from "../cli/clusterDirs.js"
import type { ClusterServices, ClustersService } from "../Clusters.js"
import type { LaunchContext } from "./LaunchPlan.js"
import * as ClusterSpec from "../runtime/ClusterSpec.js"
import * as Supervisor from "./Supervisor.js"

/** The executors of this installation: `dist/core/engine/executor-bin.js`, and the bundled one
 * (`dist/bundle/executor-bin.js`, made by scripts/bundle-executor.mjs) when it was built. */
export interface Executors {
  readonly plain: string
  readonly bundled: Option.Option<string>
}

/** Finds the executors of this installation. */
export const executors: Effect.Effect<Executors, never, FileSystem.FileSystem | Path.Path> = Effect.gen(function*() {
  const [root, path, fs] = yield* Effect.all([packageRoot, Path.Path, FileSystem.FileSystem])
  const bundled = path.join(root, "dist", "bundle", "executor-bin.js")
  return {
    plain: path.join(root, "dist", "core", "engine", "executor-bin.js"),
    bundled: (yield* fs.exists(bundled).pipe(Effect.orElseSucceed(() => false))) ? Option.some(bundled) : Option.none()
  }
})

/** The launch context of a cluster: the bundled executor with the cluster spec when every plugin
 * is built in; the plain executor (with the spec when there is one) otherwise. */
export const launchContext = (cluster: ResolvedCluster, found: Executors): Effect.Effect<LaunchContext> =>
  Effect.map(ClusterSpec.encode(cluster), (spec) => ({
    cluster: cluster.name,
    clusterFile: cluster.file,
    heronHome: cluster.root,
    node: process.execPath,
    executor: Option.match(Option.filter(spec, ClusterSpec.allBuiltin), {
      onNone: () => found.plain,
      onSome: () => Option.getOrElse(found.bundled, () => found.plain)
    }),
    ...Option.match(spec, { onNone: () => ({}), onSome: (clusterSpec) => ({ clusterSpec }) })
  }))

/** How long a runtime waits for the leadership of an HA cluster before saying it is on standby. */
const STANDBY_AFTER = Duration.seconds(3)

/**
 * Supervises an HA cluster while this runtime leads its election (`StateManager.leadership`):
 * leading starts the supervisor (which registers the runtime and adopts the running containers),
 * losing the leadership stops it and leaves the containers running for the next leader. Waits a
 * moment for the first election so that a lone runtime is registered before it says it is ready.
 */
const supervisedWhileLeading = (services: ClusterServices, options: Supervisor.SupervisorOptions) =>
  Effect.gen(function*() {
    const handle = yield* FiberHandle.make()
    const leading = yield* Deferred.make<void>()
    const supervise = Supervisor.start(services, options).pipe(
      Effect.zipRight(Deferred.succeed(leading, undefined)),
      Effect.zipRight(Effect.never),
      Effect.scoped,
      Effect.tapError((e) => Effect.logWarning(`${e.message}; retrying`)),
      Effect.retry(Schedule.exponential("500 millis").pipe(Schedule.union(Schedule.spaced("10 seconds"))))
    )
    yield* services.stateManager.leadership(services.name).pipe(
      Stream.runForEach((leads) =>
        leads
          ? Effect.zipRight(Effect.logInfo(`leading cluster ${services.name}: supervising its topologies`), FiberHandle.run(handle, supervise))
          : Effect.zipRight(Effect.logWarning(`lost the leadership of cluster ${services.name}: no longer supervising (containers keep running)`), FiberHandle.clear(handle))),
      Effect.tapError((e) => Effect.logWarning(`cluster ${services.name}: the election failed: ${e.message}; joining again`)),
      Effect.retry(Schedule.exponential("500 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))),
      Effect.annotateLogs({ cluster: services.name }),
      Effect.forkScoped
    )
    const led = yield* Deferred.await(leading).pipe(Effect.timeout(STANDBY_AFTER), Effect.option)
    if (Option.isNone(led)) {
      yield* Effect.logInfo(`standby for cluster ${services.name}: another heron-runtime leads it; this one serves the Tracker and takes over when the leader goes`).pipe(
        Effect.annotateLogs({ cluster: services.name })
      )
    }
  })

/** Starts one supervisor per cluster of `definitions` for the enclosing scope: at once (a second
 * runtime for the same cluster is refused), or, for clusters with `runtime.highAvailability`, while
 * this runtime leads the cluster. */
export const startAll = (
  clusters: ClustersService,
  definitions: ReadonlyArray<ResolvedCluster>,
  httpEndpoint: string
): Effect.Effect<void, Supervisor.SupervisorError, Scope.Scope | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const found = yield* executors
    yield* Effect.forEach(definitions, (definition) =>
      Option.match(clusters.get(definition.name), {
        onNone: () => Effect.void,
        onSome: (services) =>
          Effect.flatMap(launchContext(definition, found), (launch) =>
            definition.runtime.highAvailability
              ? supervisedWhileLeading(services, { launch, httpEndpoint })
              : Supervisor.start(services, { launch, httpEndpoint }))
      }), { discard: true })
  })
