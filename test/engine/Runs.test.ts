import { describe, expect, it } from "vitest"
import { AckTable } from "../../core/engine/internal/AckTable.js"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { DataPlane } from "../../core/engine/internal/DataPlane.js"
import { Emitter } from "../../core/engine/internal/Emitter.js"
import { FrameReader } from "../../core/engine/internal/FrameReader.js"
import { AckOp, forEachFrame, Kind, RUN_HEAD } from "../../core/engine/internal/Frames.js"
import { InstanceMetrics } from "../../core/engine/internal/InstanceMetrics.js"
import type { Outlet } from "../../core/engine/internal/Link.js"
import { Outbox, ROUTE_BYTES } from "../../core/engine/internal/Outbox.js"
import { BoltRunner } from "../../core/engine/internal/BoltRunner.js"
import type { FromWorker } from "../../core/engine/internal/WorkerProtocol.js"
import { routesOf, type Route } from "../../core/engine/internal/Routes.js"
import { bolt, spout } from "../../core/topology/Api.js"
import { TopologyBuilder } from "../../core/topology/TopologyBuilder.js"

/** An emitter of task 1 shuffling `values` over `tasks`, with the plan `containerOf` (self: 1). */
const emitterOver = (tasks: ReadonlyArray<number>, containerOf: ReadonlyArray<readonly [number, number]>) => {
  const outs = new Outbox()
  outs.setPlan(1, new Map([[1, 1], ...containerOf]))
  const route: Route = {
    streamId: 0, stream: "default", fields: ["v"],
    subscribers: [{ bolt: "b", grouping: "shuffle", tasks, fieldIndexes: [], custom: undefined, next: 0 }]
  }
  return { outs, emitter: new Emitter(outs, 1, "s", new Map([["default", route]])) }
}

const drained = (outs: Outbox): Array<Buffer> => {
  const batches: Array<Buffer> = []
  outs.drain((b) => batches.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength)))
  return batches
}

/** The top-level frames of a batch: destination, kind, and for a RUN its tuple count and the
 * destinations of its DATA frames. */
const frames = (b: Buffer) => {
  const out: Array<{ dest: number; kind: number; tuples?: number; inner?: Array<number> }> = []
  forEachFrame(b, 0, b.length, (x, s, e) => {
    const kind = x[s + 8]!
    if (kind !== Kind.RUN) return void out.push({ dest: x.readUInt32LE(s + 4), kind })
    const inner: Array<number> = []
    forEachFrame(x, s + RUN_HEAD, e, (y, t) => void inner.push(y[t + 8] === Kind.DATA ? y.readUInt32LE(t + 4) : -1))
    out.push({ dest: x.readUInt32LE(s + 4), kind, tuples: x.readUInt32LE(s + 9), inner })
  })
  return out
}

describe("runs of tuples", () => {
  it("group an instance's DATA frames per task, behind a ROUTE frame for another container", () => {
    const { outs, emitter } = emitterOver([2, 3, 4], [[2, 1], [3, 2], [4, 2]])
    for (let i = 0; i < 6; i++) emitter.emitUnanchored("default", [i], undefined)
    outs.ack(3, AckOp.XOR, 0, 9, 0, 1) // acking entries: an ACKS frame, outside the runs
    const [local, remote] = drained(outs)
    expect(frames(local!)).toEqual([{ dest: 2, kind: Kind.RUN, tuples: 2, inner: [2, 2] }])
    expect(remote!.readUInt32LE(4)).toBe(0)
    expect(remote![8]).toBe(Kind.ROUTE)
    expect(remote!.readUInt32LE(9)).toBe(2)
    expect(frames(remote!.subarray(ROUTE_BYTES))).toEqual([
      { dest: 3, kind: Kind.ACKS },
      { dest: 3, kind: Kind.RUN, tuples: 2, inner: [3, 3] },
      { dest: 4, kind: Kind.RUN, tuples: 2, inner: [4, 4] }
    ])
    expect(drained(outs)).toEqual([]) // emptied; the next batches start afresh
    emitter.emitUnanchored("default", [7], undefined)
    emitter.emitUnanchored("default", [8], undefined)
    const [alone, routed] = drained(outs) // one run each: sent in the run's own buffer
    expect(frames(alone!)).toEqual([{ dest: 2, kind: Kind.RUN, tuples: 1, inner: [2] }])
    expect(routed![8]).toBe(Kind.ROUTE)
    expect(frames(routed!.subarray(ROUTE_BYTES))).toEqual([{ dest: 3, kind: Kind.RUN, tuples: 1, inner: [3] }])
  })

  it("reach a local instance as its DATA frames, in the buffer they were read into when big", async () => {
    const plane = new DataPlane({ container: 2, localTasks: [3], watermarks: { high: 1 << 30, low: 1 << 29 }, messageTimeoutMs: 1000, onPaused: () => {} })
    plane.setPlan(new Map([[1, 1]]))
    const got: Array<Uint8Array> = []
    const messages: Array<number> = []
    const outlet: Outlet = {
      send: (b) => {
        got.push(b)
        messages.push(1)
      },
      sendAll: (bs) => {
        got.push(...bs)
        messages.push(bs.length)
      }
    }
    plane.attachInstance(3, outlet)
    const { outs, emitter } = emitterOver([3], [[3, 2]])
    const word = new Uint8Array(1000).fill(1)
    for (let i = 0; i < 40; i++) emitter.emitUnanchored("default", [word], undefined)
    const [batch] = drained(outs)
    const wire = batch!.subarray(ROUTE_BYTES) // what the sending stream manager forwards
    const assembled: Array<ArrayBufferLike> = []
    const reader = new FrameReader((b, s, e, owned) => plane.fromPeer(b, s, e, owned), undefined, (n) => {
      const b = plane.pool.take(n)
      assembled.push(b.buffer)
      return b
    })
    reader.push(wire.subarray(0, 5000)) // cut inside the run: the reader assembles it
    reader.push(wire.subarray(5000))
    expect(got).toHaveLength(0) // at the end of the turn
    await new Promise((r) => setImmediate(r))
    expect(got).toHaveLength(1)
    expect(got[0]!.buffer).toBe(assembled[0]) // no copy after the socket's
    const body = Buffer.from(got[0]!.buffer, got[0]!.byteOffset, got[0]!.byteLength)
    expect(frames(body).map((f) => [f.dest, f.kind])).toEqual(Array.from({ length: 40 }, () => [3, Kind.DATA]))
    expect(plane.stats).toMatchObject({ tuplesToWorkers: 40, bytesToWorkers: body.length, dropped: 0 })
    // Its memory comes back with the instance's report, for the next run.
    plane.consumed(3, body.length, assembled[0] as ArrayBuffer)
    expect(plane.pool.size).toBe(1)
    // A small run in place (inside a chunk) is copied into the instance's next batch.
    emitter.emitUnanchored("default", [5], undefined)
    const [small] = drained(outs)
    plane.fromPeer(small!, ROUTE_BYTES, small!.length)
    await new Promise((r) => setImmediate(r))
    expect(frames(Buffer.from(got[1]!)).map((f) => [f.dest, f.kind])).toEqual([[3, Kind.DATA]])
    // Runs read in the same turn go together, in one message.
    for (let i = 0; i < 2; i++) {
      reader.push(wire.subarray(0, 5000))
      reader.push(wire.subarray(5000))
    }
    await new Promise((r) => setImmediate(r))
    expect(messages).toEqual([1, 1, 2])
    // A run for a task that is not in the plan is dropped, every tuple counted.
    plane.fromPeer(wire, 0, wire.length)
    plane.setPlan(new Map())
    const other = emitterOver([9], [[9, 2]])
    for (let i = 0; i < 3; i++) other.emitter.emitUnanchored("default", [i], undefined)
    const [lost] = drained(other.outs)
    plane.fromPeer(lost!, ROUTE_BYTES, lost!.length)
    expect(plane.stats.dropped).toBe(3)
  })

  it("are forwarded whole to their container, counted as tuples", async () => {
    const plane = new DataPlane({ container: 1, localTasks: [1], watermarks: { high: 1 << 30, low: 1 << 29 }, messageTimeoutMs: 1000, onPaused: () => {} })
    plane.setPlan(new Map([[3, 2], [4, 2]]))
    const sent: Array<Uint8Array> = []
    plane.attachPeer(2, { send: (b) => void sent.push(b), queued: () => 0 })
    const { outs, emitter } = emitterOver([3, 4], [[3, 2], [4, 2]])
    for (let i = 0; i < 5; i++) emitter.emitUnanchored("default", [i], undefined)
    const [batch] = drained(outs)
    plane.fromInstance(batch!, true)
    await new Promise((r) => setImmediate(r)) // sent at the end of the turn
    expect(Buffer.from(sent[1]!)).toEqual(batch!.subarray(ROUTE_BYTES)) // after the HELLO
    expect(plane.stats).toMatchObject({ tuplesToPeers: 5, bytesToPeers: batch!.length - ROUTE_BYTES })
  })
})

describe("a consumed batch", () => {
  it("goes back to the stream manager with the report when it is big", async () => {
    let executed = 0
    const sink = bolt({ create: () => ({ execute: () => void executed++ }) })
    const topology = new TopologyBuilder()
      .setSpout("s", spout({ outputs: { default: ["n"] }, create: () => ({ nextTuple: () => {} }) }), 1)
      .setBolt("b", sink, 1).shuffleGrouping("s")
      .build("consumed")
    const control: Array<FromWorker> = []
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, {
      send: () => {}, control: (m) => void control.push(m), die: (e) => { throw e }
    }, sink.create())
    r.onPlan({ t: "plan", tasks: { s: [1], b: [2] }, containers: { 1: 1, 2: 1 }, self: 1, active: true, config: {}, topologyId: "t" })
    const w = new ByteWriter()
    const e = new Emitter(new Outbox(w), 1, "s", routesOf(topology, "s", (c) => (c === "s" ? [1] : [2])))
    for (let i = 0; i < 1000; i++) e.emitUnanchored("default", [i], undefined)
    const big = w.take()
    r.onFrames(Buffer.from(big.buffer, big.byteOffset, big.byteLength))
    // Executed in slices of a few ms: polled, as the machine may be busy.
    for (const deadline = Date.now() + 10_000; executed < 1000 && Date.now() < deadline;) await new Promise((res) => setTimeout(res, 5))
    expect(executed).toBe(1000)
    expect(control.filter((m) => m.t === "consumed")).toEqual([{ t: "consumed", bytes: big.length, buffer: big.buffer }])
    await r.stop()
  })
})

describe("the XOR ledger on typed arrays", () => {
  it("keeps every root, and the order of expiry, across compaction and growth", () => {
    const table = new AckTable(1000)
    const open = new Map<number, number>()
    let t = 0
    // Many more roots than its first capacity, most completing soon after they open.
    for (let i = 1; i <= 20_000; i++) {
      table.openRoot(1, i >>> 12, i * 7919, 0, i, t++)
      open.set(i, t - 1)
      if (i % 4 !== 0) {
        const j = i - (i % 3)
        if (open.has(j) && table.xorRoot(j >>> 12, j * 7919, 0, j) === 1) open.delete(j)
      }
    }
    expect(table.size).toBe(open.size)
    for (const j of [...open.keys()].slice(0, 50)) expect(table.failRoot(j >>> 12, j * 7919)).toBe(1)
    const expired: Array<number> = []
    table.expireRoots(Number.POSITIVE_INFINITY, (_task, _hi, lo) => void expired.push(lo))
    const rest = [...open.keys()].slice(50)
    expect(expired).toEqual(rest.map((j) => (j * 7919) >>> 0))
    expect(table.size).toBe(0)
  })

  it("fails a root given by its key", () => {
    const table = new AckTable(1000)
    table.open(1, 2 * 0x100000000 + 3, 0, 1, 0)
    expect(table.fail(2 * 0x100000000 + 3)?.spoutTask).toBe(1)
    expect(table.size).toBe(0)
  })
})

describe("instance metrics", () => {
  it("report the built-in counters and latencies used in the interval only", () => {
    const m = new InstanceMetrics()
    const c = m.counter("__emit-count/default")
    c.n++
    c.n++
    m.latency("__execute-latency/x", 4)
    m.latency("__execute-latency/x", 2)
    expect(m.collect(() => {})).toEqual([["__emit-count/default", 2], ["__execute-latency/x", 3]])
    expect(m.collect(() => {})).toEqual([])
    m.count("__emit-count/default")
    expect(m.collect(() => {})).toEqual([["__emit-count/default", 1]])
  })
})
