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
 *
 * Requests (`run`, `connectedAfter`) are in `Requests.ts`, how their failures read in `Explain.ts`,
 * and the watchdog for handshakes the server never answers in `HandshakeWatchdog.ts`.
 */
import { Clock, Data, Deferred, Duration, Effect, Exit, Option, Queue, Redacted, Ref, type Scope, SubscriptionRef } from "effect"
import { createClient, State, type Client } from "node-zookeeper-client"
import type { StateError } from "../../../../core/StateManager.js"
import { handshakeWatchdog } from "./HandshakeWatchdog.js"
import { connectedAfter as connectedAfterIn, makeRun } from "./Requests.js"
import { Codes, describeFailure, ZkFailure } from "./Zk.js"

export { explain } from "./Explain.js"

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

    const connectedAfter = connectedAfterIn(state)
    const run = makeRun({ connectionString: options.connectionString, operationTimeout: options.operationTimeout, connectedAfter })

    // A handshake the server never answers would leave the client library waiting for good.
    yield* handshakeWatchdog(options, state, current).pipe(Effect.forkScoped)

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
