/**
 * Starts the supervisor of every cluster a runtime serves, with the launch context each needs:
 * the cluster file and root from its definition, this `node`, and the executor of this
 * installation (`dist/core/engine/executor-bin.js`).
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Option, type Scope } from "effect"
import type { ResolvedCluster } from "../../dsl/ResolvedCluster.js"
import { packageRoot } from "../cli/clusterDirs.js"
import type { ClustersService } from "../Clusters.js"
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

/** Starts one supervisor per cluster of `definitions` for the enclosing scope. */
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
          Effect.flatMap(launchContext(definition, found), (launch) => Supervisor.start(services, { launch, httpEndpoint }))
      }), { discard: true })
  })
