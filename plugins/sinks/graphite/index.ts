/**
 * The built-in `graphite` metrics sink plugin: metrics as carbon plaintext lines over TCP.
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as GraphiteSink from "./GraphiteSink.js"

export * as GraphiteSink from "./GraphiteSink.js"

/** Options of this plugin in a cluster file (same schema as `GraphiteSink.GraphiteSinkConfig`). */
export const Config = GraphiteSink.GraphiteSinkConfig
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `graphite` sink. Sends `<prefix>.<topology>.<component>.<instance>.<metric>` lines to
 * carbon, reconnects when carbon restarts and buffers at most `maxBufferedLines` meanwhile. Its
 * service also has `stats` (sent, dropped, errors, skipped, buffered, connected). */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "metrics-sink",
  name: "graphite",
  version,
  config: Config,
  layer: (c: Config) => GraphiteSink.layer(c)
})

/** Chooses the `graphite` sink in a cluster file, e.g. `graphite({ host: "carbon.internal", port: 2003, prefix: "heron" })`. */
export const graphite = (o: typeof Config.Encoded) => definition.configure(o)
