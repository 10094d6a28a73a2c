import { afterEach, describe, expect, it } from "vitest"
import * as net from "node:net"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { DataPlane } from "../../core/engine/internal/DataPlane.js"
import { forEachFrame, Kind, writeControl } from "../../core/engine/internal/Frames.js"
import { PeerClient } from "../../core/engine/internal/PeerClient.js"
import { acceptPeer } from "../../core/engine/internal/PeerSocket.js"
import { watermarksOf } from "../../core/engine/internal/StmgrConfig.js"

const HOST = "127.0.0.1"
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const f of cleanups.splice(0)) f()
})

const plane = (container: number, localTasks: ReadonlyArray<number>) =>
  new DataPlane({ container, localTasks, watermarks: watermarksOf({}), messageTimeoutMs: 30_000, onPaused: () => {} })

/** A stream manager's listener: connections from peers carry what `p` sends them. `drop` closes
 * every connection accepted so far (as when the container goes away). */
const listen = (p: DataPlane): Promise<{ readonly port: number; readonly drop: () => void }> =>
  new Promise((resolve) => {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      sockets.add(socket)
      acceptPeer(socket, p)
    })
    const drop = () => {
      for (const s of sockets) s.destroy()
    }
    cleanups.push(() => {
      drop()
      server.close()
    })
    server.listen(0, HOST, () => {
      const a = server.address()
      resolve({ port: typeof a === "object" && a !== null ? a.port : 0, drop })
    })
  })

/** `n` DATA frames for `task`. */
const frames = (w: ByteWriter, task: number, n: number): ByteWriter => {
  for (let i = 0; i < n; i++) {
    w.u32(9 + 7 + 2 - 4)
    w.u32(task)
    w.u8(Kind.DATA)
    w.u32(1)
    w.u16(0)
    w.u8(0)
    w.u16(0)
  }
  return w
}

/** An instance batch for `task` in another container: a ROUTE frame, then `n` DATA frames. */
const routed = (container: number, task: number, n: number): Buffer => {
  const w = new ByteWriter(1024)
  writeControl(w, Kind.ROUTE, container)
  return Buffer.from(frames(w, task, n).take())
}

const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(f()).toBe(true)
}

describe("connections between stream managers", () => {
  it("carry what a stream manager sends on the connection its peer opened, even one made before the plan named the peer", async () => {
    // Container 1 runs task 1; container 2 runs task 2 and sends to task 1.
    const one = plane(1, [1])
    const two = plane(2, [2])
    const got: Array<number> = []
    one.attachInstance(1, {
      send: (b) => {
        forEachFrame(Buffer.from(b), 0, b.length, (x, s) => void got.push(x.readUInt32LE(s + 4)))
        one.consumed(1, b.length)
      }
    })
    one.setPlan(new Map([[2, 2]]))
    const { port } = await listen(two)
    // Container 1 connects (and says HELLO) before container 2 has a plan naming container 1.
    const client = new PeerClient(2, HOST, port, one, () => {})
    cleanups.push(() => client.close())
    await new Promise((r) => setTimeout(r, 50))
    two.setPlan(new Map([[1, 1]]))
    two.fromInstance(routed(1, 1, 3))
    await until(() => got.length === 3)
    expect(got).toEqual([1, 1, 1])
  })

  it("ends a peer's backpressure when the connection its frames came on closes", async () => {
    const paused: Array<boolean> = []
    const one = new DataPlane({
      container: 1, localTasks: [1], watermarks: watermarksOf({}), messageTimeoutMs: 30_000, onPaused: (p) => void paused.push(p)
    })
    // Container 2's buffers start backpressure from 100 bytes on.
    const two = new DataPlane({ container: 2, localTasks: [2], watermarks: { high: 100, low: 50 }, messageTimeoutMs: 30_000, onPaused: () => {} })
    one.setPlan(new Map([[2, 2]]))
    two.setPlan(new Map([[1, 1]]))
    const { port, drop } = await listen(two)
    const client = new PeerClient(2, HOST, port, one, () => {})
    cleanups.push(() => client.close())
    await new Promise((r) => setTimeout(r, 50))
    // Task 2's instance is not connected: what is sent to it stays buffered, over the mark.
    two.fromInstance(Buffer.from(frames(new ByteWriter(1024), 2, 20).take()))
    await until(() => paused.includes(true))
    // Container 2 goes away: its backpressure with it.
    drop()
    await until(() => paused[paused.length - 1] === false)
  })
})
