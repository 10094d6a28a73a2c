/**
 * What a `heron` verb needs of a cluster: its definition, and its state manager and uploader
 * (never its scheduler: only the runtime runs containers). Also the check every verb but
 * `version`, `config` and dry runs makes first: a runtime must serve the cluster.
 */
import { Context, Data, Effect, Option, type Scope } from "effect"
import * as ClusterLoader from "../../../dsl/ClusterLoader.js"
import type { ResolvedCluster } from "../../../dsl/ResolvedCluster.js"
import type { RuntimeLocation } from "../../model/Locations.js"
import type { PluginError } from "../../Plugin.js"
import { buildPlugin, type BuildDeps } from "../../runtime/buildCluster.js"
import { StateManager, type StateError, type StateManagerService } from "../../StateManager.js"
import { Uploader, type UploaderService } from "../../Uploader.js"
import { clusterDirs } from "../clusterDirs.js"

/** No runtime serves the cluster: nothing would launch or kill containers. */
export class NoRuntimeError extends Data.TaggedError("NoRuntimeError")<{ readonly cluster: string; readonly message: string }> {}

/** The message of {@link NoRuntimeError}. */
export const noRuntimeMessage = (cluster: string): string =>
  `no heron-runtime serves cluster ${cluster}: start it with \`heron-runtime --cluster ${cluster}\``

/** A cluster opened by the CLI. */
export interface Control {
  readonly cluster: ResolvedCluster
  readonly stateManager: StateManagerService
  readonly uploader: UploaderService
}

/** Loads cluster `name` from `--clusters-dir` (or the default folders). */
export const loadCluster = (name: string, clustersDir: Option.Option<string>) =>
  Effect.flatMap(clusterDirs(clustersDir), (dirs) => ClusterLoader.loadCluster(name, dirs))

/** Starts the cluster's state manager and uploader for the enclosing scope. */
export const open = (cluster: ResolvedCluster): Effect.Effect<Control, PluginError, BuildDeps | Scope.Scope> =>
  Effect.gen(function*() {
    const stateManager = Context.get(yield* buildPlugin(cluster, cluster.stateManager), StateManager)
    const uploader = Context.get(yield* buildPlugin(cluster, cluster.uploader), Uploader)
    return { cluster, stateManager, uploader }
  })

/** The runtime serving `cluster` (its `runtimes/<cluster>` location), or {@link NoRuntimeError}. */
export const requireRuntime = (sm: StateManagerService, cluster: string): Effect.Effect<RuntimeLocation, NoRuntimeError | StateError> =>
  Effect.flatMap(sm.get("runtimes", cluster), Option.match({
    onNone: () => Effect.fail(new NoRuntimeError({ cluster, message: noRuntimeMessage(cluster) })),
    onSome: Effect.succeed
  }))
