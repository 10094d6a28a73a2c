/**
 * The built-in `prometheus` metrics sink plugin: an HTTP endpoint in Prometheus' text format,
 * with Heron's ids as labels (topology, component, instance, ...), never inside metric names.
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as PrometheusSink from "./PrometheusSink.js"

export * as PrometheusSink from "./PrometheusSink.js"

/** Options of this plugin in a cluster file (same schema as `PrometheusSink.PrometheusSinkConfig`). */
export const Config = PrometheusSink.PrometheusSinkConfig
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `prometheus` metrics sink. Serves `path` on `host:port` from `init` to `close`; series not
 * updated for `staleAfterMs` disappear. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "metrics-sink",
  name: "prometheus",
  version,
  config: Config,
  layer: (c: Config) => PrometheusSink.layer(c)
})

/** Chooses the `prometheus` sink in a cluster file, e.g. `prometheus({ port: 9464 })`. */
export const prometheus = (o: typeof Config.Encoded) => definition.configure(o)
