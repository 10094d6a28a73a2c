/**
 * TCP servers as scoped resources: listening is acquired, and closing the scope destroys every
 * open connection and closes the server.
 */
import { Effect, type Scope } from "effect"
import * as net from "node:net"
import { EngineError } from "../EngineError.js"

/** Listens on `host:port` (0: any free port) and returns the server and the bound port. */
export const listen = (
  what: string,
  host: string,
  port: number,
  onConnection: (socket: net.Socket) => void
): Effect.Effect<{ readonly server: net.Server; readonly port: number }, EngineError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: net.Server; sockets: Set<net.Socket>; port: number }, EngineError>((resume) => {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((socket) => {
        sockets.add(socket)
        socket.on("close", () => sockets.delete(socket))
        socket.setNoDelay(true)
        onConnection(socket)
      })
      server.once("error", (e) => resume(Effect.fail(new EngineError({ message: `${what}: cannot listen on ${host}:${port}: ${e.message}` }))))
      server.listen(port, host, () => {
        const address = server.address()
        const bound = typeof address === "object" && address !== null ? address.port : port
        resume(Effect.succeed({ server, sockets, port: bound }))
      })
    }),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const s of sockets) s.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ server, port }) => ({ server, port })))

/** A short description of a socket error or close reason. */
export const describeSocketError = (e: unknown): string => (e instanceof Error ? e.message : String(e))
