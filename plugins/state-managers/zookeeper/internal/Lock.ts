/**
 * ZooKeeper's lock recipe over {@link Candidates}: the lock is held by the first node in line under
 * the lock path; a waiter watches the node just before its own. Holding is tied to the session:
 * the node is ephemeral, so a holder that dies releases the lock once its session times out.
 */
import { Duration, Effect, ExecutionStrategy, Exit, Option, Ref, Scope, Stream } from "effect"
import { LockError, type StateError } from "../../../../core/StateManager.js"
import * as Candidates from "./Candidates.js"
import type { Ctx } from "./Nodes.js"

/** The topology of a Heron lock path (`/locks/<topology>__updateTopology`), else the path. */
const lockSubject = (path: string): string => /^\/locks\/(.+)__updateTopology$/.exec(path)?.[1] ?? path

/** A `LockError` naming the lock and, when it can be read, who holds it. */
const heldBy = (ctx: Ctx, path: string, zkPath: string, timeout: Duration.DurationInput) =>
  Effect.gen(function* () {
    const first = (yield* Candidates.line(ctx, "lock", path, zkPath, "lock").pipe(Effect.option)).pipe(Option.flatMap((l) => Option.fromNullable(l[0])))
    const holder = Option.isSome(first) ? yield* Candidates.describe(ctx, "lock", path, `${zkPath}/${first.value}`) : Option.none()
    return new LockError({
      topology: lockSubject(path),
      message: `lock ${path} (ZooKeeper ${zkPath}) is held by ${Option.getOrElse(holder, () => "someone else")}; ` +
        `gave up after ${Duration.format(Duration.decode(timeout))}`
    })
  })

/**
 * Takes the lock at `zkPath` (store path `path`) for the enclosing scope, waiting up to `timeout`
 * and then failing with `LockError` naming the lock and its holder. The queue node is removed when
 * the scope closes, or at once when taking fails or is interrupted. Not reentrant.
 *
 * If the session expires while the lock is held, the lock is lost (its node is gone): a warning is
 * logged; the holder cannot be told otherwise.
 */
export const acquire = (ctx: Ctx, path: string, zkPath: string, timeout: Duration.DurationInput): Effect.Effect<void, LockError | StateError, Scope.Scope> =>
  Effect.gen(function* () {
    const outer = yield* Effect.scope
    const inner = yield* Scope.fork(outer, ExecutionStrategy.sequential)
    const take = Effect.gen(function* () {
      const token = Candidates.newToken()
      const mine = yield* Ref.make<Candidates.Candidate | undefined>(undefined)
      // Registered before joining: leaving finds our node by its token even if joining is cut short.
      yield* Effect.addFinalizer(() =>
        Candidates.leave(ctx, "unlock", path, zkPath, token).pipe(
          // A closed session took the lock with it.
          Effect.catchAll((e) => Effect.unlessEffect(Effect.logWarning(`zookeeper: could not release lock ${path}: ${e.message}`), ctx.session.closed))
        ))
      const join = Effect.flatMap(Candidates.join(ctx, "lock", path, zkPath, "lock", token), (c) => Ref.set(mine, c))

      const wait: Effect.Effect<void, StateError> = Effect.gen(function* () {
        yield* join
        for (;;) {
          const me = yield* Ref.get(mine)
          const line = yield* Candidates.line(ctx, "lock", path, zkPath, "lock")
          const at = me === undefined ? -1 : line.indexOf(me.name)
          if (at === 0) return
          if (me === undefined || at < 0) {
            // Our node is gone: the session expired while we waited. Queue again.
            yield* join
            continue
          }
          const before = yield* Candidates.watchOne(ctx, "lock", path, `${zkPath}/${line[at - 1]}`, me)
          if (Option.isSome(before)) yield* before.value
        }
      })

      yield* wait.pipe(
        Effect.timeout(timeout),
        Effect.catchTag("TimeoutException", () => Effect.flatMap(heldBy(ctx, path, zkPath, timeout), Effect.fail))
      )

      // Held. Say so if the session (and with it the lock) is lost before the scope ends.
      const held = yield* Ref.get(mine)
      if (held !== undefined) {
        yield* ctx.session.state.changes.pipe(
          Stream.filter((s) => s.generation !== held.generation),
          Stream.runHead,
          Effect.zipRight(Effect.logWarning(`zookeeper: lock ${path} was lost: the session expired while it was held`)),
          Effect.forkScoped
        )
      }
    })
    yield* take.pipe(Scope.extend(inner), Effect.onError((cause) => Scope.close(inner, Exit.failCause(cause))))
  })
