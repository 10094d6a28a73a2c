/**
 * The connection this stream manager opens to another one, on which it receives what that one
 * sends it (its HELLO, its backpressure frames, the frames for this container's tasks) and hands
 * it to the data plane. What this stream manager sends the other goes the other way: on the
 * connection the other one opened (see PeerSocket.ts).
 *
 * Reading on a connection it opened lets a stream manager read into one buffer of its own, reused
 * for every read (Node's `onread`), where an accepted connection's reads each come in a new
 * ArrayBuffer. Those buffers die young in a thread that allocates little else, and V8 counted
 * them as external memory until a full collection: a stream manager reading its peer at full
 * speed ran a full collection every second or so, each pausing every tuple through it for
 * milliseconds (most of the p99 latency at half rate).
 *
 * Connects, says HELLO (this container's index), and reconnects with backoff (100 ms doubling to
 * 2 s) when the connection drops, until closed. A new address (the peer's container restarted)
 * replaces the connection at once.
 */
import * as net from "node:net"
import { ByteWriter } from "./ByteWriter.js"
import type { DataPlane } from "./DataPlane.js"
import { FrameReader } from "./FrameReader.js"
import { Kind, writeControl } from "./Frames.js"

const MIN_BACKOFF_MS = 100
const MAX_BACKOFF_MS = 2000
/** The read buffer: a socket read returns at most this much (a frame may span several reads). */
const READ_BYTES = 64 * 1024

export class PeerClient {
  private socket: net.Socket | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private backoff = MIN_BACKOFF_MS
  private closed = false
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_BYTES)

  constructor(
    readonly container: number,
    private host: string,
    private port: number,
    private readonly plane: DataPlane,
    private readonly onState: (message: string) => void
  ) {
    this.connect()
  }

  /** Points the client at a (possibly) new address. */
  setAddress(host: string, port: number): void {
    if (host === this.host && port === this.port) return
    this.host = host
    this.port = port
    this.backoff = MIN_BACKOFF_MS
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
      this.connect()
    } else this.socket?.destroy()
  }

  private connect(): void {
    if (this.closed) return
    const plane = this.plane
    // Frames cut by a read boundary are completed in buffers from the plane's pool; whole ones are
    // routed from the read buffer in place (the data plane copies what it keeps).
    const reader = new FrameReader((buf, start, end, owned) => plane.fromPeer(buf, start, end, owned), undefined, (size) => plane.pool.take(size))
    const s: net.Socket = net.connect({
      host: this.host,
      port: this.port,
      onread: {
        buffer: this.readBuffer,
        callback: (n: number, buf: Uint8Array): boolean => {
          try {
            reader.push(Buffer.from(buf.buffer, buf.byteOffset, n))
          } catch {
            s.destroy()
            return false
          }
          return true
        }
      }
    })
    this.socket = s
    s.setNoDelay(true)
    s.on("connect", () => {
      this.backoff = MIN_BACKOFF_MS
      this.onState(`connected to stmgr-${this.container} at ${this.host}:${this.port}`)
      const hello = new ByteWriter(16)
      writeControl(hello, Kind.HELLO, plane.container)
      s.write(hello.take())
    })
    s.on("error", () => {
      // 'close' follows and schedules the reconnect.
    })
    s.on("close", () => {
      if (this.socket !== s) return
      this.socket = undefined
      // Its backpressure, if any, ends with the connection it came on.
      plane.peerGone(this.container)
      if (this.closed) return
      const wait = this.backoff
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2)
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.connect()
      }, wait)
    })
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.socket?.destroy()
    this.socket = undefined
  }
}
