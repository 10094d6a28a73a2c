/**
 * The sending end of a two-process data plane measurement (`wire-child.ts`, and the profiling
 * probe `test/engine/perf/dataplane-probe.ts`): listens on `host` for the receiving stream
 * manager's connection, serves it with `plane` as a stream manager does (`acceptPeer`), and calls
 * `announce` with the port once listening.
 */
import * as net from "node:net"
import type { DataPlane } from "../../core/engine/internal/DataPlane.js"
import { acceptPeer } from "../../core/engine/internal/PeerSocket.js"

export const listenForReceiver = (plane: DataPlane, host: string, announce: (port: number) => void): net.Server => {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    acceptPeer(socket, plane)
  })
  server.listen(0, host, () => {
    const address = server.address()
    announce(typeof address === "object" && address !== null ? address.port : 0)
  })
  return server
}
