/**
 * The scheduler contract, after Heron's `ILauncher` + `IScheduler` + `IScalable`. One contract for
 * every engine: local processes, Kubernetes StatefulSets, Slurm jobs, YARN containers, Aurora tasks.
 * The scheduler only runs containers; what a container runs (the executor) is described by
 * {@link ContainerLaunch}, so engines never need to know Heron's internals.
 */
import { Context, Schema, type Effect, type Option } from "effect"
import { PackingPlan, Resources } from "./model/PackingPlan.js"

/** Identifies a topology to the scheduler. */
export class TopologyRef extends Schema.Class<TopologyRef>("TopologyRef")({
  cluster: Schema.String,
  role: Schema.String,
  environ: Schema.String,
  name: Schema.String,
  id: Schema.String
}) {}

/** How to start one container: its index, the resources it was packed with, and the command.
 * `argv` is run as is on the engine's node (a process, a pod's command, an `srun` step). */
export class ContainerLaunch extends Schema.Class<ContainerLaunch>("ContainerLaunch")({
  index: Schema.Int,
  resources: Resources,
  argv: Schema.NonEmptyArray(Schema.String),
  env: Schema.Record({ key: Schema.String, value: Schema.String })
}) {}

/** Everything a scheduler needs to run a topology. */
export class LaunchRequest extends Schema.Class<LaunchRequest>("LaunchRequest")({
  topology: TopologyRef,
  packingPlan: PackingPlan,
  packageUri: Schema.String,
  containers: Schema.Array(ContainerLaunch)
}) {}

/** What the engine reports of one container. */
export class ContainerStatus extends Schema.Class<ContainerStatus>("ContainerStatus")({
  index: Schema.Int,
  state: Schema.Literal("pending", "running", "exited", "failed", "unknown"),
  /** Engine-specific identity: `pid@starttime`, a pod name, a Slurm job step ... */
  handle: Schema.String,
  restarts: Schema.Int,
  message: Schema.optional(Schema.String)
}) {}

/** The engine refused or failed an operation. `retryable` tells the supervisor to back off and retry. */
export class SchedulerError extends Schema.TaggedError<SchedulerError>()("SchedulerError", {
  op: Schema.String,
  topology: Schema.String,
  message: Schema.String,
  retryable: Schema.Boolean
}) {}

export interface SchedulerService {
  /** Launches every container of the request (Heron's `onSchedule`). Idempotent: containers already
   * running for this topology are adopted, not started twice. */
  readonly schedule: (request: LaunchRequest) => Effect.Effect<void, SchedulerError>
  /** Stops every container of the topology and frees what the engine holds for it (`onKill`).
   * Killing an unknown topology succeeds. Leaves no process, pod or job behind. */
  readonly kill: (topology: TopologyRef) => Effect.Effect<void, SchedulerError>
  /** Restarts one container, or all when `None` (`onRestart(-1)`). */
  readonly restart: (topology: TopologyRef, container: Option.Option<number>) => Effect.Effect<void, SchedulerError>
  /** Moves a running topology to a new plan: starts added containers, stops removed ones, and
   * restarts the ones whose instances changed (`onUpdate`, `IScalable`). */
  readonly update: (request: LaunchRequest) => Effect.Effect<void, SchedulerError>
  /** What the engine says of each container it runs for the topology; empty when none. */
  readonly status: (topology: TopologyRef) => Effect.Effect<ReadonlyArray<ContainerStatus>, SchedulerError>
  /** Links to the engine's own pages for the job (`getJobLinks`). */
  readonly jobLinks: (topology: TopologyRef) => Effect.Effect<ReadonlyArray<string>, SchedulerError>
}

export class Scheduler extends Context.Tag("heron/Scheduler")<Scheduler, SchedulerService>() {}
