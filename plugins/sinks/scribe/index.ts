/**
 * The built-in `scribe` metrics sink plugin: metrics as JSON messages logged to a scribe server
 * with Thrift (framed transport, binary protocol).
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as ScribeSink from "./ScribeSink.js"

export * as ScribeSink from "./ScribeSink.js"

/** Options of this plugin in a cluster file (same schema as `ScribeSink.ScribeSinkConfig`). */
export const Config = ScribeSink.ScribeSinkConfig
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `scribe` metrics sink. Logs one JSON message per record under `category`, keeps up to
 * `maxBufferedMessages` records while scribe is away or answers TRY_LATER, and retries with backoff. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "metrics-sink",
  name: "scribe",
  version,
  config: Config,
  layer: (c: Config) => ScribeSink.layer(c)
})

/** Chooses the `scribe` sink in a cluster file, e.g. `scribe({ host: "scribe.internal", port: 1463, category: "heron-metrics" })`. */
export const scribe = (o: typeof Config.Encoded) => definition.configure(o)
