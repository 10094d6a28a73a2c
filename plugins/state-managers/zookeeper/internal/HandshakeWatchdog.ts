/**
 * The watchdog for a handshake the server never answers (seen from a server still starting up: it
 * takes the connection but drops the request). The client library would wait for good, as it
 * stops its connect timer once TCP is up. While not connected, a socket found open and still in
 * the handshake at two checks in a row is closed, which makes the library try again.
 */
import { Duration, Effect, Option, Ref, Stream, type SubscriptionRef } from "effect"
import { Socket } from "node:net"
import type { Client } from "node-zookeeper-client"
import type { SessionOptions, SessionState } from "./Session.js"

/** The client library's socket while it is in the ZooKeeper handshake with TCP up, if it is:
 * read from its internals (`connectionManager.state` 1 = CONNECTING). */
const handshakeSocket = (client: Client): Socket | undefined => {
  const manager: unknown = Reflect.get(client, "connectionManager")
  if (typeof manager !== "object" || manager === null) return undefined
  const socket: unknown = Reflect.get(manager, "socket")
  return Reflect.get(manager, "state") === 1 && socket instanceof Socket && socket.readyState === "open" ? socket : undefined
}

/** Watches the session's current client for good; fork it in the session's scope. Checks every
 * third of the session timeout, from 1 s to 5 s. */
export const handshakeWatchdog = (
  options: Pick<SessionOptions, "connectionString" | "sessionTimeout">,
  state: SubscriptionRef.SubscriptionRef<SessionState>,
  current: Ref.Ref<Client>
): Effect.Effect<never> => {
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
  return Effect.forever(watchdog)
}
