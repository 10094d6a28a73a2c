/**
 * The Slurm commands the scheduler uses, typed: `sbatch` (submit), `squeue --json` (jobs),
 * `squeue --steps` (a job's container steps), `scancel` (jobs and steps), `scontrol show job`.
 */
import type { CommandExecutor } from "@effect/platform"
import { Duration, Effect, Either } from "effect"
import type { Config } from "../Config.js"
import { run, SlurmFailure, type RunOptions } from "./Run.js"
import * as Squeue from "./Squeue.js"

export interface SlurmClient {
  /** `sbatch <args>` (with `--parsable`): the new job's id. */
  readonly submit: (args: ReadonlyArray<string>) => Effect.Effect<number, SlurmFailure>
  /** Every job `squeue --json` lists (it ignores filters: pick by id or name). */
  readonly jobs: Effect.Effect<ReadonlyArray<Squeue.Job>, SlurmFailure>
  /** The container steps of a job that runs; empty when it has none or is not in the queue. */
  readonly steps: (jobId: number) => Effect.Effect<ReadonlyArray<Squeue.ContainerStep>, SlurmFailure>
  /** `scancel [--signal=S] <target>`, target a job id or `<job>.<step>`. */
  readonly cancel: (target: string, signal?: string) => Effect.Effect<void, SlurmFailure>
  /** `scontrol show job <id>`: Slurm's own description of the job. */
  readonly showJob: (jobId: number) => Effect.Effect<string, SlurmFailure>
}

/** Slurm's answer when a job id is no longer (or not yet) in the controller's memory. */
const unknownJob = /invalid job id/i

/** The client for a cluster file's options; every program runs with `SLURM_CONF` when it is set. */
export const make = (config: Config): Effect.Effect<SlurmClient, never, CommandExecutor.CommandExecutor> =>
  Effect.gen(function*() {
    const executor = yield* Effect.context<CommandExecutor.CommandExecutor>()
    const options: RunOptions = {
      env: config.slurmConf === undefined ? {} : { SLURM_CONF: config.slurmConf },
      timeout: Duration.millis(config.commandTimeoutMs)
    }
    const c = config.commands
    const exec = (argv: readonly [string, ...Array<string>]) => run(argv, options).pipe(Effect.provide(executor))

    const submit = (args: ReadonlyArray<string>) =>
      exec([c.sbatch, ...args]).pipe(Effect.flatMap(({ stdout }) => {
        // `--parsable` prints `<id>` or `<id>;<cluster>`.
        const id = Number(stdout.trim().split(";")[0])
        return Number.isSafeInteger(id) && id > 0
          ? Effect.succeed(id)
          : Effect.fail(new SlurmFailure({ message: `${c.sbatch} printed no job id: ${JSON.stringify(stdout.slice(0, 200))}`, retryable: false }))
      }))

    const jobs = exec([c.squeue, "--json"]).pipe(Effect.flatMap(({ stdout }) =>
      Either.match(Squeue.decodeJobs(stdout), {
        onLeft: (problem) => Effect.fail(new SlurmFailure({ message: `${c.squeue} --json printed what is not a job list: ${problem}`, retryable: false })),
        onRight: Effect.succeed
      })))

    const steps = (jobId: number) =>
      exec([c.squeue, "--steps", "--noheader", `--jobs=${jobId}`, `--format=${Squeue.stepFormat}`]).pipe(
        Effect.map(({ stdout }) => Squeue.parseSteps(stdout).filter((s) => s.jobId === jobId)),
        Effect.catchIf((e) => unknownJob.test(e.message), () => Effect.succeed([]))
      )

    const cancel = (target: string, signal?: string) =>
      exec([c.scancel, ...(signal === undefined ? [] : [`--signal=${signal}`]), target]).pipe(Effect.asVoid)

    const showJob = (jobId: number) => exec([c.scontrol, "show", "job", String(jobId)]).pipe(Effect.map(({ stdout }) => stdout))

    return { submit, jobs, steps, cancel, showJob } satisfies SlurmClient
  })

/** Checks that a Slurm program can run at all (`<program> --version`), for a clear start-up error. */
export const probe = (program: string, config: Config): Effect.Effect<string, SlurmFailure, CommandExecutor.CommandExecutor> =>
  run([program, "--version"], {
    env: config.slurmConf === undefined ? {} : { SLURM_CONF: config.slurmConf },
    timeout: Duration.millis(config.commandTimeoutMs)
  }).pipe(Effect.map(({ stdout }) => stdout.trim()))
