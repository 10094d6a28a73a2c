/**
 * The built-in `local` scheduler plugin: runs each container of a topology as one process on this
 * machine (Linux), relaunches the ones that exit, and kills whole process groups so no orphan is left.
 *
 * ```ts
 * export default defineCluster({ scheduler: local({ killGraceMs: 2000 }), ... })
 * ```
 */
import { definePlugin } from "../../../core/Plugin.js"
import { Config } from "./Config.js"
import * as LocalScheduler from "./LocalScheduler.js"

export { Config } from "./Config.js"
export * as LocalScheduler from "./LocalScheduler.js"

/** The version of this plugin. */
export const version = "0.1.0"

/** The plugin definition, loaded by name (`scheduler/local`) or through {@link local}. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "scheduler",
  name: "local",
  version,
  config: Config,
  layer: (config: Config) => LocalScheduler.layer(config)
})

/** Chooses the local scheduler in a cluster file. Every option is optional (see {@link Config}). */
export const local = (o: typeof Config.Encoded) => definition.configure(o)
