/**
 * A scribe server for tests: a Thrift server built from the sink's own IDL (the Processor in
 * plugins/sinks/scribe/gen/, framed transport, binary protocol) on a free port of 127.0.0.1. It
 * keeps every entry it accepted, can be told to answer TRY_LATER or to hang, and can be stopped
 * (listener and open connections) and started again on the same port to test reconnection.
 */
import * as net from "node:net"
import { Effect, type Scope } from "effect"
import thrift from "thrift"
import ScribeService from "../../../plugins/sinks/scribe/gen/scribe.cjs"
import ScribeTypes from "../../../plugins/sinks/scribe/gen/scribe_types.cjs"

export interface ReceivedEntry {
  readonly category: string
  readonly message: string
}

export interface ScribeServer {
  readonly port: number
  /** Entries of the Log calls answered OK, in arrival order. */
  readonly received: Effect.Effect<ReadonlyArray<ReceivedEntry>>
  /** Every Log call so far, with the answer it got. */
  readonly calls: Effect.Effect<ReadonlyArray<{ readonly entries: number; readonly answer: "OK" | "TRY_LATER" | "none" }>>
  /** Connections open now. */
  readonly connections: Effect.Effect<number>
  /** The next `n` Log calls are answered TRY_LATER (their entries are not kept). */
  readonly tryLater: (n: number) => Effect.Effect<void>
  /** From now on Log calls get no answer (until `stop`). */
  readonly hang: Effect.Effect<void>
  /** Closes the listener and every open connection. */
  readonly stop: Effect.Effect<void>
  /** Listens again, on the same port (fails if the port was taken meanwhile). */
  readonly start: Effect.Effect<void, Error>
}

/** Starts a scribe server; it is stopped with the scope. */
export const make: Effect.Effect<ScribeServer, Error, Scope.Scope> = Effect.gen(function* () {
  const received: Array<ReceivedEntry> = []
  const calls: Array<{ entries: number; answer: "OK" | "TRY_LATER" | "none" }> = []
  const sockets = new Set<net.Socket>()
  let tryLaterLeft = 0
  let hanging = false
  let port = 0
  let server: net.Server | undefined

  const handler = {
    // One parameter: the generated processor then awaits the returned promise.
    Log: (messages: ReadonlyArray<{ category: string; message: string }>) => {
      if (hanging) {
        calls.push({ entries: messages.length, answer: "none" })
        return new Promise<never>(() => {})
      }
      if (tryLaterLeft > 0) {
        tryLaterLeft--
        calls.push({ entries: messages.length, answer: "TRY_LATER" })
        return Promise.resolve(ScribeTypes.ResultCode.TRY_LATER)
      }
      calls.push({ entries: messages.length, answer: "OK" })
      for (const m of messages) received.push({ category: m.category, message: m.message })
      return Promise.resolve(ScribeTypes.ResultCode.OK)
    }
  }

  const start = Effect.async<void, Error>((resume) => {
    const s: net.Server = thrift.createServer(ScribeService.Processor, handler, {
      transport: thrift.TFramedTransport,
      protocol: thrift.TBinaryProtocol
    })
    s.on("connection", (socket: net.Socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    s.once("error", (e) => resume(Effect.fail(e)))
    s.listen(port, "127.0.0.1", () => {
      const address = s.address()
      if (address !== null && typeof address === "object") port = address.port
      server = s
      resume(Effect.void)
    })
  })

  const stop = Effect.async<void>((resume) => {
    const s = server
    server = undefined
    hanging = false
    for (const socket of sockets) socket.destroy()
    if (s === undefined) return resume(Effect.void)
    s.close(() => resume(Effect.void))
  })

  yield* Effect.acquireRelease(start, () => stop)

  const self: ScribeServer = {
    port,
    received: Effect.sync(() => [...received]),
    calls: Effect.sync(() => calls.map((c) => ({ ...c }))),
    connections: Effect.sync(() => sockets.size),
    tryLater: (n) => Effect.sync(() => { tryLaterLeft = n }),
    hang: Effect.sync(() => { hanging = true }),
    stop,
    start
  }
  return self
})
