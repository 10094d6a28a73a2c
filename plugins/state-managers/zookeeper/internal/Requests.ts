/**
 * Requests over the session: waiting for a connection (`connectedAfter`), and running one request
 * with the connected client (`run`), retried on the next connection after a connection loss or a
 * session expiry, within the operation bound.
 */
import { Clock, Duration, Effect, Option, Stream, type SubscriptionRef } from "effect"
import { StateError } from "../../../../core/StateManager.js"
import { failWith } from "./Explain.js"
import type { Conn, Session, SessionState } from "./Session.js"
import { Codes, describeFailure, isRetryable, ZkFailure } from "./Zk.js"

/** {@link Session.connectedAfter} over the session's state: completes once connected with an epoch
 * after `epoch`, or fails with the session's fatal failure. */
export const connectedAfter = (state: SubscriptionRef.SubscriptionRef<SessionState>) => (epoch: number): Effect.Effect<Conn, ZkFailure> =>
  state.changes.pipe(
    Stream.filter((s) => Option.isSome(s.fatal) || Option.exists(s.connected, (c) => c.epoch > epoch)),
    Stream.runHead,
    Effect.flatMap((found) => {
      const s = Option.getOrThrow(found) // the changes stream never ends
      return Option.match(s.fatal, { onSome: Effect.fail, onNone: () => Effect.succeed(Option.getOrThrow(s.connected)) })
    })
  )

/** {@link Session.run} for a session: retries within its operation bound, and names its
 * connection string when it gives up. */
export const makeRun = (session: Pick<Session, "connectionString" | "operationTimeout" | "connectedAfter">) => {
  const boundMs = Duration.toMillis(session.operationTimeout)
  return <A>(op: string, path: string, zkPath: string, f: (conn: Conn, attempt: number) => Effect.Effect<A, ZkFailure>): Effect.Effect<A, StateError> =>
    Effect.gen(function* () {
      const deadline = (yield* Clock.currentTimeMillis) + boundMs
      let after = 0
      let last = new ZkFailure({ code: Codes.CONNECTION_LOSS, name: "CONNECTION_LOSS", zkPath, detail: "not connected" })
      const giveUp = () =>
        new StateError({
          op,
          path,
          message: `${op} ${zkPath}: ZooKeeper at ${session.connectionString} did not answer within ${boundMs} ms (last error ${describeFailure(last)})`
        })
      for (let attempt = 0; ; attempt++) {
        const remaining = deadline - (yield* Clock.currentTimeMillis)
        if (remaining <= 0) return yield* Effect.fail(giveUp())
        // The waits are interruptible even when `run` is not (in a finalizer, say), so that the
        // bound holds there too.
        const conn = yield* Effect.interruptible(session.connectedAfter(after)).pipe(
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
}
