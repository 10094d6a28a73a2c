/**
 * The `slurm` scheduler: a topology is one Slurm batch job with one task per container, each
 * container one job step (`srun`) that the batch script starts again when it ends (see
 * `internal/Script.ts`). `sbatch` submits, `squeue --json` (jobs) and `squeue --steps` (steps)
 * observe, `scancel` stops jobs and steps. The job id and each container's launch are kept in
 * `<workingDirectory>/<topology>/job.json`, on storage every node sees, so a runtime started later
 * (or a standby that takes over) adopts the job instead of submitting it twice.
 *
 * Restarting a container signals its step and lets the batch script start it again, inside the
 * same job: steps that the runtime would launch itself (`srun --jobid`) would live and die with
 * the runtime's machine. An update that keeps the job's size (only what containers run changed)
 * rewrites their launch scripts and restarts their steps; one that changes it (containers added,
 * removed or resized) cancels the job and submits a new one, since a Slurm job cannot grow.
 *
 * Containers fetch their package through the cluster's uploader and register through its state
 * manager, as on every cluster: the job only runs the executor.
 */
import { FileSystem, Path } from "@effect/platform"
import type { CommandExecutor } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import { pathToFileURL } from "node:url"
import { PluginError, PluginHost } from "../../../core/Plugin.js"
import { type LaunchRequest, Scheduler, SchedulerError, type SchedulerService, type TopologyRef } from "../../../core/Scheduler.js"
import type { Config } from "./Config.js"
import * as Files from "./internal/Files.js"
import * as Jobs from "./internal/Jobs.js"
import { SlurmFailure } from "./internal/Run.js"
import * as Script from "./internal/Script.js"
import * as Slurm from "./internal/Slurm.js"
import { stateOf } from "./internal/Squeue.js"
import { containerStatuses } from "./internal/Status.js"

const label = "scheduler/slurm"

/** Refuses a request Slurm could not run as asked: duplicate indexes, env names a shell cannot export. */
const validate = (request: LaunchRequest): Effect.Effect<void, SlurmFailure> => {
  const indexes = request.containers.map((c) => c.index)
  if (new Set(indexes).size !== indexes.length) {
    return Effect.fail(new SlurmFailure({ message: `duplicate container index in ${indexes.join(",")}`, retryable: false }))
  }
  const bad = request.containers.flatMap((c) => Object.keys(c.env).filter((k) => !Script.isEnvName(k)))
  return bad.length === 0
    ? Effect.void
    : Effect.fail(new SlurmFailure({ message: `environment names a shell cannot export: ${bad.map((k) => JSON.stringify(k)).join(", ")}`, retryable: false }))
}

const sameEnv = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v)

/** Builds the service: checks that `sbatch` runs and creates the working directory. */
export const make = (config: Config) =>
  Effect.gen(function*() {
    const host = yield* PluginHost
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = path.resolve(host.home, config.workingDirectory ?? "slurm")
    const version = yield* Slurm.probe(config.commands.sbatch, config).pipe(
      Effect.mapError((e) => new PluginError({ plugin: label, message: e.message }))
    )
    yield* fs.makeDirectory(root, { recursive: true }).pipe(
      Effect.mapError((e) => new PluginError({ plugin: label, message: `cannot create working directory ${root}: ${e.message}` }))
    )
    yield* Effect.logDebug(`${label}: ${version}; jobs in ${root}`)
    const slurm = yield* Slurm.make(config)
    // One operation at a time: a kill never races a submit or a restart of the same topology.
    const lock = yield* Effect.makeSemaphore(1)

    /** Runs an operation on a topology's folder; the ones that change something hold the lock
     * (`status` and `jobLinks` only read, and do not wait behind a restart). */
    const operation = <A>(
      op: string,
      topology: TopologyRef,
      body: (dir: string) => Effect.Effect<A, SlurmFailure, FileSystem.FileSystem | Path.Path>,
      locked = true
    ) =>
      Files.validateName(topology.name).pipe(
        Effect.flatMap((name) => body(path.join(root, name))),
        (e) => (locked ? lock.withPermits(1)(e) : e),
        Effect.provideService(FileSystem.FileSystem, fs),
        Effect.provideService(Path.Path, path),
        Effect.mapError((e) => new SchedulerError({ op, topology: topology.name, message: e.message, retryable: e.retryable })),
        Effect.annotateLogs({ topology: topology.name }),
        Effect.withSpan(`SlurmScheduler.${op}`, { attributes: { topology: topology.name } })
      )

    const recorded = (stored: Option.Option<Files.StoredJob>) => Option.map(stored, (s) => s.jobId)

    /** Cancels whatever still runs for the topology, then submits the request as a new job. */
    const replace = (request: LaunchRequest, dir: string, stored: Option.Option<Files.StoredJob>) =>
      Effect.gen(function*() {
        const live = yield* Jobs.liveJobs(slurm, request.topology.name, dir, recorded(stored))
        if (live.length > 0) {
          yield* Effect.logInfo(`slurm scheduler: cancelling job ${live.map((j) => j.job_id).join(", ")} of ${request.topology.name} before submitting anew`)
          yield* Jobs.cancelJobs(slurm, live.map((j) => j.job_id), config.waitTimeoutMs)
        }
        return yield* Jobs.submit(slurm, config, request, dir)
      })

    /** The recorded job while Slurm has not ended it (it waits, runs or completes). */
    const liveJob = (stored: Option.Option<Files.StoredJob>) =>
      Option.match(stored, {
        onNone: () => Effect.succeedNone,
        onSome: (s) => Effect.map(Jobs.jobById(slurm, s.jobId), Option.filter((j) => Jobs.isLive(j)))
      })

    const schedule = (request: LaunchRequest) =>
      operation("schedule", request.topology, (dir) =>
        Effect.gen(function*() {
          yield* validate(request)
          const stored = yield* Files.read(dir)
          const job = yield* liveJob(stored)
          if (Option.isSome(job)) {
            yield* Effect.logInfo(`slurm scheduler: adopted job ${job.value.job_id} of ${request.topology.name} (${stateOf(job.value)})`)
            return
          }
          yield* replace(request, dir, stored)
        }))

    const update = (request: LaunchRequest) =>
      operation("update", request.topology, (dir) =>
        Effect.gen(function*() {
          yield* validate(request)
          const stored = yield* Files.read(dir)
          const job = yield* liveJob(stored)
          if (Option.isNone(stored) || Option.isNone(job) || stored.value.shape !== Script.shapeOf(request, config)) {
            yield* replace(request, dir, stored)
            return
          }
          const before = stored.value
          const changed = request.containers
            .filter((c) => {
              const old = before.containers.find((o) => o.index === c.index)
              return old === undefined || old.argv.join("\0") !== c.argv.join("\0") || !sameEnv(old.env, c.env)
            })
            .map((c) => c.index)
          yield* Jobs.writeLaunchScripts(request, changed, dir)
          yield* Files.write(dir, { ...before, topology: request.topology, containers: request.containers })
          if (changed.length > 0 && stateOf(job.value) === "RUNNING") {
            yield* Effect.logInfo(`slurm scheduler: restarting container ${changed.join(", ")} of ${request.topology.name} in job ${before.jobId}`)
            yield* Jobs.restartSteps(slurm, config, before.jobId, dir, changed)
          }
        }))

    const service: SchedulerService = {
      schedule,
      update,

      kill: (topology) =>
        operation("kill", topology, (dir) =>
          Effect.gen(function*() {
            const stored = yield* Files.read(dir)
            const live = yield* Jobs.liveJobs(slurm, topology.name, dir, recorded(stored))
            yield* Jobs.cancelJobs(slurm, live.map((j) => j.job_id), config.waitTimeoutMs)
            yield* Files.remove(dir)
            if (live.length > 0) yield* Effect.logInfo(`slurm scheduler: cancelled job ${live.map((j) => j.job_id).join(", ")} of ${topology.name}`)
          })),

      restart: (topology, container) =>
        operation("restart", topology, (dir) =>
          Effect.gen(function*() {
            const stored = yield* Files.read(dir)
            if (Option.isNone(stored)) {
              return yield* new SlurmFailure({ message: `topology ${topology.name} is not scheduled on Slurm (no ${Files.record(dir)})`, retryable: false })
            }
            const { containers, jobId } = stored.value
            if (Option.isSome(container) && !containers.some((c) => c.index === container.value)) {
              return yield* new SlurmFailure({ message: `topology ${topology.name} has no container ${container.value}`, retryable: false })
            }
            const job = yield* Jobs.jobById(slurm, jobId)
            if (Option.isNone(job) || !Jobs.isLive(job.value)) {
              const state = Option.match(job, { onNone: () => "no longer known to Slurm", onSome: (j) => `ended (${stateOf(j)})` })
              return yield* new SlurmFailure({ message: `job ${jobId} of ${topology.name} is ${state}: nothing to restart`, retryable: false })
            }
            // A job that waits for resources has started nothing yet: there is nothing to restart.
            if (stateOf(job.value) !== "RUNNING") return
            const indexes = Option.match(container, { onNone: () => containers.map((c) => c.index), onSome: (i) => [i] })
            yield* Jobs.restartSteps(slurm, config, jobId, dir, indexes)
          })),

      status: (topology) =>
        operation("status", topology, (dir) =>
          Effect.gen(function*() {
            const stored = yield* Files.read(dir)
            if (Option.isNone(stored)) return []
            const job = yield* Jobs.jobById(slurm, stored.value.jobId)
            const running = Option.exists(job, (j) => stateOf(j) === "RUNNING")
            const steps = running ? yield* slurm.steps(stored.value.jobId) : []
            return containerStatuses(stored.value, job, steps)
          }), false),

      jobLinks: (topology) =>
        operation("jobLinks", topology, (dir) =>
          Effect.gen(function*() {
            const stored = yield* Files.read(dir)
            if (Option.isNone(stored)) return [pathToFileURL(dir).href]
            const { containers, jobId } = stored.value
            // `scontrol show job` as a file next to the logs: the job id in its name, Slurm's own words inside.
            const details = yield* slurm.showJob(jobId).pipe(Effect.catchAll((e) => Effect.succeed(`${e.message}\n`)))
            yield* Files.writeText(Files.jobDetails(dir, jobId), details)
            return [
              Files.jobDetails(dir, jobId),
              Files.jobOutput(dir),
              ...[...containers].sort((a, b) => a.index - b.index).map((c) => Files.containerLog(dir, c.index))
            ].map((f) => pathToFileURL(f).href)
          }), false)
    }
    return Scheduler.of(service)
  })

/** The `slurm` scheduler as a layer. Fails with `PluginError` when `sbatch` cannot run or the
 * working directory cannot be created. Closing it leaves the jobs running. */
export const layer = (
  config: Config
): Layer.Layer<Scheduler, PluginError, PluginHost | FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor> =>
  Layer.effect(Scheduler, make(config))
