/**
 * The plugin contract. A plugin is a plain value: kind, name, version, a config schema, and a layer
 * that builds its service from the decoded config. Built-ins and third-party npm packages use the
 * same contract; third-party packages export it as `definition` (or default) and are loaded by name.
 */
import type { CommandExecutor, FileSystem, Path } from "@effect/platform"
import { Context, Schema, type Layer } from "effect"
import type { MetricsSink } from "./MetricsSink.js"
import type { Scheduler } from "./Scheduler.js"
import type { StateManager } from "./StateManager.js"
import type { Uploader } from "./Uploader.js"

export const pluginKinds = ["scheduler", "state-manager", "uploader", "metrics-sink"] as const
export type PluginKind = (typeof pluginKinds)[number]

/** The service each kind of plugin provides. */
export interface ServiceOfKind {
  readonly scheduler: Scheduler
  readonly "state-manager": StateManager
  readonly uploader: Uploader
  readonly "metrics-sink": MetricsSink
}

/** A plugin could not be found, did not meet the contract, was misconfigured, or failed to start.
 * `plugin` is `<kind>/<name>` or the package name when the kind is not known yet. */
export class PluginError extends Schema.TaggedError<PluginError>()("PluginError", {
  plugin: Schema.String,
  message: Schema.String
}) {}

/** What the host gives every plugin layer when it builds it. */
export class PluginHost extends Context.Tag("heron/PluginHost")<PluginHost, {
  /** The cluster the plugin serves. */
  readonly cluster: string
  /** The cluster's data folder (`<root>/<cluster>`): the default home of local files. */
  readonly home: string
}>() {}

export type PluginDeps = PluginHost | FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor

export interface PluginDefinition<K extends PluginKind = PluginKind, A = any, I = any> {
  readonly kind: K
  /** Unique within its kind, e.g. `zookeeper`. */
  readonly name: string
  readonly version: string
  /** Decodes the options given in a cluster file; a failure names the key path. */
  readonly config: Schema.Schema<A, I>
  /** Builds the service from the decoded config. Acquire connections with `Layer.scoped` so they
   * are released at shutdown. Fail with `PluginError` when the engine cannot be reached. */
  readonly layer: (config: A) => Layer.Layer<ServiceOfKind[K], PluginError, PluginDeps>
  /** The URL of a JavaScript module exporting this definition as `definition` (built-ins pass
   * `import.meta.url`). With it, containers load the plugin directly instead of importing the
   * cluster file again; without it they fall back to the cluster file. */
  readonly module?: string
}

export const PluginInstanceTypeId: unique symbol = Symbol.for("heron-runtime/PluginInstance")

/** A built-in or imported plugin chosen in a cluster file, with its (not yet decoded) options. */
export interface PluginInstance<K extends PluginKind = PluginKind> {
  readonly [PluginInstanceTypeId]: true
  readonly definition: PluginDefinition<K>
  readonly options: unknown
}

/** A third-party plugin chosen by npm package name (`plugin("heron-plugin-x", {...})`), resolved
 * with a dynamic import when the cluster file is loaded and checked against the contract. */
export interface PluginByName {
  readonly [PluginInstanceTypeId]: true
  readonly packageName: string
  readonly options: unknown
}

/** What a cluster file may put in a plugin slot of kind `K`. */
export type PluginChoice<K extends PluginKind> = PluginInstance<K> | PluginByName

/** A plugin instance of any one kind. */
export type AnyPluginInstance = { readonly [K in PluginKind]: PluginInstance<K> }[PluginKind]
export type AnyPluginChoice = AnyPluginInstance | PluginByName

export const isPluginChoice = (u: unknown): u is AnyPluginChoice =>
  typeof u === "object" && u !== null && PluginInstanceTypeId in u

export const isPluginByName = (u: AnyPluginChoice): u is PluginByName => "packageName" in u

export interface DefinedPlugin<K extends PluginKind, A, I> extends PluginDefinition<K, A, I> {
  /** Chooses this plugin in a cluster file, with typed options. */
  readonly configure: (options: I) => PluginInstance<K>
}

/** Declares a plugin. An identity for the contract, plus `configure` for typed factories. */
export const definePlugin = <K extends PluginKind, A, I>(definition: PluginDefinition<K, A, I>): DefinedPlugin<K, A, I> => ({
  ...definition,
  configure: (options) => ({ [PluginInstanceTypeId]: true, definition, options })
})

/** The label the host tags a plugin's logs and errors with. */
export const pluginLabel = (d: Pick<PluginDefinition, "kind" | "name">): string => `${d.kind}/${d.name}`
