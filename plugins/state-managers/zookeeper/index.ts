/**
 * The `zookeeper` state manager: Heron's state in ZooKeeper, shared by every host of a cluster.
 * Locations (TManager, metrics cache, scheduler, runtime) are ephemeral nodes of the runtime's
 * session; the Tracker and the supervisors follow ZooKeeper watches; update locks and leader
 * election are ZooKeeper's recipes.
 *
 * ```ts
 * import { env } from "heron-runtime/dsl"
 * import { zookeeper } from "heron-runtime/plugins/state-managers/zookeeper"
 * export default defineCluster({
 *   stateManager: zookeeper({
 *     connectionString: "zk1:2181,zk2:2181,zk3:2181",
 *     root: "/heron",
 *     auth: { scheme: "digest", credentials: env("HERON_ZK_AUTH") }   // "user:password"
 *   }),
 *   ...
 * })
 * ```
 */
import { Effect, Layer, Schema } from "effect"
import { definePlugin, PluginError, pluginLabel } from "../../../core/Plugin.js"
import { StateManager } from "../../../core/StateManager.js"
import { makeStateManager } from "../../../core/state/makeStateManager.js"
import { VERSION } from "../../../core/version.js"
import { invalidPath } from "./internal/Nodes.js"
import * as ZkStore from "./ZkStore.js"

export * as ZkStore from "./ZkStore.js"

/** The version of this plugin (the runtime's). */
export const version = VERSION

/** `host:port` pairs separated by commas, as every ZooKeeper client takes them. */
const ConnectionString = Schema.NonEmptyTrimmedString.pipe(
  Schema.pattern(/^[^,\s:/]+:\d{1,5}(,[^,\s:/]+:\d{1,5})*$/, {
    message: () => `expected "host:port[,host:port...]"`
  })
)

const Root = Schema.String.pipe(
  Schema.filter((root) => {
    const why = invalidPath(root)
    return why === undefined && (root === "/" || !root.endsWith("/")) ? undefined : `expected an absolute ZooKeeper path such as "/heron" (this one ${why ?? "ends with '/'"})`
  })
)

/** Digest credentials `user:password`. Decoded into a `Redacted`, so the value never shows in
 * logs, printed definitions or errors (a failed check does not print it either). */
const Credentials = Schema.Redacted(
  Schema.String.pipe(Schema.filter((s) => /^[^:]+:.+$/.test(s), { message: () => `expected "user:password" (value hidden)` }))
)

/** Options of the `zookeeper` state manager, as written in a cluster file. */
export const Config = Schema.Struct({
  /** The ensemble, `host:port[,host:port...]`. */
  connectionString: ConnectionString,
  /** The node under which Heron's layout lives (`/topologies`, `/pplans`, `/locks`, ...).
   * Default `/heron`. Created if missing. */
  root: Schema.optional(Root),
  /** The session timeout asked of the server (it grants one between its minimum and maximum,
   * by default 2 and 20 ticks). Ephemeral locations of a dead process go this long after it
   * died. Default 30000. */
  sessionTimeoutMs: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** How long connecting at start, and each operation while the connection is lost, may wait for
   * ZooKeeper before failing. Default 15000. */
  connectTimeoutMs: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** Authenticate with ZooKeeper's digest scheme. The nodes the runtime creates then carry a
   * creator-only ACL: only clients with the same credentials can read or change them. */
  // `exact`: no "or undefined" branch, whose failure message would print the given object.
  auth: Schema.optionalWith(Schema.Struct({
    scheme: Schema.Literal("digest"),
    /** `user:password`; give it as `env("NAME")` so that it stays out of the cluster file. */
    credentials: Credentials
  }), { exact: true })
})
export type Config = typeof Config.Type

const label = pluginLabel({ kind: "state-manager", name: "zookeeper" })

/** The store options of a decoded config. */
export const storeOptions = (config: Config): ZkStore.ZkStoreOptions => ({
  connectionString: config.connectionString,
  ...(config.root === undefined ? {} : { root: config.root }),
  ...(config.sessionTimeoutMs === undefined ? {} : { sessionTimeout: config.sessionTimeoutMs }),
  ...(config.connectTimeoutMs === undefined ? {} : { operationTimeout: config.connectTimeoutMs }),
  ...(config.auth === undefined ? {} : { digest: config.auth.credentials })
})

/** The StateManager over ZooKeeper. Fails with `PluginError` naming the ensemble when it cannot be
 * reached within `connectTimeoutMs`; the session is closed at shutdown, which removes this
 * process's ephemeral locations at once. */
export const layer = (config: Config): Layer.Layer<StateManager, PluginError> =>
  Layer.scoped(
    StateManager,
    Effect.gen(function* () {
      const store = yield* ZkStore.make(storeOptions(config)).pipe(
        Effect.mapError((e) => new PluginError({ plugin: label, message: e.message }))
      )
      yield* Effect.logDebug(`${label}: state in ${config.connectionString} under ${config.root ?? "/heron"}`)
      return makeStateManager(store)
    })
  )

/** The `zookeeper` plugin, as loaded by name. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "state-manager",
  name: "zookeeper",
  version,
  config: Config,
  layer
})

/** Chooses the `zookeeper` state manager in a cluster file. */
export const zookeeper = (options: typeof Config.Encoded) => definition.configure(options)
