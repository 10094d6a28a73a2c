/**
 * Undo steps of a multi-step verb (submit, update): each step that wrote something registers how
 * to undo it; when a later step fails (or the verb is interrupted) every registered undo runs, last
 * first, each even when an earlier one failed, so the same name can be submitted again at once
 * (Heron issue #1669).
 */
import { Cause, Effect, Exit, Option, Ref } from "effect"
import { CommandError } from "./CommandError.js"
import type { Progress } from "./Progress.js"

/** One undo: a label for progress and errors, and the effect. */
interface Undo {
  readonly label: string
  readonly run: Effect.Effect<void, { readonly message: string }>
}

/** Registers undo steps; given to the body of {@link withRollback}. */
export interface Rollback {
  /** Registers `run` to undo the step just done. */
  readonly push: (label: string, run: Effect.Effect<void, { readonly message: string }>) => Effect.Effect<void>
}

/** Runs every undo, last first; returns what could not be undone. */
const runAll = (undos: ReadonlyArray<Undo>, progress: Progress): Effect.Effect<ReadonlyArray<string>> =>
  Effect.forEach([...undos].reverse(), (u) =>
    progress.note(`rolling back: ${u.label}`).pipe(
      Effect.zipRight(u.run),
      Effect.as(Option.none<string>()),
      Effect.catchAll((e) => Effect.succeed(Option.some(`${u.label}: ${e.message}`))),
      // A defect in one undo must not stop the others.
      Effect.catchAllDefect((d) => Effect.succeed(Option.some(`${u.label}: ${String(d)}`)))
    )).pipe(Effect.map((results) => results.flatMap(Option.toArray)))

/**
 * Runs `body`; on failure, defect or interruption runs the undos it registered and ends the same
 * way, the failure's message extended with anything that could not be undone.
 */
export const withRollback = <A, R>(
  progress: Progress,
  body: (rollback: Rollback) => Effect.Effect<A, CommandError, R>
): Effect.Effect<A, CommandError, R> =>
  Effect.gen(function*() {
    const undos = yield* Ref.make<ReadonlyArray<Undo>>([])
    const rollback: Rollback = { push: (label, run) => Ref.update(undos, (us) => [...us, { label, run }]) }
    return yield* Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.exit(restore(body(rollback))), (exit) => {
        if (Exit.isSuccess(exit)) return exit
        return Effect.gen(function*() {
          const registered = yield* Ref.get(undos)
          const left = yield* runAll(registered, progress)
          const failure = Cause.failureOption(exit.cause)
          if (Option.isSome(failure)) {
            return yield* new CommandError({
              message: left.length === 0
                ? registered.length === 0 ? failure.value.message : `${failure.value.message} (rolled back)`
                : `${failure.value.message}; rollback incomplete: ${left.join("; ")}`
            })
          }
          return yield* Effect.failCause(exit.cause)
        })
      })
    )
  })
