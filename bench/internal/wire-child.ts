/**
 * One end of a loopback TCP link between two processes, for the stream manager's ceiling:
 *
 * - `raw`: a plain `net.Socket` pair. The sender writes the same batch (64 KB of DATA frames, the
 *   stream managers' batch size) again and again, keeping up to the engine's high watermark queued
 *   in the socket; the receiver counts the bytes. The physical ceiling.
 * - `stmgr`: the engine's own data plane on both ends (`core/engine/internal`): the sender is a
 *   `DataPlane` fed instance batches (a ROUTE frame + the same frames, as `Outbox` builds them)
 *   whose destination task lives in the other container, so it forwards each batch whole to its
 *   peer's socket (the connection the receiver opened to it, served by `acceptPeer`); the receiver
 *   is a `DataPlane` reading its `PeerClient` connection as `StreamManager` does and routing every
 *   frame to its local instance's link, whose batches an outlet counts and reports consumed (as an
 *   instance's worker would) on the next turn.
 *
 *   receive raw <small|large> <warmupMs> <measureMs>: prints {"port"}, then {"phase":"start"}
 *     when the window opens, then {"bytes","seconds","frames","cpuSeconds"} and exits.
 *   receive stmgr <small|large> <warmupMs> <measureMs> <port>: the same, connecting to the sender.
 *   send raw <small|large> <port>: pushes until killed.
 *   send stmgr <small|large>: prints {"port"}, then pushes to the receiver that connects, until killed.
 *
 * `small` frames carry a word-count tuple (["moon", <float>], 37 bytes); `large` ones 16 KB.
 */
import * as net from "node:net"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { encodeValues } from "../../core/engine/internal/Codec.js"
import { DataPlane } from "../../core/engine/internal/DataPlane.js"
import { begin, end, Kind } from "../../core/engine/internal/Frames.js"
import { Outbox, ROUTE_BYTES } from "../../core/engine/internal/Outbox.js"
import { PeerClient } from "../../core/engine/internal/PeerClient.js"
import { watermarksOf } from "../../core/engine/internal/StmgrConfig.js"
import { listenForReceiver } from "./WireServer.js"

const HOST = "127.0.0.1"
const SRC_TASK = 1
const DEST_TASK = 2
const watermarks = watermarksOf({})

const [role, mode, size, a, b] = process.argv.slice(2)
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`)

/** One instance batch as `Outbox` builds it for an instance's emits: a ROUTE to container 2 and a
 * run of DATA frames for task 2 (`Outbox.data`, one call per tuple) until the batch reaches the
 * flush size. Returns it and the size of one frame. */
const instanceBatch = (large: boolean): { readonly batch: Buffer; readonly frame: number } => {
  const outs = new Outbox()
  outs.setPlan(1, new Map([[DEST_TASK, 2]]))
  const values: ReadonlyArray<unknown> = large ? [new Uint8Array(16 * 1024).fill(7)] : ["moon", 1234.5678]
  let frame = 0
  while (!outs.full) {
    const w: ByteWriter = outs.data(DEST_TASK)
    const before = w.len
    const at = begin(w, DEST_TASK, Kind.DATA)
    w.u32(SRC_TASK)
    w.u16(0)
    w.u8(0)
    encodeValues(w, values)
    end(w, at)
    frame = w.len - before
    outs.check(w)
  }
  let batch: Uint8Array | undefined
  outs.drain((x) => (batch = x))
  if (batch === undefined) throw new Error("no batch")
  return { batch: Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength), frame }
}

const receive = (stmgr: boolean, frame: number, warmupMs: number, measureMs: number, port: number) => {
  let bytes = 0
  let started = false
  const window = () => {
    started = true
    setTimeout(() => {
      out({ phase: "start" })
      const b0 = bytes
      const t0 = performance.now()
      const c0 = process.cpuUsage()
      setTimeout(() => {
        const cpu = process.cpuUsage(c0)
        const got = bytes - b0
        out({ bytes: got, seconds: (performance.now() - t0) / 1000, frames: got / frame, cpuSeconds: (cpu.user + cpu.system) / 1e6 })
        // The parent reads this process's CPU once more, then kills it; never outlive it for long.
        setTimeout(() => process.exit(0), 10_000)
      }, measureMs)
    }, warmupMs)
  }
  if (stmgr) {
    const plane = new DataPlane({ container: 2, localTasks: [DEST_TASK], watermarks, messageTimeoutMs: 30_000, onPaused: () => {} })
    plane.setPlan(new Map([[SRC_TASK, 1]]))
    plane.attachInstance(DEST_TASK, {
      send: (batch) => {
        bytes += batch.length
        if (!started) window()
        setImmediate(() => plane.consumed(DEST_TASK, batch.length))
      }
    })
    new PeerClient(1, HOST, port, plane, () => {})
    return
  }
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    socket.on("error", () => socket.destroy())
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length
      if (!started) window()
    })
  })
  server.listen(0, HOST, () => {
    const address = server.address()
    out({ port: typeof address === "object" && address !== null ? address.port : 0 })
  })
}

const send = (stmgr: boolean, batch: Buffer, port: number) => {
  if (stmgr) {
    let paused = false
    let scheduled = false
    const schedule = () => {
      if (scheduled) return
      scheduled = true
      setImmediate(pump)
    }
    const plane = new DataPlane({
      container: 1, localTasks: [SRC_TASK], watermarks, messageTimeoutMs: 30_000,
      onPaused: (p) => {
        paused = p
        if (!p) schedule()
      }
    })
    plane.setPlan(new Map([[DEST_TASK, 2]]))
    listenForReceiver(plane, HOST, (port) => out({ port }))
    // As a spout's bursts: batches until backpressure, then yield to the event loop.
    const pump = () => {
      scheduled = false
      for (let i = 0; i < 16 && !paused; i++) plane.fromInstance(batch)
      if (!paused) schedule()
    }
    schedule()
    return
  }
  const payload = batch.subarray(ROUTE_BYTES)
  const socket = net.connect({ host: HOST, port })
  socket.setNoDelay(true)
  let scheduled = false
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(pump)
  }
  const pump = () => {
    scheduled = false
    for (let i = 0; i < 16; i++) {
      if (socket.writableLength > watermarks.high) return // 'drain' resumes
      socket.write(payload)
    }
    schedule()
  }
  socket.on("connect", schedule)
  socket.on("drain", schedule)
  socket.on("error", () => process.exit(0))
}

const { batch, frame } = instanceBatch(size === "large")
const stmgr = mode === "stmgr"
if (role === "receive") receive(stmgr, frame, Number(a), Number(b), Number(process.argv[7]))
else if (role === "send") send(stmgr, batch, Number(a))
else throw new Error(`unknown role ${String(role)}`)
