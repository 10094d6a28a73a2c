/**
 * One TCP connection to carbon's plaintext receiver, as Effects over `node:net`. Carbon never
 * answers on this port, so a connection is only written to and watched for its end.
 */
import { createConnection, type Socket } from "node:net"
import { Data, Deferred, Duration, Effect, Exit, type Scope } from "effect"

/** Connecting, writing to, or keeping the connection failed; `message` names the address and the
 * system error. */
export class CarbonConnectionError extends Data.TaggedError("CarbonConnectionError")<{
  readonly op: "connect" | "write"
  readonly message: string
}> {}

/** An open connection. `closed` completes, with why, when the socket closes for any reason. */
export interface CarbonConnection {
  readonly address: string
  readonly socket: Socket
  readonly closed: Deferred.Deferred<string>
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Opens a connection to `host:port` within `timeout`. The connection is ended (what was written
 * is still delivered) and its socket released when the scope closes.
 */
export const open = (
  host: string,
  port: number,
  timeout: Duration.DurationInput
): Effect.Effect<CarbonConnection, CarbonConnectionError, Scope.Scope> => {
  const address = `${host}:${port}`
  const connect = Effect.async<Socket, CarbonConnectionError>((resume) => {
    const socket = createConnection({ host, port })
    const onError = (e: Error) => {
      socket.destroy()
      resume(Effect.fail(new CarbonConnectionError({ op: "connect", message: `cannot connect to carbon at ${address}: ${e.message}` })))
    }
    socket.once("error", onError)
    socket.once("connect", () => {
      socket.off("error", onError)
      resume(Effect.succeed(socket))
    })
    return Effect.sync(() => socket.destroy())
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new CarbonConnectionError({ op: "connect", message: `cannot connect to carbon at ${address}: no answer in ${Duration.format(timeout)}` })
    })
  )
  return Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const socket = yield* restore(connect)
      const closed = yield* Deferred.make<string>()
      let lastError: string | undefined
      // Always listening: an 'error' without a listener would crash the process.
      socket.on("error", (e) => (lastError = describe(e)))
      socket.once("close", () => Deferred.unsafeDone(closed, Exit.succeed(lastError ?? "carbon closed the connection")))
      // Carbon sends nothing; reading keeps the end of the stream (carbon going away) visible.
      socket.on("data", () => undefined)
      socket.setKeepAlive(true, 10_000)
      socket.setNoDelay(true)
      yield* Effect.addFinalizer(() => release(socket, closed))
      return { address, socket, closed }
    })
  )
}

/** Ends the socket so queued data still goes out, and destroys it if it has not closed in 1 s. */
const release = (socket: Socket, closed: Deferred.Deferred<string>): Effect.Effect<void> =>
  Effect.sync(() => socket.end()).pipe(
    Effect.zipRight(Deferred.await(closed).pipe(Effect.timeout("1 second"), Effect.ignore)),
    Effect.ensuring(Effect.sync(() => socket.destroy()))
  )

/** Writes `data`; succeeds once it is handed to the kernel. */
export const write = (connection: CarbonConnection, data: string): Effect.Effect<void, CarbonConnectionError> =>
  Effect.async<void, CarbonConnectionError>((resume) => {
    connection.socket.write(data, (e) =>
      resume(
        e === undefined || e === null
          ? Effect.void
          : Effect.fail(new CarbonConnectionError({ op: "write", message: `cannot write to carbon at ${connection.address}: ${describe(e)}` }))
      ))
  })
