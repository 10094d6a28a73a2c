/**
 * Watching a node's content or a node's children with ZooKeeper watches: each read registers a
 * one-shot watch, and the next read happens when it fires — or when the session connects again
 * (a reconnect or a new session after an expiry), since a new session has lost every watch.
 * No polling: between changes nothing is sent but the client's pings.
 */
import { Deferred, Effect, Exit, Option, Stream } from "effect"
import type { StateError } from "../../../../core/StateManager.js"
import { isCode, type Ctx } from "./Nodes.js"
import type { Conn } from "./Session.js"
import { Codes, exists, getChildren, getData, type Watcher, type ZkFailure } from "./Zk.js"

type Read<A> = (conn: Conn, watcher: Watcher) => Effect.Effect<Option.Option<A>, ZkFailure>

/**
 * Reads with `read`, then again after each change, emitting every read (callers drop repeats).
 * `read` gets the watcher to register; `None` from it means "read again at once" (the node
 * appeared between a failed read and the existence check).
 *
 * One watcher function per stream: the client library keeps a watcher registered once per path
 * however often it is passed, so re-reads that were not caused by the watch (a reconnection)
 * never pile up listeners. It completes whichever signal is armed at the time.
 */
const follow = <A>(ctx: Ctx, op: string, path: string, zkPath: string, read: Read<A>): Stream.Stream<A, StateError> =>
  Stream.unwrap(Effect.gen(function* () {
    let armed = yield* Deferred.make<void>()
    const watcher = () => Deferred.unsafeDone(armed, Exit.void)
    const next = ctx.session.run(op, path, zkPath, (conn) =>
      Effect.gen(function* () {
        for (;;) {
          // Armed before the read, so that a change right after it is not missed.
          const signal = yield* Deferred.make<void>()
          armed = signal
          const value = yield* read(conn, watcher)
          if (Option.isSome(value)) {
            // The next read comes when the watch fires, or after a reconnection or a new session
            // (a new session has lost every watch).
            const changed = Effect.raceFirst(Deferred.await(signal), Effect.ignore(ctx.session.connectedAfter(conn.epoch)))
            return [value.value, changed] as const
          }
        }
      }))
    return Stream.unfoldEffect(Option.none<Effect.Effect<void>>(), (previous) =>
      Effect.gen(function* () {
        if (Option.isSome(previous)) yield* previous.value
        const [value, changed] = yield* next
        return Option.some([value, Option.some(changed)] as const)
      }))
  }))

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i])

/** The node's content (`None` when absent), then each change, until interrupted. An existing node
 * is read with `getData` (whose watch fires on change and deletion), an absent one is checked with
 * `exists` (whose watch fires on creation). */
export const watchNode = (ctx: Ctx, path: string, zkPath: string): Stream.Stream<Option.Option<Uint8Array>, StateError> =>
  follow(ctx, "watch", path, zkPath, (conn, watcher) =>
    getData(conn.client, zkPath, watcher).pipe(
      Effect.map((r) => Option.some(Option.some(r.data))),
      Effect.catchIf(isCode(Codes.NO_NODE), () =>
        Effect.map(exists(conn.client, zkPath, watcher), (stat) =>
          stat === undefined ? Option.some(Option.none<Uint8Array>()) : Option.none()))
    )).pipe(Stream.changesWith(Option.getEquivalence(sameBytes)))

/** The sorted names of the node's children (none while it does not exist), then each change of
 * that set, until interrupted. */
export const watchChildren = (ctx: Ctx, path: string, zkPath: string): Stream.Stream<ReadonlyArray<string>, StateError> =>
  follow(ctx, "watchChildren", path, zkPath, (conn, watcher) =>
    getChildren(conn.client, zkPath, watcher).pipe(
      Effect.map((names) => Option.some<ReadonlyArray<string>>([...names].sort())),
      Effect.catchIf(isCode(Codes.NO_NODE), () =>
        Effect.map(exists(conn.client, zkPath, watcher), (stat) =>
          stat === undefined ? Option.some<ReadonlyArray<string>>([]) : Option.none()))
    )).pipe(Stream.changesWith((a, b) => a.length === b.length && a.every((n, i) => n === b[i])))
