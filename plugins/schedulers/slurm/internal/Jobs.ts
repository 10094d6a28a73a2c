/**
 * The steps of scheduler operations that talk to Slurm and wait for it: submitting a topology's
 * job (scripts first, then `sbatch`, then `job.json`), cancelling jobs until Slurm has ended them,
 * and restarting container steps until the batch script has started them again.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Clock, Duration, Effect, Option } from "effect"
import type { LaunchRequest } from "../../../../core/Scheduler.js"
import type { Config } from "../Config.js"
import * as Files from "./Files.js"
import { SlurmFailure } from "./Run.js"
import * as Script from "./Script.js"
import type { SlurmClient } from "./Slurm.js"
import { hasEnded, type Job, stateOf } from "./Squeue.js"

const POLL = Duration.millis(250)

/** Polls `probe` every 250 ms until it gives a value; `None` after `timeoutMs`. */
export const pollUntil = <A, E, R>(probe: Effect.Effect<Option.Option<A>, E, R>, timeoutMs: number): Effect.Effect<Option.Option<A>, E, R> =>
  Effect.gen(function*() {
    const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
    for (;;) {
      const found = yield* probe
      if (Option.isSome(found) || (yield* Clock.currentTimeMillis) >= deadline) return found
      yield* Effect.sleep(POLL)
    }
  })

/** True while Slurm has not ended the job (it waits, runs or is completing). */
export const isLive = (job: Job): boolean => !hasEnded(job)

/** The jobs of `squeue --json` that still run for a topology: the recorded one, and any job of
 * the topology's name in its folder (one submitted by a runtime that stopped before recording it). */
export const liveJobs = (slurm: SlurmClient, name: string, dir: string, recorded: Option.Option<number>) =>
  Effect.map(slurm.jobs, (jobs) =>
    jobs.filter((j) =>
      !hasEnded(j) && (Option.contains(recorded, j.job_id) || (j.name === name && j.current_working_directory === dir))
    ))

/** The job of that id, if `squeue` still lists it. */
export const jobById = (slurm: SlurmClient, id: number): Effect.Effect<Option.Option<Job>, SlurmFailure> =>
  Effect.map(slurm.jobs, (jobs) => Option.fromNullable(jobs.find((j) => j.job_id === id)))

/** `scancel` of each job, then waits until Slurm has ended them all (their processes are gone). */
export const cancelJobs = (slurm: SlurmClient, ids: ReadonlyArray<number>, timeoutMs: number) =>
  Effect.gen(function*() {
    if (ids.length === 0) return
    yield* Effect.forEach(ids, (id) => slurm.cancel(String(id)), { discard: true })
    const left = (jobs: ReadonlyArray<Job>) => jobs.filter((j) => ids.includes(j.job_id) && !hasEnded(j))
    const done = yield* pollUntil(Effect.map(slurm.jobs, (jobs) => (left(jobs).length === 0 ? Option.some(true) : Option.none())), timeoutMs)
    if (Option.isNone(done)) {
      const still = left(yield* slurm.jobs).map((j) => `${j.job_id} (${stateOf(j)})`)
      return yield* new SlurmFailure({ message: `job ${still.join(", ")} still not ended ${timeoutMs} ms after scancel`, retryable: true })
    }
  })

/** Writes every container's `launch.sh` and the batch script, submits the job with `sbatch` and
 * records it in `job.json` (cancelling the job if it cannot be recorded). Uninterruptible, so that
 * a job that was submitted is always recorded. Returns the job id. */
export const submit = (slurm: SlurmClient, config: Config, request: LaunchRequest, dir: string) =>
  Effect.gen(function*() {
    yield* writeLaunchScripts(request, request.containers.map((c) => c.index), dir)
    yield* Files.writeText(Files.batchScript(dir), Script.batchScript(request, config, dir), 0o755)
    const jobId = yield* slurm.submit(Script.sbatchArgs(request, config, dir))
    yield* Files.write(dir, { topology: request.topology, jobId, shape: Script.shapeOf(request, config), containers: request.containers }).pipe(
      Effect.tapError(() => Effect.ignore(slurm.cancel(String(jobId))))
    )
    yield* Effect.logInfo(`slurm scheduler: submitted job ${jobId} for ${request.topology.name} (${request.containers.length} containers)`)
    yield* awaitAdmission(slurm, jobId, config.waitTimeoutMs).pipe(
      Effect.tapError(() => cancelJobs(slurm, [jobId], config.waitTimeoutMs).pipe(Effect.zipRight(Files.remove(dir)), Effect.ignore)),
      Effect.mapError((reason) =>
        new SlurmFailure({
          message: `Slurm accepted job ${jobId} of ${request.topology.name} but can never start it: PENDING (${reason}); ` +
            `it asks for ${Script.allocationArgs(request, config).join(" ")}${config.partition === undefined ? "" : ` in partition ${config.partition}`}`,
          retryable: false
        }))
    )
    return jobId
  }).pipe(Effect.uninterruptible)

/** Why a job can never start, as `squeue` says while it holds it PENDING (the limits of the
 * partition or of the account are exceeded). Slurm accepts such jobs unless `EnforcePartLimits` is
 * set, and would keep them queued for ever. */
const hopeless = new Set(["PartitionConfig", "BadConstraints", "PartitionNodeLimit", "PartitionTimeLimit", "InvalidAccount", "InvalidQOS"])

/** Waits until Slurm has looked at a new job: fine once it runs or waits for a reason that can pass
 * (resources, priority); fails with the reason when it can never start. At most a few seconds. */
const awaitAdmission = (slurm: SlurmClient, jobId: number, timeoutMs: number): Effect.Effect<void, string | SlurmFailure> =>
  pollUntil(
    Effect.map(jobById(slurm, jobId), Option.flatMap((j) => {
      const reason = j.state_reason ?? "None"
      return stateOf(j) === "PENDING" && reason === "None" ? Option.none() : Option.some({ state: stateOf(j), reason })
    })),
    Math.min(timeoutMs, 10_000)
  ).pipe(Effect.flatMap(Option.match({
    onNone: () => Effect.void,
    onSome: ({ reason, state }) => (state === "PENDING" && hopeless.has(reason) ? Effect.fail(reason) : Effect.void)
  })))

/** (Re)writes the `launch.sh` of the given containers of a request, and clears their restart marker. */
export const writeLaunchScripts = (request: LaunchRequest, indexes: ReadonlyArray<number>, dir: string) =>
  Effect.forEach(
    request.containers.filter((c) => indexes.includes(c.index)),
    (c) => Files.writeText(Files.launchScript(dir, c.index), Script.launchScript(request.topology, c), 0o755),
    { discard: true }
  )

/**
 * Restarts container steps of a running job: leaves each a `restart` marker (so the batch script
 * starts it again at once), sends SIGTERM to its step, cancels the step outright after
 * `killGraceMs`, then waits until the batch script has started a new step for each. A container
 * that has no step now (between two runs) is started by the batch script anyway.
 */
export const restartSteps = (
  slurm: SlurmClient,
  config: Pick<Config, "killGraceMs" | "waitTimeoutMs">,
  jobId: number,
  dir: string,
  indexes: ReadonlyArray<number>
): Effect.Effect<void, SlurmFailure, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const before = (yield* slurm.steps(jobId)).filter((s) => indexes.includes(s.index))
    if (before.length === 0) return
    yield* Effect.forEach(before, (s) => Files.writeText(Files.restartMarker(dir, s.index), ""), { discard: true })
    yield* Effect.forEach(before, (s) => slurm.cancel(`${jobId}.${s.stepId}`, "TERM"), { discard: true })
    const oldSteps = (steps: ReadonlyArray<{ readonly stepId: number }>) => before.filter((b) => steps.some((s) => s.stepId === b.stepId))
    const gone = (timeoutMs: number) =>
      pollUntil(Effect.map(slurm.steps(jobId), (steps) => (oldSteps(steps).length === 0 ? Option.some(true) : Option.none())), timeoutMs)
    if (Option.isNone(yield* gone(config.killGraceMs))) {
      const left = oldSteps(yield* slurm.steps(jobId))
      yield* Effect.logWarning(`slurm scheduler: step ${left.map((s) => `${jobId}.${s.stepId}`).join(", ")} still runs ${config.killGraceMs} ms after SIGTERM: cancelling it`)
      yield* Effect.forEach(left, (s) => slurm.cancel(`${jobId}.${s.stepId}`).pipe(Effect.ignore), { discard: true })
      if (Option.isNone(yield* gone(config.waitTimeoutMs))) {
        return yield* new SlurmFailure({ message: `job ${jobId}: the steps of container ${left.map((s) => s.index).join(", ")} did not end after scancel`, retryable: true })
      }
    }
    const relaunched = yield* pollUntil(
      Effect.map(slurm.steps(jobId), (steps) =>
        before.every((b) => steps.some((s) => s.index === b.index && s.restarts > b.restarts)) ? Option.some(true) : Option.none()),
      config.waitTimeoutMs
    )
    if (Option.isNone(relaunched)) {
      return yield* new SlurmFailure({
        message: `job ${jobId}: container ${before.map((b) => b.index).join(", ")} stopped but not started again within ${config.waitTimeoutMs} ms; see ${Files.jobOutput(dir)}`,
        retryable: true
      })
    }
  })
