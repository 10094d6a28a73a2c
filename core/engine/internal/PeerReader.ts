/**
 * Reads the data socket of one peer stream manager: its first HELLO frame names the peer
 * container, every other frame goes to the data plane (buffers for cut frames from its pool).
 */
import type { DataPlane } from "./DataPlane.js"
import { FrameReader } from "./FrameReader.js"
import { Kind } from "./Frames.js"

export interface PeerReader {
  readonly reader: FrameReader
  /** The peer's container index, once its HELLO arrived. */
  readonly peer: () => number | undefined
}

export const peerReader = (plane: DataPlane): PeerReader => {
  let peer: number | undefined
  const reader = new FrameReader((buf, start, end, owned) => {
    if (peer === undefined && buf.readUInt32LE(start + 4) === 0 && buf[start + 8] === Kind.HELLO) {
      peer = buf.readUInt32LE(start + 9)
      return
    }
    plane.fromPeer(buf, start, end, owned)
  }, undefined, (size) => plane.pool.take(size))
  return { reader, peer: () => peer }
}
