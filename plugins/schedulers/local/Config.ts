/**
 * Options of the `local` scheduler, as written in a cluster file. Every field is optional; the
 * decoded value carries the defaults except `workingDirectory`, whose default depends on the
 * cluster's data folder (`PluginHost.home`) and is resolved when the layer is built.
 */
import { Schema } from "effect"

const PositiveMillis = Schema.Number.pipe(Schema.int(), Schema.positive())
const NonNegativeMillis = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

export class Config extends Schema.Class<Config>("LocalSchedulerConfig")({
  /** Where each topology gets `<name>/container-<i>/` folders and its `containers.json`.
   * Default: `<PluginHost.home>/topologies`. */
  workingDirectory: Schema.optional(Schema.String.pipe(Schema.nonEmptyString())),
  /** Delay before the first relaunch of a container that exited; doubles on each consecutive relaunch. */
  restartBackoffMs: Schema.optionalWith(PositiveMillis, { default: () => 1000 }),
  /** Upper bound of the relaunch delay. A container that stayed up this long gets its delay reset. */
  maxRestartBackoffMs: Schema.optionalWith(PositiveMillis, { default: () => 30_000 }),
  /** How long `kill`/`restart` wait after SIGTERM before sending SIGKILL to the process group. */
  killGraceMs: Schema.optionalWith(NonNegativeMillis, { default: () => 5000 }),
  /** How often the monitor checks that every container is alive. */
  monitorIntervalMs: Schema.optionalWith(PositiveMillis, { default: () => 500 })
}) {}
