import { describe, expect, it } from "vitest"
import { BoltRunner } from "../../core/engine/internal/BoltRunner.js"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { Outbox } from "../../core/engine/internal/Outbox.js"
import { Emitter } from "../../core/engine/internal/Emitter.js"
import { ACK_ENTRY, AckOp, ACKS_HEAD, forEachFrame, Kind, rootHiOf, rootKey, rootLoOf, writeOutcome } from "../../core/engine/internal/Frames.js"
import type { InstanceIO } from "../../core/engine/internal/InstanceBase.js"
import { routesOf } from "../../core/engine/internal/Routes.js"
import { SpoutRunner } from "../../core/engine/internal/SpoutRunner.js"
import type { FromWorker, PlanMessage } from "../../core/engine/internal/WorkerProtocol.js"
import { bolt, spout, type Bolt, type BoltCollector, type Spout, type Tuple } from "../../core/topology/Api.js"
import { CountMetric } from "../../core/topology/Metrics.js"
import { TopologyBuilder } from "../../core/topology/TopologyBuilder.js"
import { waitUntil } from "../support/polling.js"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const until = (what: string, f: () => boolean, ms = 3000) => waitUntil(what, f, ms, 5)

/** An IO that records batches (frames by kind; an ACKS frame as one record per entry, with its
 * op and root) and control messages. */
const fakeIO = () => {
  const frames: Array<{ readonly dest: number; readonly kind: number; readonly op?: number; readonly key?: number }> = []
  const control: Array<FromWorker> = []
  const died: Array<unknown> = []
  const io: InstanceIO = {
    send: (b) => {
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
      forEachFrame(buf, 0, buf.length, (x, s, e) => {
        const dest = x.readUInt32LE(s + 4)
        const kind = x[s + 8]!
        if (kind !== Kind.ACKS) return void frames.push({ dest, kind })
        for (let o = s + ACKS_HEAD; o < e; o += ACK_ENTRY) frames.push({ dest, kind, op: x[o]!, key: rootKey(x.readUInt32LE(o + 1), x.readUInt32LE(o + 5)) })
      })
    },
    control: (m) => control.push(m),
    die: (e) => died.push(e)
  }
  return { io, frames, control, died }
}

const topologyWith = (s: () => Spout, b: () => Bolt, tick?: number) => {
  const declarer = new TopologyBuilder()
    .setSpout("s", spout({ outputs: { default: ["n"] }, create: s }), 1)
    .setBolt("b", bolt({ create: b }), 1).shuffleGrouping("s")
  return (tick === undefined ? declarer : declarer.config("topology.tick.tuple.freq.secs", tick)).build("runners")
}

const plan = (config: Record<string, string>, active = true): PlanMessage => ({
  t: "plan", tasks: { s: [1], b: [2] }, containers: { 1: 1, 2: 1 }, self: 1, active, topologyId: "t-1",
  config: { "topology.reliability.mode": "ATLEAST_ONCE", "topology.max.spout.pending": "5", "topology.metrics.interval.secs": "60", ...config }
})

const counter = () => {
  let n = 0
  const calls = { next: 0, acked: [] as Array<unknown>, failed: [] as Array<unknown>, activate: 0, deactivate: 0 }
  let emit: ((v: ReadonlyArray<unknown>, o: { messageId: unknown }) => void) | undefined
  const make = (): Spout => ({
    open: (_ctx, c) => {
      emit = (v, o) => c.emit(v, o)
    },
    nextTuple: () => {
      calls.next++
      emit?.([n], { messageId: n++ })
    },
    ack: (id) => calls.acked.push(id),
    fail: (id) => calls.failed.push(id),
    activate: () => void calls.activate++,
    deactivate: () => void calls.deactivate++
  })
  return { make, calls }
}

const outcome = (kind: number, key: number) => {
  const w = new ByteWriter()
  writeOutcome(w, kind, 1, rootHiOf(key), rootLoOf(key), 0)
  const b = w.take()
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

describe("spout runner", () => {
  it("honours max.spout.pending, and acks / fails by message id", async () => {
    const { make, calls } = counter()
    const topology = topologyWith(make, () => ({ execute: () => {} }))
    const { io, frames } = fakeIO()
    const r = new SpoutRunner({ topology, component: topology.components[0]!, taskId: 1, componentIndex: 0 }, io, make())
    r.onPlan(plan({}))
    await until("5 pending", () => r.inFlight === 5)
    await sleep(50)
    expect(calls.next).toBe(5)
    const inits = frames.filter((f) => f.op === AckOp.INIT)
    expect(inits).toHaveLength(5)
    r.onFrames(outcome(Kind.ACKED, inits[0]!.key!))
    r.onFrames(outcome(Kind.FAILED, inits[1]!.key!))
    r.onFrames(outcome(Kind.ACKED, inits[0]!.key!)) // twice: ignored
    await until("acked and failed", () => calls.acked.length + calls.failed.length === 2)
    await sleep(20)
    expect(calls.acked).toEqual([0])
    expect(calls.failed).toEqual([1])
    await until("refilled", () => r.inFlight === 5)
    expect(calls.next).toBe(7)
    await r.stop()
  })

  it("stops calling nextTuple while deactivated or throttled, and resumes", async () => {
    const { make, calls } = counter()
    const topology = topologyWith(make, () => ({ execute: () => {} }))
    const { io } = fakeIO()
    const r = new SpoutRunner({ topology, component: topology.components[0]!, taskId: 1, componentIndex: 0 }, io, make())
    r.onPlan(plan({ "topology.reliability.mode": "ATMOST_ONCE" }, false))
    await sleep(30)
    expect(calls.next).toBe(0)
    r.onPlan(plan({ "topology.reliability.mode": "ATMOST_ONCE" }, true))
    await until("emitting", () => calls.next > 100)
    expect(calls.activate).toBe(1)
    r.onThrottle(true)
    await sleep(10)
    const held = calls.next
    await sleep(30)
    expect(calls.next).toBe(held)
    r.onThrottle(false)
    await until("emitting again", () => calls.next > held + 100)
    r.onPlan(plan({ "topology.reliability.mode": "ATMOST_ONCE" }, false))
    expect(calls.deactivate).toBe(1)
    await r.stop()
  })

  it("backs off instead of spinning when nextTuple emits nothing", async () => {
    let calls = 0
    const idle = (): Spout => ({ nextTuple: () => void calls++ })
    const topology = topologyWith(idle, () => ({ execute: () => {} }))
    const { io } = fakeIO()
    const r = new SpoutRunner({ topology, component: topology.components[0]!, taskId: 1, componentIndex: 0 }, io, idle())
    r.onPlan(plan({}))
    await sleep(300)
    // 16 ms apart once backed off: about 20 calls in 300 ms, never thousands.
    expect(calls).toBeGreaterThan(5)
    expect(calls).toBeLessThan(60)
    await r.stop()
  })

  it("reports a throwing nextTuple as fatal", async () => {
    const broken = (): Spout => ({ nextTuple: () => { throw new Error("boom") } })
    const topology = topologyWith(broken, () => ({ execute: () => {} }))
    const { io, died } = fakeIO()
    const r = new SpoutRunner({ topology, component: topology.components[0]!, taskId: 1, componentIndex: 0 }, io, broken())
    r.onPlan(plan({}))
    await until("died", () => died.length > 0)
    expect(String(died[0])).toMatch(/boom/)
    await r.stop()
  })
})

/** Frames as the spout's emitter writes them, for the bolt's task. */
const tuplesFor = (topology: ReturnType<typeof topologyWith>, values: ReadonlyArray<number>) => {
  const w = new ByteWriter()
  const e = new Emitter(new Outbox(w), 1, "s", routesOf(topology, "s", (c) => (c === "b" ? [2] : [1])))
  for (const v of values) e.emitUnanchored("default", [v], undefined)
  const b = w.take()
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

describe("bolt runner", () => {
  it("executes tuples in order, awaiting async execute, and reports each batch consumed", async () => {
    const seen: Array<unknown> = []
    const make = (): Bolt => ({
      execute: async (t: Tuple) => {
        await sleep(1)
        seen.push(t.get("n"))
      }
    })
    const topology = topologyWith(() => ({ nextTuple: () => {} }), make)
    const { io, control } = fakeIO()
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, io, make())
    const first = tuplesFor(topology, [1, 2, 3])
    r.onFrames(first) // before the plan: queued
    r.onPlan(plan({}))
    r.onFrames(tuplesFor(topology, [4, 5]))
    await until("all executed", () => seen.length === 5)
    expect(seen).toEqual([1, 2, 3, 4, 5])
    await until("consumed", () => control.filter((m) => m.t === "consumed").length === 2)
    expect(control.find((m) => m.t === "consumed")).toEqual({ t: "consumed", bytes: first.length })
    await r.stop()
  })

  it("gets tick tuples at the configured frequency", async () => {
    const ticks: Array<Tuple> = []
    const make = (): Bolt => ({ execute: (t) => void (t.isTick && ticks.push(t)) })
    const topology = topologyWith(() => ({ nextTuple: () => {} }), make, 0.05)
    const { io } = fakeIO()
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, io, make())
    r.onPlan(plan(topology.components[1]!.config))
    await until("3 ticks", () => ticks.length >= 3)
    expect(ticks[0]).toMatchObject({ stream: "__tick", sourceComponent: "__system", isTick: true })
    await r.stop()
  })

  it("reports built-in and user metrics every interval", async () => {
    const metric = new CountMetric()
    const make = (): Bolt => ({
      prepare: (ctx) => void ctx.registerMetric("my-count", metric),
      execute: () => metric.incr(2)
    })
    const topology = topologyWith(() => ({ nextTuple: () => {} }), make)
    const { io, control } = fakeIO()
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, io, make())
    r.onPlan(plan({ "topology.metrics.interval.secs": "0.1" }))
    r.onFrames(tuplesFor(topology, [1, 2, 3]))
    await until("metrics", () => control.some((m) => m.t === "metrics" && m.metrics.length > 0))
    const report = control.find((m) => m.t === "metrics" && m.metrics.length > 0)
    const values = new Map(report?.t === "metrics" ? report.metrics : [])
    expect(values.get("__execute-count/s/default")).toBe(3)
    expect(values.get("my-count")).toBe(6)
    expect(values.has("__execute-latency/s/default")).toBe(true)
    await r.stop()
  })

  it("reports Heron's process latency, from execute to the ack (or fail) of the same tuple", async () => {
    let collector: BoltCollector | undefined
    const held: Array<Tuple> = []
    const make = (): Bolt => ({
      prepare: (_ctx, c) => void (collector = c),
      execute: (t) => void held.push(t)
    })
    const topology = topologyWith(() => ({ nextTuple: () => {} }), make)
    const { io, control } = fakeIO()
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, io, make())
    r.onPlan(plan({ "topology.metrics.interval.secs": "0.1" }))
    r.onFrames(tuplesFor(topology, [1, 2, 3]))
    await until("3 tuples executed", () => held.length === 3)
    // Acked 30 ms after execute: the sampled tuple's process latency is at least that.
    await sleep(30)
    for (const t of held) collector?.ack(t)
    await until("a process latency", () => control.some((m) => m.t === "metrics" && m.metrics.some(([name]) => name === "__process-latency/s/default")))
    const report = control.find((m) => m.t === "metrics" && m.metrics.some(([name]) => name === "__process-latency/s/default"))
    const values = new Map(report?.t === "metrics" ? report.metrics : [])
    expect(values.get("__process-latency/s/default")).toBeGreaterThanOrEqual(29)
    expect(values.get("__ack-count/s/default")).toBe(3)
    await r.stop()
  })

  it("reports a throwing execute as fatal", async () => {
    const make = (): Bolt => ({ execute: () => { throw new Error("bad tuple") } })
    const topology = topologyWith(() => ({ nextTuple: () => {} }), make)
    const { io, died } = fakeIO()
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, io, make())
    r.onPlan(plan({}))
    r.onFrames(tuplesFor(topology, [1]))
    await until("died", () => died.length > 0)
    expect(String(died[0])).toMatch(/bad tuple/)
  })
})

describe("instance outbox", () => {
  it("groups frames by the container of their destination, this container's batch first", async () => {
    const { make } = counter()
    const topology = topologyWith(make, () => ({ execute: () => {} }))
    const batches: Array<Buffer> = []
    const io: InstanceIO = {
      send: (b) => void batches.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
      control: () => {},
      die: (e) => {
        throw e
      }
    }
    const r = new SpoutRunner({ topology, component: topology.components[0]!, taskId: 1, componentIndex: 0 }, io, make())
    r.onPlan({ ...plan({}), containers: { 1: 1, 2: 2 } })
    await until("a burst", () => batches.length >= 2)
    await r.stop()
    const [local, remote] = batches
    // This container's batch: the ACKS frame opening the spout's roots (one entry per tuple).
    expect([local?.readUInt32LE(4), local?.[8], local?.[ACKS_HEAD]]).toEqual([1, Kind.ACKS, AckOp.INIT])
    // The other container's: a ROUTE frame naming container 2, then the tuples for task 2.
    expect([remote?.readUInt32LE(4), remote?.[8], remote?.readUInt32LE(9)]).toEqual([0, Kind.ROUTE, 2])
    expect(remote?.readUInt32LE(13 + 4)).toBe(2)
  })
})
