/**
 * The built-in `file` metrics sink plugin: metrics as JSON lines in a bounded set of local files.
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as FileSink from "./FileSink.js"

export * as FileSink from "./FileSink.js"

/** Options of this plugin in a cluster file (same schema as `FileSink.FileSinkConfig`). */
export const Config = FileSink.FileSinkConfig
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `file` metrics sink. Writes one numbered file per flush, keeps `maximumFileCount` of them,
 * and links `filenameOutput` to the latest. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "metrics-sink",
  name: "file",
  version,
  config: Config,
  layer: (c: Config) => FileSink.layer(c)
})

/** Chooses the `file` sink in a cluster file, e.g. `file({ filenameOutput: "~/metrics/{topology}.json" })`. */
export const file = (o: typeof Config.Encoded) => definition.configure(o)
