/**
 * Leadership for stores without sessions (a local directory, memory): the leader is whoever holds
 * the store's exclusive lock at the election's path, taken again and again until it is free (a
 * lock whose holder died is free: the localfs lock takes over stale holders). Leadership then
 * lasts until the stream is interrupted, which releases the lock.
 */
import { Duration, Effect, Schedule, Stream, type Scope } from "effect"
import type { LockError, StateError } from "../StateManager.js"

/** How long one attempt waits for the lock before trying again. */
const ATTEMPT = Duration.seconds(1)

export const leadershipByLock = (
  lock: (path: string, timeout: Duration.DurationInput) => Effect.Effect<void, LockError | StateError, Scope.Scope>,
  path: string
): Stream.Stream<boolean, StateError> =>
  // The lock's scope is the stream's: held while the stream runs, released when it is interrupted.
  Stream.unwrapScoped(
    lock(path, ATTEMPT).pipe(
      Effect.retry({ while: (e) => e._tag === "LockError", schedule: Schedule.spaced("100 millis") }),
      Effect.catchTag("LockError", (e) => Effect.die(e)), // unreachable: retried while it is a LockError
      Effect.as(Stream.concat(Stream.make(true), Stream.never))
    )
  )
