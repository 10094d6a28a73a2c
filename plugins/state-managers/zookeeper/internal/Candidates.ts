/**
 * Queues of ephemeral sequential nodes, the ground of ZooKeeper's lock and leader-election
 * recipes: each contender creates `_c_<token>-<kind>-<sequence>` under the lock (or election) node;
 * the lowest sequence holds it; each other contender watches the one just before it, so a release
 * wakes exactly one waiter.
 *
 * The `_c_<token>-` prefix makes creation safe to retry: when the connection drops while the
 * create is in flight, the retry first looks for a child carrying its token (created after all)
 * instead of queueing twice.
 */
import { Deferred, Effect, Exit, Option } from "effect"
import { hostname } from "node:os"
import { randomUUID } from "node:crypto"
import type { StateError } from "../../../../core/StateManager.js"
import { ensurePath, isCode, type Ctx } from "./Nodes.js"
import { Codes, create, getChildren, getData, remove } from "./Zk.js"

export type CandidateKind = "lock" | "n"

/** One place in a queue: the child's name, and the session generation that created it. */
export interface Candidate {
  readonly name: string
  readonly generation: number
}

/** A fresh token for {@link join}; remember it before joining so that {@link leave} can find the
 * node even when joining was interrupted before it returned. */
export const newToken = (): string => randomUUID()

const markOf = (token: string): string => `_c_${token}-`

const SEQUENCE = /-(\d{10})$/

/** The contenders of `kind` among `names`, first in line first. */
export const inLine = (names: ReadonlyArray<string>, kind: CandidateKind): ReadonlyArray<string> =>
  names
    .filter((n) => n.startsWith("_c_") && n.includes(`-${kind}-`) && SEQUENCE.test(n))
    .sort((a, b) => Number(SEQUENCE.exec(a)?.[1]) - Number(SEQUENCE.exec(b)?.[1]))

/** What a contender writes into its node: who it is, for "held by ..." messages. */
const whoAmI = (): Uint8Array => new TextEncoder().encode(JSON.stringify({ pid: process.pid, host: hostname() }))

/** Joins the queue at `zkPath` (created if missing) with a node carrying `token`. */
export const join = (ctx: Ctx, op: string, path: string, zkPath: string, kind: CandidateKind, token: string): Effect.Effect<Candidate, StateError> =>
  Effect.gen(function* () {
    const mark = markOf(token)
    for (;;) {
      const made = yield* ctx.session.run(op, path, zkPath, (conn, attempt) =>
        Effect.gen(function* () {
          if (attempt > 0) {
            const existing = (yield* getChildren(conn.client, zkPath).pipe(
              Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed<ReadonlyArray<string>>([]))
            )).find((n) => n.startsWith(mark))
            if (existing !== undefined) return Option.some({ name: existing, generation: conn.generation })
          }
          return yield* create(conn.client, `${zkPath}/${mark}${kind}-`, whoAmI(), "ephemeral-sequential", ctx.acl).pipe(
            Effect.map((created) => Option.some({ name: created.slice(created.lastIndexOf("/") + 1), generation: conn.generation })),
            Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeedNone)
          )
        }))
      if (Option.isSome(made)) return made.value
      yield* ensurePath(ctx, op, path, zkPath)
    }
  })

/** The contenders in line now (none when the node does not exist). */
export const line = (ctx: Ctx, op: string, path: string, zkPath: string, kind: CandidateKind): Effect.Effect<ReadonlyArray<string>, StateError> =>
  ctx.session.run(op, path, zkPath, (conn) =>
    getChildren(conn.client, zkPath).pipe(Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed<ReadonlyArray<string>>([])))
  ).pipe(Effect.map((names) => inLine(names, kind)))

/**
 * Watches one contender's node on behalf of `mine`: `None` when it is already gone, or when the
 * session is no longer the one `mine` was created in (its node went with that session, so the
 * caller must look again, not wait on a line it has left); else an effect that completes when the
 * node changes or goes, or when the session connects again (after which the caller looks again).
 */
export const watchOne = (ctx: Ctx, op: string, path: string, zkChild: string, mine: Candidate): Effect.Effect<Option.Option<Effect.Effect<void>>, StateError> =>
  ctx.session.run(op, path, zkChild, (conn) =>
    Effect.gen(function* () {
      if (conn.generation !== mine.generation) return Option.none()
      const fired = yield* Deferred.make<void>()
      return yield* getData(conn.client, zkChild, () => Deferred.unsafeDone(fired, Exit.void)).pipe(
        Effect.as(Option.some(Effect.raceFirst(Deferred.await(fired), Effect.ignore(ctx.session.connectedAfter(conn.epoch))))),
        Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeedNone)
      )
    }))

/** Who a contender is (from its node), e.g. `pid 42 on host h`; `None` if it cannot be read. */
export const describe = (ctx: Ctx, op: string, path: string, zkChild: string): Effect.Effect<Option.Option<string>> =>
  ctx.session.run(op, path, zkChild, (conn) => getData(conn.client, zkChild)).pipe(
    Effect.map((r) => {
      try {
        const who: unknown = JSON.parse(new TextDecoder().decode(r.data))
        return typeof who === "object" && who !== null && "pid" in who && "host" in who
          ? Option.some(`pid ${String(who.pid)} on host ${String(who.host)}`)
          : Option.none()
      } catch {
        return Option.none<string>()
      }
    }),
    Effect.orElseSucceed(() => Option.none<string>())
  )

/** Leaves the queue — removes the nodes carrying `token`, found by listing, so that a join that
 * was interrupted midway is undone too — and removes the queue's node once empty. */
export const leave = (ctx: Ctx, op: string, path: string, zkPath: string, token: string): Effect.Effect<void, StateError> =>
  Effect.gen(function* () {
    const mark = markOf(token)
    const names = yield* ctx.session.run(op, path, zkPath, (conn) =>
      getChildren(conn.client, zkPath).pipe(Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed<ReadonlyArray<string>>([]))))
    for (const name of names.filter((n) => n.startsWith(mark))) {
      yield* ctx.session.run(op, path, `${zkPath}/${name}`, (conn) =>
        remove(conn.client, `${zkPath}/${name}`, -1).pipe(Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.void)))
    }
    yield* ctx.session.run(op, path, zkPath, (conn) =>
      remove(conn.client, zkPath, -1).pipe(Effect.catchIf((f) => f.code === Codes.NO_NODE || f.code === Codes.NOT_EMPTY, () => Effect.void)))
  })
