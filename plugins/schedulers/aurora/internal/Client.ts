/**
 * Runs the `aurora` client: one command at a time, its output collected, bounded by a timeout.
 * A failure names the command line (secret binding values printed as `<redacted>`), the exit code
 * and what the client wrote to stderr.
 */
import { Command, type CommandExecutor } from "@effect/platform"
import { Data, Duration, Effect, Stream } from "effect"

/** The client's exit codes that say "try again later" (network, timeout, API, unknown errors). */
const transient = new Set([7, 9, 10, 20])

/** A failed `aurora` command. */
export class AuroraCommandError extends Data.TaggedError("AuroraCommandError")<{
  /** The command line, secrets redacted. */
  readonly command: string
  readonly exitCode?: number
  /** The last lines the client wrote to stderr (or stdout when stderr was empty), secrets redacted. */
  readonly output: string
  readonly detail: string
}> {
  /** One line: `` `aurora job create ...` exited with 4: Job creation failed due to error: ... ``. */
  get text(): string {
    const what = this.exitCode === undefined ? this.detail : `exited with ${this.exitCode}`
    return `\`${this.command}\` ${what}${this.output === "" ? "" : `: ${this.output}`}`
  }
  get retryable(): boolean {
    return this.exitCode === undefined || transient.has(this.exitCode)
  }
}

/** What a command printed. */
export interface Output {
  readonly stdout: string
  readonly stderr: string
}

export interface ClientOptions {
  readonly client: string
  readonly timeoutMs: number
  /** Values never to print. */
  readonly secrets: ReadonlyArray<string>
}

const text = <E>(s: Stream.Stream<Uint8Array, E>) => s.pipe(Stream.decodeText(), Stream.mkString)

/** A runner of `aurora <args>` that fails unless the client exits 0. */
export const runner = (o: ClientOptions) => {
  const redact = (s: string) => o.secrets.filter((x) => x !== "").reduce((acc, x) => acc.replaceAll(x, "<redacted>"), s)
  const tail = (s: string) => redact(s.trim().split("\n").slice(-6).join(" | ")).slice(-2000)
  return (args: ReadonlyArray<string>): Effect.Effect<Output, AuroraCommandError, CommandExecutor.CommandExecutor> => {
    const command = redact([o.client, ...args].join(" "))
    const failure = (detail: string, exitCode?: number, output = "") =>
      new AuroraCommandError({ command, detail, output, ...(exitCode === undefined ? {} : { exitCode }) })
    return Effect.scoped(Effect.gen(function*() {
      const proc = yield* Command.start(Command.make(o.client, ...args))
      const [stdout, stderr, code] = yield* Effect.all([text(proc.stdout), text(proc.stderr), proc.exitCode], { concurrency: "unbounded" })
      if (code !== 0) return yield* Effect.fail(failure("failed", code, tail(stderr === "" ? stdout : stderr)))
      return { stdout, stderr }
    })).pipe(
      Effect.catchTag("SystemError", "BadArgument", (e) => Effect.fail(failure(`could not be run: ${e.message}`))),
      Effect.timeoutFail({ duration: Duration.millis(o.timeoutMs), onTimeout: () => failure(`did not finish within ${o.timeoutMs} ms`) }),
      Effect.withSpan("aurora", { attributes: { command } })
    )
  }
}
