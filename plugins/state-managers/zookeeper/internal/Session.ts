/**
 * The store's ZooKeeper session: one `node-zookeeper-client` client at a time, followed through its
 * state events, and replaced by a new client (a new session) when the server says the session
 * expired — the client library never recovers from that by itself.
 *
 * - While the connection is lost the client reconnects on its own and keeps the session (and its
 *   ephemeral nodes and watches) if it gets back within the session timeout.
 * - `run` performs one request on the connected client. A connection loss or session expiry is
 *   retried once connected again, within the operation bound; then, or on any other failure, it
 *   fails with a `StateError` naming the path and ZooKeeper's code.
 * - `epoch` counts connections (each reconnect and each new session) and `generation` counts
 *   sessions: watchers re-read on a new epoch, the store re-creates its ephemeral nodes on a new
 *   generation.
 */
import { Clock, Data, Deferred, Duration, Effect, Exit, Option, Queue, Redacted, Ref, type Scope, Stream, SubscriptionRef } from "effect"
import { Socket } from "node:net"
import { createClient, State, type Client } from "node-zookeeper-client"
import { StateError } from "../../../../core/StateManager.js"
import { Codes, describeFailure, isRetryable, ZkFailure } from "./Zk.js"

export interface SessionOptions {
  readonly connectionString: string
  /** The session timeout asked of the server (it may grant another within its bounds). */
  readonly sessionTimeout: Duration.Duration
  /** How long connecting at start, and each request while the connection is lost, may wait. */
  readonly operationTimeout: Duration.Duration
  /** `user:password` for ZooKeeper's digest scheme, sent on every (re)connection. */
  readonly digest: Option.Option<Redacted.Redacted<string>>
}

/** A connected client. */
export interface Conn {
  readonly client: Client
  /** The session id, hex: compare with a node's `ephemeralOwner`. */
  readonly sessionId: string
  /** The session timeout the server granted, ms. */
  readonly sessionTimeoutMs: number
  readonly generation: number
  readonly epoch: number
}

export interface SessionState {
  /** The connected client; none while (re)connecting. */
  readonly connected: Option.Option<Conn>
  /** Counts connections: each reconnect and each new session. */
  readonly epoch: number
  /** Counts sessions: a new one after each expiry. */
  readonly generation: number
  /** When the connection was lost (epoch ms), while it is lost. */
  readonly lostAt: Option.Option<number>
  /** Set when the session cannot work any more (authentication refused, or closed). */
  readonly fatal: Option.Option<ZkFailure>
  /** The session timeout of the latest session, ms: granted by the server once connected. */
  readonly sessionTimeoutMs: number
}

/** The first connection could not be made in time. */
export class ConnectError extends Data.TaggedError("ConnectError")<{ readonly message: string }> {}

export interface Session {
  readonly connectionString: string
  readonly operationTimeout: Duration.Duration
  readonly state: SubscriptionRef.SubscriptionRef<SessionState>
  /**
   * Runs one request with the connected client; `attempt` counts retries (0 first). Retries a
   * connection loss or session expiry on the next connection until the operation bound, then fails
   * with a `StateError` for `op` on store path `path` naming ZooKeeper path `zkPath` and code;
   * other failures fail at once.
   */
  readonly run: <A>(op: string, path: string, zkPath: string, f: (conn: Conn, attempt: number) => Effect.Effect<A, ZkFailure>) => Effect.Effect<A, StateError>
  /** Completes once connected with an epoch after `epoch`: after a reconnection or a new session. */
  readonly connectedAfter: (epoch: number) => Effect.Effect<Conn, ZkFailure>
  /** Whether the session is closed for good (the store's scope closed, or credentials refused). */
  readonly closed: Effect.Effect<boolean>
}

interface ClientEvent {
  readonly generation: number
  readonly client: Client
  readonly state: State
}

/** The client library's socket while it is in the ZooKeeper handshake with TCP up, if it is:
 * read from its internals (`connectionManager.state` 1 = CONNECTING), for the watchdog below. */
const handshakeSocket = (client: Client): Socket | undefined => {
  const manager: unknown = Reflect.get(client, "connectionManager")
  if (typeof manager !== "object" || manager === null) return undefined
  const socket: unknown = Reflect.get(manager, "socket")
  return Reflect.get(manager, "state") === 1 && socket instanceof Socket && socket.readyState === "open" ? socket : undefined
}

/** What a `StateError` says about a failure, with a hint for the codes people meet. */
export const explain = (op: string, f: ZkFailure): string => {
  const hint = f.code === Codes.NO_AUTH
    ? " (the node's ACL does not allow this client: check the plugin's auth)"
    : f.code === Codes.AUTH_FAILED
      ? " (ZooKeeper refused the credentials)"
      : f.code === Codes.NOT_EMPTY
        ? " (the node has children)"
        : ""
  return `${op} ${f.zkPath}: ZooKeeper error ${describeFailure(f)}${hint}`
}

const failWith = (op: string, path: string) => (f: ZkFailure) => new StateError({ op, path, message: explain(op, f) })

/** Opens the session; fails with `ConnectError` unless connected within the operation bound.
 * Closing the scope closes the session, which removes its ephemeral nodes at once. */
export const make = (options: SessionOptions): Effect.Effect<Session, ConnectError, Scope.Scope> =>
  Effect.gen(function* () {
    const events = yield* Queue.unbounded<ClientEvent>()
    const state = yield* SubscriptionRef.make<SessionState>({
      connected: Option.none(),
      epoch: 0,
      generation: 0,
      lostAt: Option.none(),
      fatal: Option.none(),
      sessionTimeoutMs: Duration.toMillis(options.sessionTimeout)
    })
    const closing = yield* Ref.make(false)
    const boundMs = Duration.toMillis(options.operationTimeout)

    const open = (generation: number): Client => {
      const client = createClient(options.connectionString, {
        sessionTimeout: Duration.toMillis(options.sessionTimeout),
        // The library waits up to this (at random) between rounds over the servers; its default of
        // 1 s slows recovery from a restarted server for nothing.
        spinDelay: 200,
        retries: 0
      })
      if (Option.isSome(options.digest)) client.addAuthInfo("digest", Buffer.from(Redacted.value(options.digest.value)))
      client.on("state", (s: State) => Queue.unsafeOffer(events, { generation, client, state: s }))
      client.connect()
      return client
    }
    const current = yield* Ref.make(yield* Effect.sync(() => open(0)))

    // Closing the session (not just the socket) makes the server remove its ephemeral nodes now
    // rather than after the session timeout.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        yield* Ref.set(closing, true)
        const client = yield* Ref.get(current)
        const connected = Option.isSome((yield* SubscriptionRef.get(state)).connected)
        const gone = yield* Deferred.make<void>()
        const done = () => Deferred.unsafeDone(gone, Exit.void)
        yield* Effect.sync(() => {
          client.once("disconnected", done)
          client.close()
        })
        // Only a connected client hears back from the server. Finalizers run uninterruptibly; the
        // wait must be interruptible for its timeout to work.
        if (connected) yield* Effect.interruptible(Deferred.await(gone)).pipe(Effect.timeout("2 seconds"), Effect.ignore)
        yield* Effect.sync(() => client.removeListener("disconnected", done))
        // Whatever still runs on this store fails now rather than waiting for a connection.
        yield* SubscriptionRef.update(state, (s) => ({
          ...s,
          connected: Option.none(),
          fatal: Option.some(new ZkFailure({ code: Codes.CONNECTION_LOSS, name: "CONNECTION_LOSS", zkPath: "/", detail: "the store is closed" }))
        }))
      })
    )


    const handle = (ev: ClientEvent) =>
      Effect.gen(function* () {
        const s = yield* SubscriptionRef.get(state)
        if (ev.generation !== s.generation || (yield* Ref.get(closing))) return // a replaced client, or shutting down
        const now = yield* Clock.currentTimeMillis
        switch (ev.state.name) {
          case State.SYNC_CONNECTED.name: {
            const conn: Conn = {
              client: ev.client,
              sessionId: ev.client.getSessionId().toString("hex"),
              sessionTimeoutMs: ev.client.getSessionTimeout(),
              generation: s.generation,
              epoch: s.epoch + 1
            }
            if (Option.isSome(s.lostAt)) yield* Effect.logInfo(`zookeeper: connected again to ${options.connectionString} after ${now - s.lostAt.value} ms`)
            return yield* SubscriptionRef.set(state, {
              ...s,
              connected: Option.some(conn),
              epoch: conn.epoch,
              lostAt: Option.none(),
              sessionTimeoutMs: conn.sessionTimeoutMs
            })
          }
          case State.DISCONNECTED.name:
            if (Option.isSome(s.connected)) yield* Effect.logWarning(`zookeeper: lost the connection to ${options.connectionString}; reconnecting`)
            return yield* SubscriptionRef.set(state, { ...s, connected: Option.none(), lostAt: Option.orElse(s.lostAt, () => Option.some(now)) })
          case State.EXPIRED.name: {
            yield* Effect.logWarning(`zookeeper: session expired; opening a new session with ${options.connectionString}`)
            const generation = s.generation + 1
            yield* Ref.set(current, yield* Effect.sync(() => open(generation)))
            return yield* SubscriptionRef.set(state, { ...s, connected: Option.none(), generation, lostAt: Option.orElse(s.lostAt, () => Option.some(now)) })
          }
          case State.AUTH_FAILED.name:
            yield* Effect.logError(`zookeeper: ${options.connectionString} refused the credentials`)
            return yield* SubscriptionRef.set(state, {
              ...s,
              connected: Option.none(),
              fatal: Option.some(new ZkFailure({ code: Codes.AUTH_FAILED, name: "AUTH_FAILED", zkPath: "/" }))
            })
          default:
            return
        }
      })
    yield* Queue.take(events).pipe(Effect.flatMap(handle), Effect.forever, Effect.forkScoped)

    const connectedAfter = (epoch: number): Effect.Effect<Conn, ZkFailure> =>
      state.changes.pipe(
        Stream.filter((s) => Option.isSome(s.fatal) || Option.exists(s.connected, (c) => c.epoch > epoch)),
        Stream.runHead,
        Effect.flatMap((found) => {
          const s = Option.getOrThrow(found) // the changes stream never ends
          return Option.match(s.fatal, { onSome: Effect.fail, onNone: () => Effect.succeed(Option.getOrThrow(s.connected)) })
        })
      )

    const run = <A>(op: string, path: string, zkPath: string, f: (conn: Conn, attempt: number) => Effect.Effect<A, ZkFailure>): Effect.Effect<A, StateError> =>
      Effect.gen(function* () {
        const deadline = (yield* Clock.currentTimeMillis) + boundMs
        let after = 0
        let last = new ZkFailure({ code: Codes.CONNECTION_LOSS, name: "CONNECTION_LOSS", zkPath, detail: "not connected" })
        const giveUp = () =>
          new StateError({
            op,
            path,
            message: `${op} ${zkPath}: ZooKeeper at ${options.connectionString} did not answer within ${boundMs} ms (last error ${describeFailure(last)})`
          })
        for (let attempt = 0; ; attempt++) {
          const remaining = deadline - (yield* Clock.currentTimeMillis)
          if (remaining <= 0) return yield* Effect.fail(giveUp())
          // The waits are interruptible even when `run` is not (in a finalizer, say), so that the
          // bound holds there too.
          const conn = yield* Effect.interruptible(connectedAfter(after)).pipe(
            Effect.mapError((f) => failWith(op, path)(new ZkFailure({ ...f, zkPath }))),
            Effect.timeoutFail({ duration: remaining, onTimeout: giveUp })
          )
          const result = yield* Effect.interruptible(f(conn, attempt)).pipe(
            Effect.timeoutFail({
              duration: Math.max(1, deadline - (yield* Clock.currentTimeMillis)),
              onTimeout: () => new ZkFailure({ code: Codes.OPERATION_TIMEOUT, name: "OPERATION_TIMEOUT", zkPath, detail: "no answer" })
            }),
            Effect.either
          )
          if (result._tag === "Right") return result.right
          if (!isRetryable(result.left)) return yield* Effect.fail(failWith(op, path)(result.left))
          last = result.left
          // The connection this request went over is gone: wait for the next one.
          after = conn.epoch
        }
      })

    // A handshake the server never answers (seen from a server still starting up: it takes the
    // connection but drops the request) would leave the client library waiting for good, as it
    // stops its connect timer once TCP is up. While not connected, a socket found open and still
    // in the handshake at two checks in a row is closed, which makes the library try again.
    const stuckAfter = Duration.millis(Math.max(1000, Math.min(Duration.toMillis(options.sessionTimeout) / 3, 5000)))
    const notConnected = (s: SessionState) => Option.isNone(s.connected) && Option.isNone(s.fatal)
    const watchdog = Effect.gen(function* () {
      yield* state.changes.pipe(Stream.filter(notConnected), Stream.runHead)
      let seen: Socket | undefined
      for (;;) {
        const back = yield* state.changes.pipe(Stream.filter((s) => !notConnected(s)), Stream.runHead, Effect.timeout(stuckAfter), Effect.option)
        if (Option.isSome(back)) return
        const socket = handshakeSocket(yield* Ref.get(current))
        if (socket !== undefined && socket === seen) {
          yield* Effect.logDebug(`zookeeper: no answer to the handshake with ${options.connectionString} for ${Duration.format(stuckAfter)}; reconnecting`)
          yield* Effect.sync(() => socket.destroy())
          seen = undefined
        } else seen = socket
      }
    })
    yield* watchdog.pipe(Effect.forever, Effect.forkScoped)

    const first = yield* connectedAfter(0).pipe(
      Effect.timeoutFail({
        duration: options.operationTimeout,
        onTimeout: () => new ZkFailure({ code: Codes.CONNECTION_LOSS, name: "CONNECTION_LOSS", zkPath: "/", detail: `no connection within ${boundMs} ms` })
      }),
      Effect.either
    )
    if (first._tag === "Left") {
      return yield* new ConnectError({ message: `cannot connect to ZooKeeper at ${options.connectionString}: ${describeFailure(first.left)}` })
    }
    const closed = Effect.map(SubscriptionRef.get(state), (s) => Option.isSome(s.fatal))
    return { connectionString: options.connectionString, operationTimeout: options.operationTimeout, state, run, connectedAfter, closed } satisfies Session
  })
