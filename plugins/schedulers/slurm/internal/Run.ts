/**
 * Runs one Slurm client program (`sbatch`, `squeue`, ...) to completion and collects its output.
 * A failure names the command line and carries what the program wrote on stderr.
 */
import { Command, type CommandExecutor } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Data, Duration, Effect, Stream } from "effect"

/** A Slurm operation failed. `retryable` when Slurm said it was busy or unreachable. */
export class SlurmFailure extends Data.TaggedError("SlurmFailure")<{
  readonly message: string
  readonly retryable: boolean
}> {}

/** What a finished program printed. */
export interface Output {
  readonly stdout: string
  readonly stderr: string
}

/** How the programs run. */
export interface RunOptions {
  /** Added to the runtime's environment (e.g. `SLURM_CONF`). */
  readonly env: Readonly<Record<string, string>>
  readonly timeout: Duration.DurationInput
}

/** Slurm's words for a controller it cannot reach or that is too busy to answer now. */
const transient = /timed out|timeout|unable to contact|connection refused|try again|temporarily|busy|not responding|socket/i

/** The command line as a person would type it (for messages). */
export const commandLine = (argv: ReadonlyArray<string>): string =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ")

const collect = (s: Stream.Stream<Uint8Array, PlatformError>) => s.pipe(Stream.decodeText(), Stream.mkString)

/**
 * Runs `argv` and returns its output when it exits with 0. Fails with {@link SlurmFailure}
 * (`<command line> failed (exit N): <stderr>`) on another exit code, when the program cannot be
 * started, or after the timeout (the process is then stopped).
 */
export const run = (argv: readonly [string, ...Array<string>], o: RunOptions): Effect.Effect<Output, SlurmFailure, CommandExecutor.CommandExecutor> => {
  const line = commandLine(argv)
  return Effect.scoped(Effect.gen(function*() {
    const proc = yield* Command.make(argv[0], ...argv.slice(1)).pipe(Command.env(o.env), Command.start)
    const [exit, stdout, stderr] = yield* Effect.all([proc.exitCode, collect(proc.stdout), collect(proc.stderr)], { concurrency: 3 })
    if (exit !== 0) {
      const said = stderr.trim() === "" ? stdout.trim() : stderr.trim()
      return yield* new SlurmFailure({ message: `${line} failed (exit ${exit}): ${said}`, retryable: transient.test(said) })
    }
    return { stdout, stderr }
  })).pipe(
    Effect.catchTags({
      SystemError: (e) => Effect.fail(new SlurmFailure({ message: `${line} could not run: ${e.message}`, retryable: false })),
      BadArgument: (e) => Effect.fail(new SlurmFailure({ message: `${line} could not run: ${e.message}`, retryable: false }))
    }),
    Effect.timeoutFail({
      duration: o.timeout,
      onTimeout: () => new SlurmFailure({ message: `${line} did not finish within ${Duration.format(o.timeout)}`, retryable: true })
    })
  )
}
