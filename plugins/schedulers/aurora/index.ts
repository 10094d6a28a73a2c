/**
 * The built-in `aurora` scheduler plugin: each topology is an Apache Aurora service job, one
 * instance per container, written as an Aurora job file and driven through the `aurora` client.
 *
 * ```ts
 * export default defineCluster({
 *   scheduler: aurora({ cluster: "devcluster", role: "www-data", env: "prod" }), ...
 * })
 * ```
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as AuroraScheduler from "./AuroraScheduler.js"
import { Config } from "./Config.js"

export * as AuroraScheduler from "./AuroraScheduler.js"
export { Config } from "./Config.js"

/** The version of this plugin. */
export const version = "0.1.0"

/** The plugin definition, loaded by name (`scheduler/aurora`) or through {@link aurora}. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "scheduler",
  name: "aurora",
  version,
  config: Config,
  layer: (config: Config) => AuroraScheduler.layer(config)
})

/** Chooses the aurora scheduler in a cluster file. Every option is optional (see {@link Config}). */
export const aurora = (o: typeof Config.Encoded) => definition.configure(o)
