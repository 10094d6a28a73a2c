/**
 * ZooKeeper's leader-election recipe over {@link Candidates}: each candidate is an ephemeral
 * sequential node under the election path; the lowest leads; each other candidate watches the one
 * just before it, so that when the leader goes exactly one successor looks again.
 *
 * Leadership is tied to the session. The leader steps down (`false`) when its node goes, when its
 * session expires, or when the connection has been lost for longer than the step-down bound —
 * half the session timeout, at most the operation bound — since past that point the server may
 * expire the session and another candidate may already lead. It then rejoins by itself: after a
 * reconnection within the same session it may simply lead again; after an expiry it queues anew.
 */
import { Clock, Effect, Option, Queue, Ref, Stream, SubscriptionRef, Take, Duration } from "effect"
import type { StateError } from "../../../../core/StateManager.js"
import * as Candidates from "./Candidates.js"
import type { Ctx } from "./Nodes.js"

/** Completes when the leadership of a candidate created in session `generation` must be given up. */
const lost = (ctx: Ctx, generation: number): Effect.Effect<void> =>
  Effect.gen(function* () {
    const { state } = ctx.session
    for (;;) {
      const s = Option.getOrThrow(yield* state.changes.pipe(
        Stream.filter((x) => x.generation !== generation || Option.isSome(x.lostAt) || Option.isSome(x.fatal)),
        Stream.runHead
      ))
      if (s.generation !== generation || Option.isSome(s.fatal) || Option.isNone(s.lostAt)) return
      const bound = Math.min(Duration.toMillis(ctx.session.operationTimeout), Math.floor(s.sessionTimeoutMs / 2))
      const left = s.lostAt.value + bound - (yield* Clock.currentTimeMillis)
      if (left <= 0) return
      // Still within the bound: wait for it to pass, or for the connection to come back.
      yield* Effect.raceFirst(
        Effect.sleep(left),
        state.changes.pipe(Stream.filter((x) => Option.isSome(x.connected) || x.generation !== generation), Stream.runHead)
      )
    }
  })

/** `true` when this candidate becomes leader, `false` when it stops being leader; see the module
 * doc. The candidacy is withdrawn when the stream ends (interrupted or closed). */
export const leadership = (ctx: Ctx, path: string, zkPath: string): Stream.Stream<boolean, StateError> =>
  Stream.unwrapScoped(Effect.gen(function* () {
    const out = yield* Queue.unbounded<Take.Take<boolean, StateError>>()
    const mine = yield* Ref.make<Candidates.Candidate | undefined>(undefined)
    const leading = yield* Ref.make(false)
    const announce = (leader: boolean) =>
      Effect.flatMap(Ref.getAndSet(leading, leader), (was) => (was === leader ? Effect.void : Queue.offer(out, Take.of(leader))))

    // Registered before joining: leaving finds our node by its token even if joining is cut short.
    const token = Candidates.newToken()
    yield* Effect.addFinalizer(() =>
      Candidates.leave(ctx, "leadership", path, zkPath, token).pipe(
        // A closed session took the candidacy with it.
        Effect.catchAll((e) => Effect.unlessEffect(Effect.logWarning(`zookeeper: could not withdraw from the election at ${path}: ${e.message}`), ctx.session.closed))
      ))

    const rejoin = Effect.flatMap(Candidates.join(ctx, "leadership", path, zkPath, "n", token), (c) => Ref.set(mine, c))

    /** One look at the line, then a wait for what may change it. */
    const round: Effect.Effect<void, StateError> = Effect.gen(function* () {
      const me = yield* Ref.get(mine)
      const s = yield* SubscriptionRef.get(ctx.session.state)
      if (me === undefined || me.generation !== s.generation) {
        // Not queued yet, or queued in a session that has expired since.
        yield* announce(false)
        return yield* rejoin
      }
      const line = yield* Candidates.line(ctx, "leadership", path, zkPath, "n")
      const at = line.indexOf(me.name)
      if (at < 0) {
        // Our node is gone (removed by someone, or the session expired): queue again.
        yield* announce(false)
        return yield* Ref.set(mine, undefined)
      }
      if (at > 0) {
        yield* announce(false)
        const before = yield* Candidates.watchOne(ctx, "leadership", path, `${zkPath}/${line[at - 1]}`, me)
        if (Option.isSome(before)) yield* before.value
        return
      }
      const own = yield* Candidates.watchOne(ctx, "leadership", path, `${zkPath}/${me.name}`, me)
      if (Option.isNone(own)) return
      yield* announce(true)
      const outcome = yield* Effect.raceFirst(Effect.as(own.value, "look again" as const), Effect.as(lost(ctx, me.generation), "lost" as const))
      if (outcome === "lost") yield* announce(false)
    })

    // While the connection is lost requests fail after the operation bound: wait for it to come
    // back instead of ending the stream. Other failures (e.g. an ACL refusing us) end it.
    const campaign = round.pipe(
      Effect.catchAll((e) =>
        Effect.gen(function* () {
          const s = yield* SubscriptionRef.get(ctx.session.state)
          if (Option.isSome(s.connected) || Option.isSome(s.fatal)) return yield* Effect.fail(e)
          yield* announce(false)
          yield* Effect.ignore(ctx.session.connectedAfter(s.epoch))
        })),
      Effect.forever
    )
    yield* campaign.pipe(Effect.catchAll((e) => Effect.zipRight(announce(false), Queue.offer(out, Take.fail(e)))), Effect.forkScoped)
    return Stream.fromQueue(out).pipe(Stream.flattenTake)
  }))
