/**
 * A connection another stream manager opened to this one (see PeerClient.ts). Its first frame, a
 * HELLO, names the peer's container; from then on the connection carries what this stream manager
 * sends that peer: it is the data plane's outlet for that container until it closes (or a newer
 * connection from the same peer replaces it). Nothing else is read from it.
 */
import type * as net from "node:net"
import type { DataPlane } from "./DataPlane.js"
import { FrameReader } from "./FrameReader.js"
import { Kind } from "./Frames.js"
import type { Outlet } from "./Link.js"

/** Serves a connection from another stream manager (StreamManager's listener calls this). */
export const acceptPeer = (socket: net.Socket, plane: DataPlane): void => {
  let attached: { readonly peer: number; readonly outlet: Outlet } | undefined
  const reader = new FrameReader((buf, start) => {
    if (attached !== undefined || buf.readUInt32LE(start + 4) !== 0 || buf[start + 8] !== Kind.HELLO) return
    const peer = buf.readUInt32LE(start + 9)
    attached = { peer, outlet: outletOf(socket, plane, peer) }
    plane.attachPeer(peer, attached.outlet)
  })
  socket.on("data", (chunk: Buffer) => {
    try {
      reader.push(chunk)
    } catch {
      socket.destroy()
    }
  })
  socket.on("error", () => socket.destroy())
  socket.on("close", () => {
    if (attached !== undefined) plane.detachPeer(attached.peer, attached.outlet)
  })
}

/** Writes a peer's batches to `socket`. */
const outletOf = (socket: net.Socket, plane: DataPlane, peer: number): Outlet => {
  // Once written, a batch's buffer goes back to the plane's pool (see Link.takeBatch); and each
  // write's completion re-checks the watermarks: 'drain' alone comes only once the socket's buffer
  // is empty, which would keep spouts stopped until the pipe ran dry instead of resuming them
  // under the low mark.
  const write = (batch: Uint8Array): void => {
    socket.write(batch, () => {
      if (batch.buffer instanceof ArrayBuffer) plane.pool.give(batch.buffer)
      plane.drained(peer)
    })
  }
  return {
    send: write,
    // A turn's batches for this peer in one system call (writev), not one each.
    sendAll: (batches) => {
      socket.cork()
      for (const b of batches) write(b)
      socket.uncork()
    },
    queued: () => socket.writableLength
  }
}
