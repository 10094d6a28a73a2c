/**
 * The `localfs` state manager: Heron's state in a directory of the local machine. Safe for several
 * processes of one host (the runtime, the CLI, executors); for several hosts use `zookeeper`.
 *
 * ```ts
 * import { localfs } from "heron-runtime/plugins/state-managers/localfs"
 * export default defineCluster({ stateManager: localfs({ root: "~/.herondata/state/local" }), ... })
 * ```
 */
import { FileSystem, Path } from "@effect/platform"
import { Duration, Effect, Layer, Schema } from "effect"
import * as os from "node:os"
import { definePlugin, PluginError, PluginHost, pluginLabel } from "../../../core/Plugin.js"
import { VERSION } from "../../../core/version.js"
import { StateManager } from "../../../core/StateManager.js"
import { makeStateManager } from "../../../core/state/makeStateManager.js"
import { scratchName } from "./internal/Files.js"
import * as LocalFsStore from "./LocalFsStore.js"

export * as LocalFsStore from "./LocalFsStore.js"

/** The version of this plugin (the runtime's). */
export const version = VERSION

/** Options of the `localfs` state manager, as written in a cluster file. */
export const Config = Schema.Struct({
  /** The state directory. Default `<cluster home>/state`. A leading `~` is the user's home
   * directory; a relative path is relative to the cluster home. Created if missing. */
  root: Schema.optional(Schema.NonEmptyTrimmedString),
  /** How often (milliseconds) watches re-read their node as a safety net for missed filesystem
   * events and for owners of ephemeral nodes that died. Default 1000. */
  pollIntervalMs: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
export type Config = typeof Config.Type

const label = pluginLabel({ kind: "state-manager", name: "localfs" })

/** The absolute state directory for `root` (see {@link Config}), given the cluster home. */
export const resolveRoot = (path: Path.Path, home: string, root: string | undefined): string => {
  const given = root ?? "state"
  const expanded = given === "~" ? os.homedir() : given.startsWith("~/") ? path.join(os.homedir(), given.slice(2)) : given
  return path.resolve(home, expanded)
}

/** Creates the state directory and proves it writable with a scratch file. */
const prepareRoot = (fs: FileSystem.FileSystem, path: Path.Path, root: string) =>
  fs.makeDirectory(root, { recursive: true }).pipe(
    Effect.mapError((e) => new PluginError({ plugin: label, message: `cannot create state directory ${root}: ${e.message}` })),
    Effect.zipRight(
      Effect.gen(function* () {
        const probe = path.join(root, scratchName(process.pid))
        yield* fs.writeFile(probe, new Uint8Array(0), { flag: "wx" })
        yield* fs.remove(probe)
      }).pipe(
        Effect.mapError((e) => new PluginError({ plugin: label, message: `state directory ${root} is not writable: ${e.message}` }))
      )
    )
  )

/** The StateManager over a state directory. Fails with `PluginError` naming the directory when it
 * cannot be created or written. Ephemeral nodes written through it are removed at shutdown. */
export const layer = (config: Config): Layer.Layer<StateManager, PluginError, PluginHost | FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(
    StateManager,
    Effect.gen(function* () {
      const host = yield* PluginHost
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const root = resolveRoot(path, host.home, config.root)
      yield* prepareRoot(fs, path, root)
      const store = yield* LocalFsStore.make({
        root,
        ...(config.pollIntervalMs === undefined ? {} : { pollInterval: Duration.millis(config.pollIntervalMs) })
      })
      yield* Effect.logDebug(`${label}: state in ${root}`)
      return makeStateManager(store)
    })
  )

/** The `localfs` plugin, as loaded by name. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "state-manager",
  name: "localfs",
  version,
  config: Config,
  layer
})

/** Chooses the `localfs` state manager in a cluster file. */
export const localfs = (options: typeof Config.Encoded) => definition.configure(options)
