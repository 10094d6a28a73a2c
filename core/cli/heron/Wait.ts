/**
 * Polling the state manager until something holds: the topology runs, is gone, follows a new plan.
 * Every change of what is observed is reported once, so a slow start shows its progress.
 */
import { Clock, Duration, Effect, Either } from "effect"
import { CommandError } from "./CommandError.js"
import type { Progress } from "./Progress.js"

/** Options of {@link until}. */
export interface WaitOptions {
  /** What is awaited, for the timeout message, e.g. "the topology to run". */
  readonly what: string
  readonly timeout: Duration.DurationInput
  /** Default 250 ms. */
  readonly every?: Duration.DurationInput
  readonly progress: Progress
}

/**
 * Runs `check` until it returns `Right`; a `Left` is what is observed meanwhile (reported when it
 * changes). Fails with {@link CommandError} after `timeout`, naming the last observation.
 */
export const until = <A, E extends { readonly message: string }>(
  check: Effect.Effect<Either.Either<A, string>, E>,
  options: WaitOptions
): Effect.Effect<A, CommandError> =>
  Effect.gen(function*() {
    const timeout = Duration.decode(options.timeout)
    const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(timeout)
    let last = ""
    for (;;) {
      const observed = yield* check.pipe(
        Effect.catchAll((e) => Effect.succeed(Either.left(`cannot read the state: ${e.message}`)))
      )
      if (Either.isRight(observed)) return observed.right
      if (observed.left !== last) {
        last = observed.left
        yield* options.progress.note(last)
      }
      if ((yield* Clock.currentTimeMillis) >= deadline) {
        return yield* new CommandError({ message: `gave up waiting for ${options.what} after ${Duration.format(timeout)}: ${last}` })
      }
      yield* Effect.sleep(options.every ?? "250 millis")
    }
  })
