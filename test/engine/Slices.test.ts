// Instances execute their input in slices with a time budget and yield to the event loop between
// slices, so timers (tick tuples, metrics, the user's own) fire on time under a flood of tuples.
import { describe, expect, it } from "vitest"
import { BoltRunner } from "../../core/engine/internal/BoltRunner.js"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { Emitter } from "../../core/engine/internal/Emitter.js"
import { ACK_ENTRY, ACKS_HEAD, forEachFrame, Kind, rootHiOf, rootKey, rootLoOf, writeOutcome } from "../../core/engine/internal/Frames.js"
import type { InstanceIO } from "../../core/engine/internal/InstanceBase.js"
import { Outbox } from "../../core/engine/internal/Outbox.js"
import { routesOf } from "../../core/engine/internal/Routes.js"
import { MAX_STRIDE, SliceBudget } from "../../core/engine/internal/SliceBudget.js"
import { SpoutRunner } from "../../core/engine/internal/SpoutRunner.js"
import type { FromWorker, PlanMessage } from "../../core/engine/internal/WorkerProtocol.js"
import { bolt, spout, type Bolt, type Spout } from "../../core/topology/Api.js"
import { TopologyBuilder } from "../../core/topology/TopologyBuilder.js"
import { waitUntil } from "../support/polling.js"

/** A clock that moves only when told to, counting how often it is read. */
const fakeClock = () => {
  const c = { now: 1000, reads: 0, read: () => (c.reads++, c.now) }
  return c
}

const until = (what: string, f: () => boolean, ms?: number) => waitUntil(what, f, ms)
const nextTurn = () => new Promise((r) => setImmediate(r))

const topologyOf = (s: () => Spout, b: () => Bolt) =>
  new TopologyBuilder()
    .setSpout("s", spout({ outputs: { default: ["n"] }, create: s }), 1)
    .setBolt("b", bolt({ create: b }), 1).shuffleGrouping("s")
    .build("slices")

const plan = (config: Record<string, string> = {}): PlanMessage => ({
  t: "plan", tasks: { s: [1], b: [2] }, containers: { 1: 1, 2: 1 }, self: 1, active: true, topologyId: "t-1",
  config: { "topology.reliability.mode": "ATLEAST_ONCE", "topology.max.spout.pending": "100", "topology.metrics.interval.secs": "60", ...config }
})

const quietIO = (control: Array<FromWorker> = []): InstanceIO => ({
  send: () => {},
  control: (m) => void control.push(m),
  die: (e) => {
    throw e
  }
})

/** A batch of `n` tuples from the spout (task 1) for the bolt (task 2). */
const tuples = (topology: ReturnType<typeof topologyOf>, from: number, n: number): Buffer => {
  const w = new ByteWriter()
  const e = new Emitter(new Outbox(w), 1, "s", routesOf(topology, "s", (c) => (c === "b" ? [2] : [1])))
  for (let i = from; i < from + n; i++) e.emitUnanchored("default", [i], undefined)
  const b = w.take()
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

describe("slice budget", () => {
  it("is spent once the budget's time has passed, reading the clock every item while items are slow", () => {
    const clock = fakeClock()
    const budget = new SliceBudget(5, clock.read)
    budget.start()
    const spent: Array<boolean> = []
    for (let i = 0; i < 6; i++) {
      clock.now += 1 // an item of 1 ms: more than an eighth of the budget
      spent.push(budget.spent())
    }
    expect(spent).toEqual([false, false, false, false, true, true])
    expect(clock.reads).toBe(1 + 6)
  })

  it("reads the clock less often for cheap items, at most MAX_STRIDE items apart, and again every item when they turn slow", () => {
    const clock = fakeClock()
    const budget = new SliceBudget(5, clock.read)
    budget.start()
    // Items that take no measurable time: the stride doubles up to its cap.
    for (let i = 0; i < 1000; i++) budget.spent()
    const cheapReads = clock.reads - 1
    expect(cheapReads).toBeLessThan(1000 / MAX_STRIDE + 10)
    expect(cheapReads).toBeGreaterThanOrEqual(Math.floor(1000 / MAX_STRIDE))
    // Now each item takes the whole budget: the next read cuts the stride to one.
    budget.start()
    let items = 0
    do {
      clock.now += 5
      items++
    } while (!budget.spent())
    expect(items).toBeLessThanOrEqual(MAX_STRIDE)
    budget.start()
    clock.now += 5
    expect(budget.spent()).toBe(true) // the very next item ends the slice
  })
})

describe("a bolt under a flood of tuples", () => {
  it("yields to the event loop once its slice's budget is spent, and executes everything in order", async () => {
    const clock = fakeClock()
    const seen: Array<number> = []
    /** How many tuples had executed when a callback queued by the first tuple ran. */
    let executedAtYield = -1
    const make = (): Bolt => ({
      execute: (t) => {
        clock.now += 1 // each tuple takes 1 ms of the fake clock
        seen.push(Number(t.get("n")))
        if (seen.length === 1) setImmediate(() => void (executedAtYield = seen.length))
      }
    })
    const topology = topologyOf(() => ({ nextTuple: () => {} }), make)
    const control: Array<FromWorker> = []
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, quietIO(control), make(), new SliceBudget(5, clock.read))
    r.onPlan(plan())
    r.onFrames(tuples(topology, 0, 60))
    r.onFrames(tuples(topology, 60, 40))
    await until("all executed", () => seen.length === 100)
    // A 5 ms budget at 1 ms per tuple: the first slice ends after 5 tuples, and what the event
    // loop had queued meanwhile ran before the next slice.
    expect(executedAtYield).toBe(5)
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i))
    await until("both batches reported", () => control.filter((m) => m.t === "consumed").length === 2)
    await r.stop()
  })

  it("lets a timer of the bolt fire on time while a long backlog is executed", async () => {
    const lateness: Array<number> = []
    /** Tuples executed at each firing of the timer. */
    const at: Array<number> = []
    let executed = 0
    let timer: ReturnType<typeof setInterval> | undefined
    const make = (): Bolt => ({
      prepare: () => {
        let last = performance.now()
        timer = setInterval(() => {
          const now = performance.now()
          lateness.push(now - last - 10)
          at.push(executed)
          last = now
        }, 10)
      },
      execute: () => {
        // 0.5 ms of work per tuple: the backlog below is about 1.5 s of work.
        const end = performance.now() + 0.5
        while (performance.now() < end) {
          // busy
        }
        executed++
      },
      cleanup: () => clearInterval(timer)
    })
    const topology = topologyOf(() => ({ nextTuple: () => {} }), make)
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, quietIO(), make())
    r.onPlan(plan())
    for (let i = 0; i < 30; i++) r.onFrames(tuples(topology, i * 100, 100))
    await until("backlog executed", () => executed === 3000, 60_000)
    await r.stop()
    // Without slices the timer would not fire before the whole backlog (~1.5 s of work) was
    // executed; with them it fires every 10 ms or so, late by about a slice. Bounds are generous
    // (a median, not the maximum): other tests share the machine and may hold this process up.
    expect(at.filter((n) => n > 0 && n < 3000).length).toBeGreaterThan(20)
    const sorted = [...lateness].sort((a, b) => a - b)
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(100)
  })
})

describe("a spout under a flood of acks", () => {
  it("handles ACKED frames in slices too, and reports the batch consumed once all are handled", async () => {
    const clock = fakeClock()
    const acked: Array<unknown> = []
    let ackedAtYield = -1
    let emit: ((n: number) => void) | undefined
    let n = 0
    const make = (): Spout => ({
      open: (_ctx, c) => {
        emit = (i) => void c.emit([i], { messageId: i })
      },
      nextTuple: () => {
        if (n < 20) emit?.(n++)
      },
      ack: (id) => {
        clock.now += 1
        acked.push(id)
        if (acked.length === 1) setImmediate(() => void (ackedAtYield = acked.length))
      }
    })
    const topology = topologyOf(make, () => ({ execute: () => {} }))
    const keys: Array<number> = []
    const control: Array<FromWorker> = []
    const io: InstanceIO = {
      ...quietIO(control),
      // The INIT entries of the ACKS frames name the roots (see Frames.ts).
      send: (b) => {
        const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
        forEachFrame(buf, 0, buf.length, (x, s, e) => {
          if (x[s + 8] !== Kind.ACKS) return
          for (let o = s + ACKS_HEAD; o < e; o += ACK_ENTRY) keys.push(rootKey(x.readUInt32LE(o + 1), x.readUInt32LE(o + 5)))
        })
      }
    }
    const r = new SpoutRunner({ topology, component: topology.components[0]!, taskId: 1, componentIndex: 0 }, io, make(), new SliceBudget(5, clock.read))
    r.onPlan(plan())
    await until("20 in flight", () => r.inFlight === 20 && keys.length === 20)
    const w = new ByteWriter()
    for (const key of keys) writeOutcome(w, Kind.ACKED, 1, rootHiOf(key), rootLoOf(key), 0)
    const b = w.take()
    r.onFrames(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
    await until("all acked", () => acked.length === 20)
    expect(ackedAtYield).toBe(5)
    expect(acked).toEqual(Array.from({ length: 20 }, (_, i) => i))
    await nextTurn()
    expect(control.filter((m) => m.t === "consumed")).toEqual([{ t: "consumed", bytes: b.length }])
    await r.stop()
  })
})
