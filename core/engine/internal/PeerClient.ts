/**
 * The outbound data connection to another stream manager. Connects, hands the socket to the data
 * plane, and reconnects with backoff (100 ms doubling to 2 s) when the connection drops, until
 * closed. A new address (the peer's container restarted) replaces the connection at once.
 */
import * as net from "node:net"
import type { DataPlane } from "./DataPlane.js"

const MIN_BACKOFF_MS = 100
const MAX_BACKOFF_MS = 2000

export class PeerClient {
  private socket: net.Socket | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private backoff = MIN_BACKOFF_MS
  private closed = false

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
    const s = net.connect({ host: this.host, port: this.port })
    this.socket = s
    s.setNoDelay(true)
    s.on("connect", () => {
      this.backoff = MIN_BACKOFF_MS
      this.onState(`connected to stmgr-${this.container} at ${this.host}:${this.port}`)
      // Each write's completion re-checks the watermarks: 'drain' alone comes only once the
      // socket's buffer is empty, which would keep spouts stopped until the pipe ran dry instead
      // of resuming them under the low mark.
      const written = () => this.plane.drained(this.container)
      this.plane.attachPeer(this.container, {
        send: (batch) => {
          s.write(batch, written)
        },
        // A turn's batches for this peer in one system call (writev), not one each.
        sendAll: (batches) => {
          s.cork()
          for (const b of batches) s.write(b, written)
          s.uncork()
        },
        queued: () => s.writableLength
      })
    })
    s.on("data", () => {
      // Peers never write on our outbound connection.
    })
    s.on("error", () => {
      // 'close' follows and schedules the reconnect.
    })
    s.on("close", () => {
      if (this.socket !== s) return
      this.socket = undefined
      this.plane.attachPeer(this.container, undefined)
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
