/**
 * Cross-process locks on files.
 *
 * A lock is a node file whose header names its holder (pid, start time, host, unique token) and
 * whose payload is empty. It is taken by exclusive creation ({@link createExclusive}): exactly one
 * contender succeeds. The others wait with a jittered backoff until the file is gone or its holder
 * is dead, until the deadline.
 *
 * Breaking a stale lock must not remove a *newer* lock taken meanwhile. Only two kinds of actors
 * ever remove a lock file: its live holder (on release) and a breaker of that exact stale content.
 * A breaker first creates a guard file named after a hash of the stale content (again by exclusive
 * creation, so one breaker per stale lock), re-reads the lock and removes it only if it still holds
 * those bytes. Tokens are unique, so once stale bytes are gone they never come back, and a late
 * breaker finds different bytes and leaves them alone. A guard whose own holder died is broken by
 * the same rule, one level up.
 */
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Duration, Effect, Either, Option, Random, type Scope } from "effect"
import { createHash } from "node:crypto"
import { LockError, StateError } from "../../../../core/StateManager.js"
import { createExclusive, type Env, readIfExists, removeIfSame } from "./Files.js"
import * as NodeFile from "./NodeFile.js"
import { newOwner, type Owner } from "./Owner.js"

/** A lock file that cannot be parsed is taken for one being written (only possible where hard links
 * are unsupported) until it is this old; after that it is stale. */
const UNPARSEABLE_GRACE_MS = 5_000
/** How many levels of dead breakers to clear in one attempt. */
const MAX_BREAK_DEPTH = 4

type Holder =
  | { readonly _tag: "Alive"; readonly owner: Option.Option<Owner> }
  | { readonly _tag: "Stale"; readonly bytes: Uint8Array }
  | { readonly _tag: "Gone" }

/** Who holds `file` now, and whether they still count. */
const inspect = (env: Env, file: string) =>
  Effect.gen(function* () {
    const bytes = yield* readIfExists(env.fs, file)
    if (Option.isNone(bytes)) return { _tag: "Gone" } satisfies Holder
    const decoded = NodeFile.decode(bytes.value)
    if (Either.isRight(decoded) && Option.isSome(decoded.right.owner)) {
      const owner = decoded.right.owner.value
      return (yield* env.isAlive(owner))
        ? ({ _tag: "Alive", owner: Option.some(owner) } satisfies Holder)
        : ({ _tag: "Stale", bytes: bytes.value } satisfies Holder)
    }
    const info = yield* env.fs.stat(file)
    // mtime is wall-clock time set by the kernel, so it is compared with the wall clock.
    const age = Date.now() - Option.getOrElse(Option.map(info.mtime, (d) => d.getTime()), () => 0)
    return age > UNPARSEABLE_GRACE_MS
      ? ({ _tag: "Stale", bytes: bytes.value } satisfies Holder)
      : ({ _tag: "Alive", owner: Option.none() } satisfies Holder)
  }).pipe(Effect.catchTag("SystemError", (e) => (e.reason === "NotFound" ? Effect.succeed<Holder>({ _tag: "Gone" }) : Effect.fail(e))))

/** The guard a breaker of the stale content `stale` of `file` creates (exported for tests). */
export const guardName = (env: Pick<Env, "path">, file: string, stale: Uint8Array): string =>
  env.path.join(
    env.path.dirname(file),
    `.break-${createHash("sha256").update(env.path.basename(file)).update("\0").update(stale).digest("hex").slice(0, 40)}`
  )

/** Removes `file` if it still holds `stale`, unless another live breaker is already at it.
 * `true` when this call ran the break (the stale bytes are gone now, whoever removed them). */
const breakStale = (env: Env, file: string, stale: Uint8Array, depth: number): Effect.Effect<boolean, PlatformError> =>
  Effect.gen(function* () {
    const guard = guardName(env, file, stale)
    const mine = NodeFile.encode(new Uint8Array(0), Option.some(yield* newOwner(env.self)))
    if (yield* createExclusive(env, guard, mine)) {
      const releaseGuard = removeIfSame(env, guard, mine).pipe(
        Effect.catchAll((e) => Effect.logWarning(`localfs: could not remove guard ${guard}: ${e.message}`))
      )
      yield* removeIfSame(env, file, stale).pipe(Effect.ensuring(releaseGuard))
      return true
    }
    if (depth >= MAX_BREAK_DEPTH) return false
    const other = yield* inspect(env, guard)
    // The guard's breaker died mid-break: clear its guard; the next attempt breaks the lock itself.
    if (other._tag === "Stale") yield* breakStale(env, guard, other.bytes, depth + 1)
    return false
  }).pipe(Effect.uninterruptible)

const describe = (holder: Holder): string => {
  switch (holder._tag) {
    case "Alive":
      return Option.match(holder.owner, {
        onNone: () => "is being taken by another process",
        onSome: (o) => `is held by pid ${o.pid} on ${o.host}`
      })
    case "Stale":
      return "is held by a dead process and could not be broken yet"
    case "Gone":
      return "kept changing hands"
  }
}

/** The topology of a Heron lock path (`/locks/<topology>__updateTopology`), else the path. */
const lockSubject = (nodePath: string): string => {
  const match = /^\/locks\/(.+)__updateTopology$/.exec(nodePath)
  return match?.[1] ?? nodePath
}

/**
 * Takes the lock `file` (node `nodePath`) for the enclosing scope; it is removed when the scope
 * closes. Waits up to `timeout`, then fails with `LockError`. Not reentrant: a second take in the
 * same process waits like any other contender.
 */
export const acquire = (
  env: Env,
  nodePath: string,
  file: string,
  timeout: Duration.DurationInput
): Effect.Effect<void, LockError | StateError, Scope.Scope> =>
  Effect.gen(function* () {
    const mine = NodeFile.encode(new Uint8Array(0), Option.some(yield* newOwner(env.self)))
    const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(Duration.decode(timeout))
    const release = removeIfSame(env, file, mine).pipe(
      Effect.catchAll((e) => Effect.logWarning(`localfs: could not release lock ${file}: ${e.message}`))
    )

    // One attempt is uninterruptible and registers the release in the same step, so an interrupted
    // or timed-out caller can never leave a lock file behind.
    const attempt = Effect.uninterruptible(
      Effect.gen(function* () {
        if (yield* createExclusive(env, file, mine)) {
          yield* Effect.addFinalizer(() => release)
          return Option.none<{ readonly holder: Holder; readonly retryNow: boolean }>()
        }
        const holder = yield* inspect(env, file)
        const broken = holder._tag === "Stale" ? yield* breakStale(env, file, holder.bytes, 0) : false
        return Option.some({ holder, retryNow: broken || holder._tag === "Gone" })
      })
    ).pipe(Effect.mapError((e) => new StateError({ op: "lock", path: nodePath, message: e.message })))

    const loop = (round: number): Effect.Effect<void, LockError | StateError, Scope.Scope> =>
      Effect.flatMap(attempt, (outcome) => {
        if (Option.isNone(outcome)) return Effect.void
        const { holder, retryNow } = outcome.value
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (now >= deadline) {
            return Effect.fail(new LockError({
              topology: lockSubject(nodePath),
              message: `lock ${nodePath} (${file}) ${describe(holder)}; gave up after ${Duration.format(Duration.decode(timeout))}`
            }))
          }
          // A lock just released or broken is retried at once; a held one after a backoff.
          if (retryNow) return loop(round)
          const backoff = Math.min(250, 5 * 1.5 ** Math.min(round, 20))
          return Effect.flatMap(Random.nextRange(backoff / 2, backoff), (ms) =>
            Effect.zipRight(Effect.sleep(Duration.millis(Math.min(ms, Math.max(1, deadline - now)))), loop(round + 1)))
        })
      })
    yield* loop(0)
  })
