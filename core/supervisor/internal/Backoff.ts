/**
 * The supervisors' retry loop: run a step every `interval` while it succeeds; after a failure, log
 * it and wait an exponentially growing delay (capped) before the next try. Never fails: a failing
 * topology (or state manager) is reported and retried, it never takes the runtime down.
 */
import { Cause, Duration, Effect, Either } from "effect"

/** Delays of {@link loop}. */
export interface BackoffOptions {
  /** Between two successful steps. */
  readonly interval: Duration.DurationInput
  /** After the first failure; doubles with each consecutive one. */
  readonly base: Duration.DurationInput
  /** The longest delay. */
  readonly max: Duration.DurationInput
}

/** The delay after the `failures`-th consecutive failure (1-based). */
export const delayAfter = (options: BackoffOptions, failures: number): Duration.Duration =>
  Duration.min(Duration.times(Duration.decode(options.base), 2 ** Math.min(failures - 1, 30)), Duration.decode(options.max))

/** What one step decided: keep going, or stop (the topology is gone). */
export type StepResult = "continue" | "done"

/**
 * Runs `step` until it returns `"done"`. Failures and defects are logged (as warnings, with the
 * attempt number and the next delay) and retried with backoff; a recovery is logged once. After a
 * successful step, `wake` (e.g. a change seen by a watch) runs the next one before `interval` is up.
 */
export const loop = <E extends { readonly message: string }, R>(
  step: Effect.Effect<StepResult, E, R>,
  options: BackoffOptions,
  wake: Effect.Effect<void> = Effect.never
): Effect.Effect<void, never, R> =>
  Effect.gen(function*() {
    let failures = 0
    for (;;) {
      const result = yield* Effect.either(step.pipe(
        Effect.catchAllDefect((d) => Effect.fail({ message: `internal error: ${Cause.pretty(Cause.die(d)).split("\n")[0] ?? String(d)}` }))
      ))
      if (Either.isRight(result)) {
        if (failures > 0) yield* Effect.logInfo(`recovered after ${failures} failed attempt(s)`)
        failures = 0
        if (result.right === "done") return
        yield* Effect.raceFirst(Effect.sleep(options.interval), wake)
      } else {
        failures += 1
        const delay = delayAfter(options, failures)
        yield* Effect.logWarning(`${result.left.message}; retrying in ${Duration.format(delay)}`).pipe(
          Effect.annotateLogs({ attempt: failures })
        )
        yield* Effect.sleep(delay)
      }
    }
  })
