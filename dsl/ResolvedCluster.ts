/**
 * A cluster definition after loading: layered, secrets resolved, every plugin found and its options
 * decoded. `describe` renders it for people and scripts, with secrets redacted.
 */
import { Effect, Schema } from "effect"
import type { PluginDefinition, PluginKind } from "../core/Plugin.js"
import { pluginLabel } from "../core/Plugin.js"
import { redactWith } from "../core/Redactor.js"
import type { ClusterShape } from "./ClusterShape.js"

export interface ResolvedPlugin<K extends PluginKind> {
  readonly definition: PluginDefinition<K>
  /** The options, decoded by the plugin's config schema. */
  readonly config: unknown
  /** Set when the plugin came from `plugin("package", ...)`. */
  readonly packageName?: string
}

export interface ResolvedCluster {
  readonly name: string
  readonly file: string
  readonly root: string
  /** `<root>/<name>`: the default home of the cluster's local files. */
  readonly home: string
  readonly tracker: { readonly host: string; readonly port: number }
  readonly scheduler: ResolvedPlugin<"scheduler">
  readonly stateManager: ResolvedPlugin<"state-manager">
  readonly uploader: ResolvedPlugin<"uploader">
  readonly sinks: ReadonlyArray<ResolvedPlugin<"metrics-sink">>
  readonly packing: ClusterShape["packing"]
  /** Metrics interval and metrics-cache limits (all optional). */
  readonly metrics: ClusterShape["metrics"]
  /** How the runtime serves the cluster (high availability). */
  readonly runtime: ClusterShape["runtime"]
  readonly topologyDefaults: ClusterShape["topologyDefaults"]
  /** The API server's bearer tokens, role → token (also in `secrets`); empty unless loaded with
   * `withApi` (the runtime). */
  readonly api: ClusterShape["api"]
  /** Values resolved from `env(...)`: never print them. */
  readonly secrets: ReadonlyArray<string>
  /** The secrets the containers need: those outside `api` (the tokens stay with the runtime). */
  readonly containerSecrets: ReadonlyArray<string>
  /** The environment variables `api` was read from: the runtime removes them from its own
   * environment once loaded, so that no process it starts inherits them. */
  readonly apiEnv: ReadonlyArray<string>
}

const describePlugin = <K extends PluginKind>(p: ResolvedPlugin<K>) =>
  Schema.encodeUnknown(p.definition.config)(p.config).pipe(
    Effect.orElseSucceed(() => p.config),
    Effect.map((options) => ({
      plugin: pluginLabel(p.definition),
      version: p.definition.version,
      ...(p.packageName === undefined ? {} : { package: p.packageName }),
      options
    }))
  )

/** The cluster as plain JSON data, secrets replaced by `<redacted>`. */
export const describe = (c: ResolvedCluster): Effect.Effect<unknown> =>
  Effect.gen(function* () {
    const plain = {
      name: c.name,
      file: c.file,
      root: c.root,
      tracker: c.tracker,
      scheduler: yield* describePlugin(c.scheduler),
      stateManager: yield* describePlugin(c.stateManager),
      uploader: yield* describePlugin(c.uploader),
      sinks: yield* Effect.forEach(c.sinks, describePlugin),
      packing: c.packing,
      metrics: c.metrics,
      runtime: c.runtime,
      topologyDefaults: c.topologyDefaults,
      api: c.api
    }
    const parsed: unknown = JSON.parse(redactWith(c.secrets, JSON.stringify(plain)))
    return parsed
  })
