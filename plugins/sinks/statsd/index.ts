/**
 * The built-in `statsd` metrics sink plugin: metrics to a StatsD server through `hot-shots`.
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as StatsdSink from "./StatsdSink.js"

export * as StatsdSink from "./StatsdSink.js"

/** Options of this plugin in a cluster file (same schema as `StatsdSink.StatsdSinkConfig`). */
export const Config = StatsdSink.StatsdSinkConfig
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `statsd` sink. Sends Heron's counters as StatsD counts and the rest as gauges, named
 * `<prefix>.<topology>.<component>.<instance>.<metric>` (or tagged). Its service also has `stats`
 * (sent, errors, skipped). */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "metrics-sink",
  name: "statsd",
  version,
  config: Config,
  layer: (c: Config) => StatsdSink.layer(c)
})

/** Chooses the `statsd` sink in a cluster file, e.g. `statsd({ host: "statsd.internal", port: 8125, prefix: "heron" })`. */
export const statsd = (o: typeof Config.Encoded) => definition.configure(o)
