/**
 * The built-in `yarn` scheduler plugin: each topology is one YARN application, submitted through
 * the ResourceManager's REST API, whose application master (Hadoop's DistributedShell) runs one
 * YARN container per Heron container.
 *
 * ```ts
 * export default defineCluster({
 *   scheduler: yarn({ resourceManager: "http://rm.example.com:8088", queue: "heron" }), ...
 * })
 * ```
 */
import { definePlugin } from "../../../core/Plugin.js"
import { Config } from "./Config.js"
import * as YarnScheduler from "./YarnScheduler.js"

export { Config } from "./Config.js"
export * as YarnScheduler from "./YarnScheduler.js"

/** The version of this plugin. */
export const version = "0.1.0"

/** The plugin definition, loaded by name (`scheduler/yarn`) or through {@link yarn}. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "scheduler",
  name: "yarn",
  version,
  config: Config,
  layer: (config: Config) => YarnScheduler.layer(config)
})

/** Chooses the yarn scheduler in a cluster file; only `resourceManager` is required (see {@link Config}). */
export const yarn = (o: typeof Config.Encoded) => definition.configure(o)
