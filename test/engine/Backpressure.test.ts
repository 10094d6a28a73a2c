import { describe, expect, it } from "vitest"
import { Backpressure } from "../../core/engine/internal/Backpressure.js"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { DataPlane } from "../../core/engine/internal/DataPlane.js"
import type { Outlet } from "../../core/engine/internal/Link.js"
import { AckRun } from "../../core/engine/internal/AckRun.js"
import { AckOp, begin, end, forEachFrame, Kind, writeControl } from "../../core/engine/internal/Frames.js"
import { watermarksOf } from "../../core/engine/internal/StmgrConfig.js"

describe("backpressure watermarks", () => {
  it("start above the high mark and stop only under the low mark", () => {
    const bp = new Backpressure({ high: 100, low: 50 })
    expect(bp.update("a", 100, 0)).toBeUndefined()
    expect(bp.update("a", 101, 0)).toBe("start")
    expect(bp.paused).toBe(true)
    expect(bp.update("a", 80, 10)).toBeUndefined()
    expect(bp.update("b", 500, 10)).toBeUndefined() // already initiating
    expect(bp.update("a", 50, 20)).toBeUndefined() // b is still over
    expect(bp.overLinks).toEqual(["b"])
    expect(bp.remove("b", 30)).toBe("stop")
    expect(bp.initiating).toBe(false)
    expect(bp.takeTimeSpent(40)).toBe(30)
    expect(bp.takeTimeSpent(50)).toBe(0)
  })

  it("count the time each buffer spends over the mark (Heron's time spent in backpressure by instance)", () => {
    const bp = new Backpressure({ high: 100, low: 50 })
    bp.update("instance-1", 101, 0)
    bp.update("instance-2", 101, 5)
    bp.update("instance-1", 10, 20) // 20 ms over
    expect(bp.takeTimeSpentBy(["instance-1", "instance-2", "instance-3"], 25)).toEqual([["instance-1", 20], ["instance-2", 20], ["instance-3", 0]])
    // instance-2 is still over: the next interval counts from the last report.
    bp.remove("instance-2", 40)
    expect(bp.takeTimeSpentBy(["instance-1", "instance-2"], 50)).toEqual([["instance-1", 0], ["instance-2", 15]])
    expect(bp.takeTimeSpentBy(["instance-2"], 60)).toEqual([["instance-2", 0]])
  })

  it("pause spouts while any other stream manager initiates", () => {
    const bp = new Backpressure({ high: 100, low: 50 })
    bp.setRemote(2, true)
    bp.setRemote(3, true)
    expect(bp.paused).toBe(true)
    expect(bp.initiating).toBe(false)
    bp.setRemote(2, false)
    expect(bp.paused).toBe(true)
    bp.setRemote(3, false)
    expect(bp.paused).toBe(false)
  })

  it("read Heron's watermark keys in MB, with defaults", () => {
    expect(watermarksOf({})).toEqual({ high: 16 * 1024 * 1024, low: 8 * 1024 * 1024 })
    expect(watermarksOf({ "heron.stmgr.network.backpressure.highwatermark.mb": "1", "heron.stmgr.network.backpressure.lowwatermark.mb": "0.25" }))
      .toEqual({ high: 1024 * 1024, low: 256 * 1024 })
  })
})

const dataFrame = (w: ByteWriter, dest: number, bytes: number) => {
  const at = begin(w, dest, Kind.DATA)
  w.ensure(bytes)
  w.len += bytes
  end(w, at)
}

const batch = (f: (w: ByteWriter) => void): Buffer => {
  const w = new ByteWriter()
  f(w)
  const b = w.take()
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

/** An outlet recording what it was sent (frames by kind and destination). */
const recorder = (queued?: () => number) => {
  const frames: Array<{ readonly dest: number; readonly kind: number; readonly container?: number }> = []
  let bytes = 0
  const outlet: Outlet = {
    send: (b) => {
      bytes += b.length
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
      forEachFrame(buf, 0, buf.length, (x, s) => frames.push({
        dest: x.readUInt32LE(s + 4), kind: x[s + 8]!, ...(x.readUInt32LE(s + 4) === 0 ? { container: x.readUInt32LE(s + 9) } : {})
      }))
    },
    ...(queued === undefined ? {} : { queued })
  }
  return { outlet, frames, bytes: () => bytes }
}

const nextTurn = () => new Promise((r) => setImmediate(r))

describe("data plane", () => {
  const make = (onPaused: (p: boolean) => void = () => {}) => {
    const plane = new DataPlane({ container: 1, localTasks: [1, 2], watermarks: { high: 10_000, low: 2_000 }, messageTimeoutMs: 1000, onPaused })
    plane.setPlan(new Map([[3, 2], [4, 2]]))
    return plane
  }

  it("routes by destination task to local instances and to the other stream manager, batched per turn", async () => {
    const plane = make()
    const i2 = recorder()
    const peer = recorder(() => 0)
    plane.attachInstance(2, i2.outlet)
    plane.attachPeer(2, peer.outlet)
    plane.fromInstance(batch((w) => {
      dataFrame(w, 2, 10)
      dataFrame(w, 3, 10)
      dataFrame(w, 4, 10)
      dataFrame(w, 9, 10) // not in the plan: dropped
    }))
    expect(i2.frames).toEqual([]) // not before the end of the turn
    await nextTurn()
    expect(i2.frames).toEqual([{ dest: 2, kind: Kind.DATA }])
    expect(peer.frames.map((f) => [f.dest, f.kind])).toEqual([[0, Kind.HELLO], [3, Kind.DATA], [4, Kind.DATA]])
    expect(plane.stats).toMatchObject({ tuplesToWorkers: 1, tuplesToPeers: 2, dropped: 1 })
  })

  it("keeps frames for an instance that is not started yet, and sends them once it is", async () => {
    const plane = make()
    plane.fromInstance(batch((w) => dataFrame(w, 1, 10)))
    await nextTurn()
    const i1 = recorder()
    plane.attachInstance(1, i1.outlet)
    await nextTurn()
    expect(i1.frames).toEqual([{ dest: 1, kind: Kind.DATA }])
  })

  it("completes a local spout's root and sends ACKED to it", async () => {
    const plane = make()
    const spout = recorder()
    plane.attachInstance(1, spout.outlet)
    const acks = (op: number) => batch((w) => {
      const run = new AckRun(1)
      run.add(op, 0, 77, 0, 5)
      run.writeTo(w)
    })
    plane.fromInstance(acks(AckOp.INIT))
    expect(plane.acks.size).toBe(1)
    const xor = acks(AckOp.XOR)
    plane.fromPeer(xor, 0, xor.length)
    await nextTurn()
    expect(spout.frames).toEqual([{ dest: 1, kind: Kind.ACKED }])
    expect(plane.acks.size).toBe(0)
  })

  it("starts backpressure when an instance falls behind, tells the peers, and stops under the low mark", async () => {
    const paused: Array<boolean> = []
    const plane = make((p) => paused.push(p))
    const slow = recorder()
    const peer = recorder(() => 0)
    plane.attachInstance(2, slow.outlet)
    plane.attachPeer(2, peer.outlet)
    for (let i = 0; i < 12; i++) plane.fromInstance(batch((w) => dataFrame(w, 2, 1000)))
    await nextTurn()
    expect(paused).toEqual([true])
    expect(plane.bp.initiating).toBe(true)
    expect(peer.frames.filter((f) => f.kind === Kind.BP_START)).toEqual([{ dest: 0, kind: Kind.BP_START, container: 1 }])
    plane.consumed(2, slow.bytes() - 3000) // still over the low mark
    expect(paused).toEqual([true])
    plane.consumed(2, 3000)
    expect(paused).toEqual([true, false])
    expect(peer.frames.filter((f) => f.kind === Kind.BP_STOP)).toHaveLength(1)
  })

  it("pauses spouts while another stream manager initiates, until it stops or goes away", () => {
    const paused: Array<boolean> = []
    const plane = make((p) => paused.push(p))
    const control = (kind: number) => {
      const b = batch((w) => writeControl(w, kind, 2))
      plane.fromPeer(b, 0, b.length)
    }
    control(Kind.BP_START)
    control(Kind.BP_STOP)
    control(Kind.BP_START)
    plane.peerGone(2)
    expect(paused).toEqual([true, false, true, false])
  })

  it("counts a disconnected peer's buffer against the watermarks", async () => {
    const paused: Array<boolean> = []
    const plane = make((p) => paused.push(p))
    for (let i = 0; i < 12; i++) plane.fromInstance(batch((w) => dataFrame(w, 3, 1000)))
    await nextTurn()
    expect(paused).toEqual([true])
    const peer = recorder(() => 0)
    plane.attachPeer(2, peer.outlet)
    await nextTurn()
    expect(peer.frames.filter((f) => f.kind === Kind.DATA)).toHaveLength(12)
    expect(paused).toEqual([true, false])
  })

  it("forwards an instance's batch for another container whole, behind what is already queued, with the turn's others", async () => {
    const plane = make()
    const peer = recorder(() => 0)
    const writes: Array<number> = []
    const outlet: Outlet = {
      ...peer.outlet,
      sendAll: (bs) => {
        writes.push(bs.length)
        for (const b of bs) peer.outlet.send(b)
      }
    }
    const routed = (n: number) => batch((w) => {
      writeControl(w, Kind.ROUTE, 2)
      for (let i = 0; i < n; i++) dataFrame(w, 3, 10)
    })
    // Batches with an ArrayBuffer of their own (as one bigger than an instance's ring):
    // handed on as they are when nothing is queued before them.
    plane.fromInstance(routed(2), true) // not connected yet: queued
    plane.attachPeer(2, outlet)
    plane.fromInstance(routed(3), true) // queued behind the first two
    await nextTurn()
    plane.fromInstance(routed(1), true) // nothing queued: goes as it is, at the end of the turn
    plane.fromInstance(routed(2), true) // with this one, in one write
    expect(peer.frames.map((f) => f.kind)).toEqual([Kind.HELLO, ...Array<number>(5).fill(Kind.DATA)])
    await nextTurn()
    expect(peer.frames.map((f) => f.kind)).toEqual([Kind.HELLO, ...Array<number>(8).fill(Kind.DATA)])
    expect(writes).toEqual([2])
    expect(plane.stats).toMatchObject({ tuplesToPeers: 8, dropped: 0 })
    const other = batch((w) => {
      writeControl(w, Kind.ROUTE, 7)
      dataFrame(w, 30, 10)
    })
    plane.fromInstance(other) // container 7 is not in the plan
    expect(plane.stats.dropped).toBe(1)
  })
})
