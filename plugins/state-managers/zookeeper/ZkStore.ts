/**
 * A {@link NodeStore} on ZooKeeper, with Heron's layout under a root node (default `/heron`).
 *
 * - Node `/topologies/wc` is the znode `<root>/topologies/wc`; missing parents are created as empty
 *   persistent nodes (with the store's ACL: open, or creator-only when authenticated).
 * - A write is one `setData` or `create` — each atomic in ZooKeeper. Ephemeral writes create
 *   ephemeral nodes of this store's session; a node of the wrong kind or of another session is
 *   replaced in one transaction (remove at its version + create).
 * - Watches are ZooKeeper watches (see `internal/Watch.ts`); locks and leadership are ZooKeeper's
 *   recipes (`internal/Lock.ts`, `internal/Election.ts`).
 * - Connection loss: requests wait for the reconnection and retry within the operation bound (see
 *   `internal/Session.ts`). After a session expiry the store opens a new session, re-creates the
 *   ephemeral nodes it owns with their last data (unless someone else has written them since) and
 *   its watches read again.
 * - Closing the scope closes the session: its ephemeral nodes go at once.
 */
import { Duration, Effect, Option, Redacted, Ref, type Scope, Stream } from "effect"
import { StateError } from "../../../core/StateManager.js"
import type { NodeStore } from "../../../core/state/NodeStore.js"
import * as Election from "./internal/Election.js"
import * as Lock from "./internal/Lock.js"
import { ensurePath, isCode, parentOf, zkPathOf, type Ctx } from "./internal/Nodes.js"
import * as Session from "./internal/Session.js"
import { watchChildren as watchZkChildren, watchNode } from "./internal/Watch.js"
import { Codes, create, getChildren, getData, isEphemeral, MAX_DATA_BYTES, ownedBy, remove as removeZk, replace, setData } from "./internal/Zk.js"
import type { Conn } from "./internal/Session.js"

export { ConnectError } from "./internal/Session.js"

export interface ZkStoreOptions {
  /** `host:port[,host:port...]`, as ZooKeeper clients take it. */
  readonly connectionString: string
  /** The node under which Heron's layout lives. Default `/heron`. */
  readonly root?: string
  /** The session timeout asked of the server. Default 30 s. */
  readonly sessionTimeout?: Duration.DurationInput
  /** How long connecting at start, and each request while the connection is lost, may wait before
   * failing. Default 15 s. */
  readonly operationTimeout?: Duration.DurationInput
  /** `user:password` for the digest scheme. When set, nodes the store creates are readable and
   * writable by the same credentials only. */
  readonly digest?: Redacted.Redacted<string>
}

/** The store, plus a look at its session for diagnostics and tests. */
export interface ZkNodeStore extends NodeStore {
  /** The current session's id and password while connected. A test expires the session by
   * connecting a second client with them and closing it. */
  readonly sessionCredentials: Effect.Effect<Option.Option<{ readonly id: Buffer; readonly password: Buffer }>>
}

type WriteOutcome = { readonly _tag: "Done"; readonly generation: number } | { readonly _tag: "NoParent" } | { readonly _tag: "Again" }
const Done = (conn: Conn): WriteOutcome => ({ _tag: "Done", generation: conn.generation })
const NoParent: WriteOutcome = { _tag: "NoParent" }
const Again: WriteOutcome = { _tag: "Again" }

/** Writers racing on one node make a write start over; past this many rounds it gives up. */
const MAX_WRITE_ROUNDS = 20

/** One attempt at making `zkPath` hold `data`, as an ephemeral node of this session or a
 * persistent node. Each step is safe to repeat after a connection loss. */
const attemptWrite = (conn: Conn, zkPath: string, data: Uint8Array, ephemeral: boolean, acl: Ctx["acl"]) =>
  Effect.gen(function* () {
    if (ephemeral) {
      const created = yield* create(conn.client, zkPath, data, "ephemeral", acl).pipe(
        Effect.as(Option.some(Done(conn))),
        Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed(Option.some(NoParent))),
        Effect.catchIf(isCode(Codes.NODE_EXISTS), () => Effect.succeedNone)
      )
      if (Option.isSome(created)) return created.value
    }
    const set = yield* setData(conn.client, zkPath, data, -1).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeedNone)
    )
    if (Option.isNone(set)) {
      if (ephemeral) return Again // removed since the create found it
      return yield* create(conn.client, zkPath, data, "persistent", acl).pipe(
        Effect.as(Done(conn)),
        Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed(NoParent)),
        Effect.catchIf(isCode(Codes.NODE_EXISTS), () => Effect.succeed(Again))
      )
    }
    const stat = set.value
    if (ephemeral ? ownedBy(stat, conn.sessionId) : !isEphemeral(stat)) return Done(conn)
    // The node is of the wrong kind or another session's: take it over in one transaction. The
    // setData above made its version at least 1, as `replace` needs.
    return yield* replace(conn.client, zkPath, stat.version, data, ephemeral ? "ephemeral" : "persistent", acl).pipe(
      Effect.as(Done(conn)),
      Effect.catchIf((f) => f.code === Codes.BAD_VERSION || f.code === Codes.NO_NODE || f.code === Codes.NODE_EXISTS, () => Effect.succeed(Again))
    )
  })

/** Connects (failing with `ConnectError` when ZooKeeper cannot be reached within the operation
 * bound) and builds the store. The scope is the session. */
export const make = (options: ZkStoreOptions): Effect.Effect<ZkNodeStore, Session.ConnectError, Scope.Scope> =>
  Effect.gen(function* () {
    const root = options.root ?? "/heron"
    const session = yield* Session.make({
      connectionString: options.connectionString,
      sessionTimeout: Duration.decode(options.sessionTimeout ?? "30 seconds"),
      operationTimeout: Duration.decode(options.operationTimeout ?? "15 seconds"),
      digest: Option.fromNullable(options.digest)
    })
    const ctx: Ctx = { session, acl: options.digest === undefined ? "open" : "creator", prefix: root === "/" ? "" : root.replace(/\/+$/, "") }
    /** Ephemeral nodes this store wrote, by store path, with their last data. */
    const owned = yield* Ref.make<ReadonlyMap<string, Uint8Array>>(new Map())
    const setOwned = (path: string, data: Option.Option<Uint8Array>) =>
      Ref.update(owned, (m) => {
        const next = new Map(m)
        if (Option.isSome(data)) next.set(path, data.value)
        else next.delete(path)
        return next
      })

    const currentGeneration = Effect.map(Ref.get(session.state), (s) => s.generation)

    const read = Effect.fn("ZkStore.read")(function* (path: string) {
      const zkPath = yield* zkPathOf(ctx, "read", path)
      return yield* session.run("read", path, zkPath, (conn) =>
        getData(conn.client, zkPath).pipe(
          Effect.map((r) => Option.some(r.data)),
          Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeedNone)
        ))
    })

    /** Writes without touching the owned set; returns the session generation it wrote in. */
    const put = (op: string, path: string, zkPath: string, data: Uint8Array, ephemeral: boolean) =>
      Effect.gen(function* () {
        for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
          const outcome = yield* session.run(op, path, zkPath, (conn) => attemptWrite(conn, zkPath, data, ephemeral, ctx.acl))
          if (outcome._tag === "Done") return outcome.generation
          if (outcome._tag === "NoParent") yield* ensurePath(ctx, op, path, parentOf(zkPath))
        }
        return yield* new StateError({ op, path, message: `${op} ${zkPath}: the node kept changing under ${MAX_WRITE_ROUNDS} attempts` })
      })

    const write = Effect.fn("ZkStore.write")(function* (path: string, data: Uint8Array, o: { readonly ephemeral: boolean }) {
      const zkPath = yield* zkPathOf(ctx, "write", path)
      if (data.length > MAX_DATA_BYTES) {
        return yield* new StateError({
          op: "write",
          path,
          message: `write ${zkPath}: ${data.length} bytes is more than a ZooKeeper node holds (${MAX_DATA_BYTES} bytes under the default jute.maxbuffer)`
        })
      }
      for (;;) {
        const generation = yield* put("write", path, zkPath, data, o.ephemeral)
        yield* setOwned(path, o.ephemeral ? Option.some(data) : Option.none())
        // Written in a session that has expired since, maybe before the re-creation ran: again.
        if (!o.ephemeral || generation === (yield* currentGeneration)) return
      }
    })

    const remove = Effect.fn("ZkStore.remove")(function* (path: string) {
      const zkPath = yield* zkPathOf(ctx, "remove", path)
      yield* setOwned(path, Option.none())
      yield* session.run("remove", path, zkPath, (conn) => removeZk(conn.client, zkPath, -1).pipe(Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.void)))
    })

    const children = Effect.fn("ZkStore.children")(function* (path: string) {
      const zkPath = yield* zkPathOf(ctx, "children", path)
      const names = yield* session.run("children", path, zkPath, (conn) =>
        getChildren(conn.client, zkPath).pipe(Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed<ReadonlyArray<string>>([]))))
      return [...names].sort()
    })

    // After an expiry the new session owns nothing: write the owned ephemeral nodes again, unless
    // another session has written one since (then it is theirs now).
    const recreate = Effect.gen(function* () {
      for (const path of (yield* Ref.get(owned)).keys()) {
        const zkPath = yield* zkPathOf(ctx, "recreate", path)
        const taken = yield* session.run("recreate", path, zkPath, (conn) =>
          getData(conn.client, zkPath).pipe(
            Effect.map((r) => !ownedBy(r.stat, conn.sessionId)),
            Effect.catchIf(isCode(Codes.NO_NODE), () => Effect.succeed(false))
          ))
        if (taken) {
          yield* Effect.logWarning(`zookeeper: ephemeral node ${zkPath} was written by another session while ours expired; leaving it to them`)
          yield* setOwned(path, Option.none())
          continue
        }
        // Still ours to hold (unless removed or rewritten in the meantime, which updated `owned`).
        const latest = (yield* Ref.get(owned)).get(path)
        if (latest === undefined) continue
        yield* put("recreate", path, zkPath, latest, true).pipe(
          Effect.catchAll((e) => Effect.logWarning(`zookeeper: could not re-create ephemeral node ${zkPath}: ${e.message}`))
        )
      }
    }).pipe(Effect.catchAll((e) => Effect.logWarning(`zookeeper: re-creating ephemeral nodes failed: ${e.message}`)))

    yield* session.state.changes.pipe(
      Stream.filter((s) => Option.isSome(s.connected)),
      Stream.map((s) => s.generation),
      Stream.changes,
      Stream.drop(1),
      Stream.runForEach(() => recreate),
      Effect.forkScoped
    )

    const sessionCredentials = Effect.map(Ref.get(session.state), (s) =>
      Option.map(s.connected, (c) => ({ id: c.client.getSessionId(), password: c.client.getSessionPassword() })))

    return {
      read,
      write,
      remove,
      children,
      watch: (path) => Stream.unwrap(Effect.map(zkPathOf(ctx, "watch", path), (zkPath) => watchNode(ctx, path, zkPath))),
      watchChildren: (path) => Stream.unwrap(Effect.map(zkPathOf(ctx, "watchChildren", path), (zkPath) => watchZkChildren(ctx, path, zkPath))),
      lock: (path, timeout) =>
        Effect.flatMap(zkPathOf(ctx, "lock", path), (zkPath) => Lock.acquire(ctx, path, zkPath, timeout)).pipe(
          Effect.withSpan("ZkStore.lock", { attributes: { path } })
        ),
      leadership: (path) => Stream.unwrap(Effect.map(zkPathOf(ctx, "leadership", path), (zkPath) => Election.leadership(ctx, path, zkPath))),
      sessionCredentials
    } satisfies ZkNodeStore
  })
