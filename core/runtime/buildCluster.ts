/**
 * Builds the services of one cluster from its resolved definition: each plugin's layer gets the
 * cluster's PluginHost, is built in the runtime's scope (released at shutdown), tagged in logs with
 * its kind and name, and must start within a deadline so an unreachable engine fails the start-up.
 */
import type { CommandExecutor, FileSystem, Path } from "@effect/platform"
import { Context, Duration, Effect, Layer, type Scope } from "effect"
import type { ClusterServices } from "../Clusters.js"
import { MetricsSink } from "../MetricsSink.js"
import { PluginError, PluginHost, pluginLabel, type PluginKind, type ServiceOfKind } from "../Plugin.js"
import { Scheduler } from "../Scheduler.js"
import { StateManager } from "../StateManager.js"
import { Uploader } from "../Uploader.js"
import { describe, type ResolvedCluster, type ResolvedPlugin } from "../../dsl/ResolvedCluster.js"

export type BuildDeps = FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor | Scope.Scope

export const PLUGIN_START_TIMEOUT = Duration.seconds(30)

/** Starts one plugin of `cluster` in the enclosing scope, as {@link buildCluster} does for each:
 * the CLI and the executors build only the plugins they use (never the scheduler). */
export const buildPlugin = <K extends PluginKind>(cluster: Pick<ResolvedCluster, "name" | "home">, plugin: ResolvedPlugin<K>) => {
  const label = pluginLabel(plugin.definition)
  return Layer.build(plugin.definition.layer(plugin.config)).pipe(
    Effect.provideService(PluginHost, { cluster: cluster.name, home: cluster.home }),
    Effect.timeoutFail({
      duration: PLUGIN_START_TIMEOUT,
      onTimeout: () => new PluginError({ plugin: label, message: `${label} did not start within ${Duration.format(PLUGIN_START_TIMEOUT)}` })
    }),
    Effect.mapError((e) => new PluginError({ plugin: label, message: `cluster ${cluster.name}: ${e.message}` })),
    Effect.annotateLogs({ cluster: cluster.name, plugin: label }),
    Effect.withSpan("Runtime.buildPlugin", { attributes: { cluster: cluster.name, plugin: label } })
  ) satisfies Effect.Effect<Context.Context<ServiceOfKind[K]>, PluginError, BuildDeps>
}

/** Starts every plugin of `cluster`; the services live as long as the enclosing scope. */
export const buildCluster = (cluster: ResolvedCluster): Effect.Effect<ClusterServices, PluginError, BuildDeps> =>
  Effect.gen(function* () {
    const stateManager = Context.get(yield* buildPlugin(cluster, cluster.stateManager), StateManager)
    const uploader = Context.get(yield* buildPlugin(cluster, cluster.uploader), Uploader)
    const scheduler = Context.get(yield* buildPlugin(cluster, cluster.scheduler), Scheduler)
    const sinks = yield* Effect.forEach(cluster.sinks, (s) =>
      Effect.map(buildPlugin(cluster, s), (ctx) => ({ name: pluginLabel(s.definition), sink: Context.get(ctx, MetricsSink) })))
    return {
      name: cluster.name,
      home: cluster.home,
      stateManager,
      scheduler,
      uploader,
      sinks,
      redacted: yield* describe(cluster)
    }
  })
