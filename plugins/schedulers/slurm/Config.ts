/**
 * Options of the `slurm` scheduler, as written in a cluster file. Every field is optional; the
 * decoded value carries the defaults except `workingDirectory`, whose default depends on the
 * cluster's data folder (`PluginHost.home`) and is resolved when the layer is built.
 */
import { Schema } from "effect"

const PositiveMillis = Schema.Number.pipe(Schema.int(), Schema.positive())
const NonEmpty = Schema.String.pipe(Schema.nonEmptyString())

/** The Slurm client programs the scheduler runs; each is a name looked up on `PATH` or a path. */
export class Commands extends Schema.Class<Commands>("SlurmCommands")({
  sbatch: Schema.optionalWith(NonEmpty, { default: () => "sbatch" }),
  srun: Schema.optionalWith(NonEmpty, { default: () => "srun" }),
  squeue: Schema.optionalWith(NonEmpty, { default: () => "squeue" }),
  scancel: Schema.optionalWith(NonEmpty, { default: () => "scancel" }),
  scontrol: Schema.optionalWith(NonEmpty, { default: () => "scontrol" })
}) {}

export class Config extends Schema.Class<Config>("SlurmSchedulerConfig")({
  /** `--partition` of every job. Default: the cluster's default partition. */
  partition: Schema.optional(NonEmpty),
  /** `--account` of every job. Default: the user's default account. */
  account: Schema.optional(NonEmpty),
  /** `--time` of every job, in any format `sbatch` takes (`7-00:00:00`, `UNLIMITED`, minutes).
   * Default: the partition's. A topology whose job reaches its limit is stopped by Slurm. */
  timeLimit: Schema.optional(NonEmpty),
  /** More `sbatch` arguments, appended after the ones the scheduler sets (so they win), e.g.
   * `["--qos=stream", "--exclusive"]`, or `["--overcommit"]` to place more containers on a node
   * than it has CPUs. */
  extraSbatchArgs: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  /** Where the Slurm programs are. */
  commands: Schema.optionalWith(Commands, { default: () => new Commands({}) }),
  /** `SLURM_CONF` for every Slurm program the scheduler runs (and so for its jobs, which inherit
   * the environment of `sbatch`). Default: the runtime's own environment decides. */
  slurmConf: Schema.optional(NonEmpty),
  /** A folder every node of the cluster sees at the same path (NFS, Lustre): each topology gets
   * `<name>/` there with its batch script, each container's launch script, working folder and log.
   * Default: `<cluster home>/slurm`, which is only right when the cluster home is shared. */
  workingDirectory: Schema.optional(NonEmpty),
  /** Ask Slurm for each container's resources from the packing plan: the job gets one task per
   * container with `--cpus-per-task` (the largest container's cores, rounded up) and
   * `--mem-per-cpu` (enough for the largest container's RAM), and each container's step asks
   * its own cores and `--mem`. Off: only `--ntasks`, and Slurm's defaults for the rest. */
  requestResources: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** Delay before the batch script relaunches a container whose step ended by itself (a crash);
   * doubles on each consecutive relaunch up to `maxRestartBackoffMs`. A restart asked through the
   * scheduler relaunches at once. */
  restartBackoffMs: Schema.optionalWith(PositiveMillis, { default: () => 1000 }),
  /** Upper bound of the relaunch delay; a container that stayed up this long gets it reset. */
  maxRestartBackoffMs: Schema.optionalWith(PositiveMillis, { default: () => 30_000 }),
  /** How long `restart` waits after SIGTERM before cancelling a container's step outright. */
  killGraceMs: Schema.optionalWith(PositiveMillis, { default: () => 10_000 }),
  /** How long `kill` and `restart` wait for Slurm to end a job or step (and to start the new step). */
  waitTimeoutMs: Schema.optionalWith(PositiveMillis, { default: () => 90_000 }),
  /** Longest a single Slurm command may run before it is stopped and reported as failed. */
  commandTimeoutMs: Schema.optionalWith(PositiveMillis, { default: () => 30_000 })
}) {}
