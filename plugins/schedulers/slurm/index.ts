/**
 * The built-in `slurm` scheduler plugin: runs each topology as one Slurm batch job, one task (and
 * job step) per container, through the Slurm client programs (`sbatch`, `squeue`, `scancel`,
 * `scontrol`) of the machine the runtime runs on.
 *
 * ```ts
 * export default defineCluster({
 *   scheduler: slurm({ partition: "stream", timeLimit: "7-00:00:00", workingDirectory: "/shared/heron/jobs" }),
 *   ...
 * })
 * ```
 */
import { definePlugin } from "../../../core/Plugin.js"
import { Config } from "./Config.js"
import * as SlurmScheduler from "./SlurmScheduler.js"

export { Commands, Config } from "./Config.js"
export * as SlurmScheduler from "./SlurmScheduler.js"

/** The version of this plugin. */
export const version = "0.1.0"

/** The plugin definition, loaded by name (`scheduler/slurm`) or through {@link slurm}. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "scheduler",
  name: "slurm",
  version,
  config: Config,
  layer: (config: Config) => SlurmScheduler.layer(config)
})

/** Chooses the Slurm scheduler in a cluster file. Every option is optional (see {@link Config}). */
export const slurm = (o: typeof Config.Encoded) => definition.configure(o)
