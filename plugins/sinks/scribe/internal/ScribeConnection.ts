/**
 * One Thrift connection to a scribe server (framed transport, binary protocol), through the client
 * generated from `../scribe.thrift`. The connection never reconnects by itself: when it is lost,
 * `log` fails and the sink opens a new one on its own schedule (see `ScribeSink.ts`).
 */
import { Data, Duration, Effect, type Scope } from "effect"
import thrift from "thrift"
import ScribeService from "../gen/scribe.cjs"
import ScribeTypes from "../gen/scribe_types.cjs"

/** The connection could not be opened, was lost, or a call failed or timed out. */
export class ScribeConnectionError extends Data.TaggedError("ScribeConnectionError")<{
  readonly message: string
}> {}

/** What scribe answered to one `Log` call. */
export type LogResult = "OK" | "TRY_LATER"

/** One entry of a `Log` call. */
export interface Entry {
  readonly category: string
  readonly message: string
}

export interface ScribeConnection {
  /** Sends one batch with scribe's `Log`; `TRY_LATER` means the server kept nothing. Fails when the
   * connection is gone, the server answers with an exception, or no answer comes within the timeout. */
  readonly log: (entries: ReadonlyArray<Entry>) => Effect.Effect<LogResult, ScribeConnectionError>
  /** False once the connection is known to be lost. */
  readonly isOpen: Effect.Effect<boolean>
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Opens a connection to `host:port`, waiting at most `timeout` for it; it is closed with the scope. */
export const connect = (
  host: string,
  port: number,
  timeout: Duration.Duration
): Effect.Effect<ScribeConnection, ScribeConnectionError, Scope.Scope> =>
  Effect.gen(function* () {
    const where = `${host}:${port}`
    const connection = yield* Effect.acquireRelease(
      Effect.async<thrift.Connection, ScribeConnectionError>((resume) => {
        const c = thrift.createConnection(host, port, { transport: thrift.TFramedTransport, protocol: thrift.TBinaryProtocol })
        const settle = (result: Effect.Effect<thrift.Connection, ScribeConnectionError>) => {
          c.off("connect", onConnect)
          c.off("error", onError)
          c.off("close", onClose)
          resume(result)
        }
        const fail = (why: string) => {
          c.destroy()
          settle(Effect.fail(new ScribeConnectionError({ message: `cannot connect to scribe at ${where}: ${why}` })))
        }
        const onConnect = () => settle(Effect.succeed(c))
        const onError = (e: unknown) => fail(describe(e))
        const onClose = () => fail("connection closed")
        c.on("connect", onConnect)
        c.on("error", onError)
        c.on("close", onClose)
        // A thrift Connection re-emits its socket's errors and throws when nobody listens: this
        // listener only keeps the process alive. A lost connection shows in `connected`, which
        // `log` and `isOpen` read.
        c.on("error", () => {})
        return Effect.sync(() => c.destroy())
      }).pipe(
        // Interruptible even where the caller is not (a finalizer, ScopedRef.set): else the
        // timeout could not cut a connect that never answers.
        Effect.interruptible,
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new ScribeConnectionError({ message: `cannot connect to scribe at ${where}: no answer within ${Duration.format(timeout)}` })
        })
      ),
      (c) => Effect.sync(() => c.destroy())
    )
    const client = thrift.createClient(ScribeService.Client, connection)

    const log = (entries: ReadonlyArray<Entry>) =>
      Effect.async<LogResult, ScribeConnectionError>((resume) => {
        const failed = (why: string) =>
          Effect.fail(new ScribeConnectionError({ message: `Log to scribe at ${where} failed: ${why}` }))
        if (!connection.connected) return resume(failed("the connection is lost"))
        let done = false
        const settle = (result: Effect.Effect<LogResult, ScribeConnectionError>) => {
          if (done) return
          done = true
          connection.off("close", onClose)
          resume(result)
        }
        const onClose = () => settle(failed("the connection closed before the answer"))
        connection.on("close", onClose)
        try {
          client.Log(entries.map((e) => new ScribeTypes.LogEntry({ category: e.category, message: e.message }))).then(
            (code) => {
              switch (code) {
                case ScribeTypes.ResultCode.OK: return settle(Effect.succeed("OK"))
                case ScribeTypes.ResultCode.TRY_LATER: return settle(Effect.succeed("TRY_LATER"))
                default: return settle(failed(`unknown result code ${String(code)}`))
              }
            },
            (e: unknown) => settle(failed(describe(e)))
          )
        } catch (e) {
          settle(failed(describe(e)))
        }
        return Effect.sync(() => {
          done = true
          connection.off("close", onClose)
        })
      }).pipe(
        // As above: a close (run as a finalizer) must not wait for a server that never answers.
        Effect.interruptible,
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => new ScribeConnectionError({ message: `Log to scribe at ${where} failed: no answer within ${Duration.format(timeout)}` })
        })
      )

    return { log, isOpen: Effect.sync(() => connection.connected) } satisfies ScribeConnection
  })
