/**
 * The first stage of validating a cluster file: its own keys and the plugin slots (the options of
 * each plugin are decoded by the plugin's own schema in the second stage).
 */
import { Schema } from "effect"
import { isPluginChoice } from "../core/Plugin.js"
import { ApiTokens } from "../core/api/ApiTokens.js"

const Plugin = Schema.declare(isPluginChoice, {
  identifier: "plugin",
  description: "a plugin, e.g. local({...}) or plugin(\"heron-plugin-x\", {...})"
})

const Port = Schema.Int.pipe(Schema.between(0, 65535), Schema.annotations({ identifier: "port (0-65535)" }))
const Positive = Schema.Number.pipe(Schema.positive())

export const ClusterShape = Schema.Struct({
  name: Schema.optional(Schema.String.pipe(
    Schema.pattern(/^[a-z0-9][a-z0-9_-]*$/),
    Schema.annotations({ identifier: "cluster name (lower-case letters, digits, - and _)" })
  )),
  extends: Schema.optional(Schema.Unknown),
  root: Schema.optional(Schema.String),
  tracker: Schema.optionalWith(
    Schema.Struct({
      host: Schema.optionalWith(Schema.String, { default: () => "127.0.0.1" }),
      port: Schema.optionalWith(Port, { default: () => 8888 })
    }),
    { default: () => ({ host: "127.0.0.1", port: 8888 }) }
  ),
  scheduler: Plugin,
  stateManager: Plugin,
  uploader: Plugin,
  sinks: Schema.optionalWith(Schema.Array(Plugin), { default: () => [] }),
  packing: Schema.optionalWith(
    Schema.Struct({
      algorithm: Schema.optionalWith(Schema.Literal("round-robin", "resource-compliant-round-robin"), { default: () => "round-robin" as const }),
      containerLimits: Schema.optional(Schema.Struct({
        cpu: Schema.optional(Positive),
        ram: Schema.optional(Positive),
        disk: Schema.optional(Positive)
      }))
    }),
    { default: () => ({ algorithm: "round-robin" as const }) }
  ),
  metrics: Schema.optionalWith(
    Schema.Struct({
      /** How often instances and stream managers report, and metrics managers flush (seconds). */
      intervalSecs: Schema.optional(Positive),
      /** Limits of each topology's metrics cache (container 0). */
      cache: Schema.optional(Schema.Struct({
        maxSeries: Schema.optional(Schema.Int.pipe(Schema.positive())),
        maxMb: Schema.optional(Positive)
      }))
    }),
    { default: () => ({}) }
  ),
  runtime: Schema.optionalWith(
    Schema.Struct({
      /** Several `heron-runtime` processes may serve this cluster: they elect a leader through the
       * state manager (use ZooKeeper); only the leader supervises, all serve the Tracker. */
      highAvailability: Schema.optionalWith(Schema.Boolean, { default: () => false })
    }),
    { default: () => ({ highAvailability: false }) }
  ),
  topologyDefaults: Schema.optionalWith(
    Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean) }),
    { default: () => ({}) }
  ),
  /** The runtime's API server (`/api/v1/topologies/...`): bearer tokens per role. */
  api: Schema.optionalWith(
    Schema.Struct({ tokens: Schema.optionalWith(ApiTokens, { default: () => ({}) }) }),
    { default: () => ({ tokens: {} }) }
  )
})
export type ClusterShape = typeof ClusterShape.Type
