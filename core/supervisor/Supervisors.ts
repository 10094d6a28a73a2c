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

/** `dist/core/engine/executor-bin.js` of this installation. */
export const executorPath = Effect.map(Effect.all([packageRoot, Path.Path]), ([root, path]) => path.join(root, "dist", "core", "engine", "executor-bin.js"))

/** The launch context of a cluster. */
export const launchContext = (cluster: ResolvedCluster, executor: string): Effect.Effect<LaunchContext> =>
  Effect.map(ClusterSpec.encode(cluster), (spec) => ({
    cluster: cluster.name,
    clusterFile: cluster.file,
    heronHome: cluster.root,
    node: process.execPath,
    executor,
    ...Option.match(spec, { onNone: () => ({}), onSome: (clusterSpec) => ({ clusterSpec }) })
  }))

/** Starts one supervisor per cluster of `definitions` for the enclosing scope. */
export const startAll = (
  clusters: ClustersService,
  definitions: ReadonlyArray<ResolvedCluster>,
  httpEndpoint: string
): Effect.Effect<void, Supervisor.SupervisorError, Scope.Scope | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const executor = yield* executorPath
    yield* Effect.forEach(definitions, (definition) =>
      Option.match(clusters.get(definition.name), {
        onNone: () => Effect.void,
        onSome: (services) =>
          Effect.flatMap(launchContext(definition, executor), (launch) => Supervisor.start(services, { launch, httpEndpoint }))
      }), { discard: true })
  })
