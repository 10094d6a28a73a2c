/**
 * What `squeue` says, decoded: the jobs of `squeue --json` (the fields this scheduler reads) and
 * the steps of `squeue --steps` (text: `squeue --json` lists jobs only).
 *
 * Slurm 22.05 ignores every filter (`--jobs`, `--name`, `--states`) when it prints JSON, and keeps
 * ended jobs listed for `MinJobAge` (300 s by default): jobs are picked out here by id or name and
 * working folder, and their state decides whether they still run.
 */
import { Either, ParseResult, Schema } from "effect"

/** `job_state` is a string up to 22.05 and a list of flags from 23.02 on: both are read. */
const JobState = Schema.Union(Schema.String, Schema.Array(Schema.String))

/** One job of `squeue --json`, reduced to what the scheduler reads. */
export const Job = Schema.Struct({
  job_id: Schema.Int,
  name: Schema.String,
  job_state: JobState,
  state_reason: Schema.optional(Schema.NullOr(Schema.String)),
  current_working_directory: Schema.optional(Schema.NullOr(Schema.String)),
  tasks: Schema.optional(Schema.NullOr(Schema.Number)),
  nodes: Schema.optional(Schema.NullOr(Schema.String))
})
export type Job = typeof Job.Type

const Answer = Schema.parseJson(Schema.Struct({ jobs: Schema.Array(Job) }))

/** The jobs of a `squeue --json` answer, or what is wrong with it. */
export const decodeJobs = (json: string): Either.Either<ReadonlyArray<Job>, string> =>
  Schema.decodeUnknownEither(Answer)(json).pipe(
    Either.map((a) => a.jobs),
    Either.mapLeft((e) => ParseResult.TreeFormatter.formatErrorSync(e).slice(0, 500))
  )

/** The state of a job, e.g. `RUNNING`: the first flag of a list. */
export const stateOf = (job: Job): string => (typeof job.job_state === "string" ? job.job_state : job.job_state[0] ?? "UNKNOWN")

/** States after which nothing of the job runs any more. */
const endedStates = new Set([
  "COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED"
])

/** True once Slurm has ended the job (its processes are gone); `COMPLETING` is not ended yet. */
export const hasEnded = (job: Job): boolean => endedStates.has(stateOf(job))

/** One step of a job that runs a container, from its step name `container-<index>.<restarts>`. */
export interface ContainerStep {
  readonly jobId: number
  readonly stepId: number
  readonly index: number
  readonly restarts: number
}

/** The step name the batch script gives the run number `restarts` of container `index`. */
export const stepName = (index: number, restarts: number): string => `container-${index}.${restarts}`

/** The `--format` that {@link parseSteps} reads: step id and step name. */
export const stepFormat = "%i|%j"

/** The container steps in the output of `squeue --steps --noheader --format=%i|%j`; the batch
 * step and steps of other programs are left out. */
export const parseSteps = (text: string): ReadonlyArray<ContainerStep> =>
  text.split("\n").flatMap((line) => {
    const m = /^(\d+)\.(\d+)\|container-(\d+)\.(\d+)$/.exec(line.trim())
    return m === null ? [] : [{ jobId: Number(m[1]), stepId: Number(m[2]), index: Number(m[3]), restarts: Number(m[4]) }]
  })
