// Acking work in batches: instances write one ACKS frame per spout task and batch (a bolt's acks
// folded per root), and the spout's stream manager applies its entries in one pass, in order.
import { describe, expect, it } from "vitest"
import { AckRun } from "../../core/engine/internal/AckRun.js"
import { BoltRunner } from "../../core/engine/internal/BoltRunner.js"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { DataPlane } from "../../core/engine/internal/DataPlane.js"
import { Emitter } from "../../core/engine/internal/Emitter.js"
import { ACK_ENTRY, AckOp, ACKS_HEAD, FailReason, forEachFrame, Kind, rootHiOf, rootKey, rootLoOf } from "../../core/engine/internal/Frames.js"
import type { InstanceIO } from "../../core/engine/internal/InstanceBase.js"
import type { Outlet } from "../../core/engine/internal/Link.js"
import { Outbox, ROUTE_BYTES } from "../../core/engine/internal/Outbox.js"
import { routesOf } from "../../core/engine/internal/Routes.js"
import { bolt, spout, type BoltCollector, type Tuple } from "../../core/topology/Api.js"
import { TopologyBuilder } from "../../core/topology/TopologyBuilder.js"
import { waitUntil } from "../support/polling.js"

const until = (what: string, f: () => boolean, ms?: number) => waitUntil(what, f, ms)
const nextTurn = () => new Promise((r) => setImmediate(r))

interface Entry {
  readonly task: number
  readonly op: number
  readonly key: number
  readonly xHi: number
  readonly xLo: number
}

/** The ACKS frames of a batch, as their entries (and how many frames there were). */
const ackEntries = (batch: Uint8Array) => {
  const b = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength)
  const entries: Array<Entry> = []
  let frames = 0
  forEachFrame(b, 0, b.length, (x, s, e) => {
    if (x[s + 8] !== Kind.ACKS) return
    frames++
    const task = x.readUInt32LE(s + 4)
    expect(x.readUInt32LE(s + 9)).toBe((e - s - ACKS_HEAD) / ACK_ENTRY)
    for (let o = s + ACKS_HEAD; o < e; o += ACK_ENTRY) {
      entries.push({ task, op: x[o]!, key: rootKey(x.readUInt32LE(o + 1), x.readUInt32LE(o + 5)), xHi: x.readUInt32LE(o + 9), xLo: x.readUInt32LE(o + 13) })
    }
  })
  return { entries, frames }
}

/** An ACKS frame for `task` with `entries` ([op, key, xHi, xLo]), as a batch. */
const acksFrame = (task: number, entries: ReadonlyArray<readonly [number, number, number, number]>): Buffer => {
  const run = new AckRun(task)
  for (const [op, key, xHi, xLo] of entries) run.add(op, rootHiOf(key), rootLoOf(key), xHi, xLo)
  const w = new ByteWriter()
  run.writeTo(w)
  const b = w.take()
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength)
}

/** An outlet recording the outcome frames it was sent: [kind, key, reason]. */
const outcomes = () => {
  const got: Array<readonly [number, number, number]> = []
  const outlet: Outlet = {
    send: (b) => {
      const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
      forEachFrame(buf, 0, buf.length, (x, s) => void got.push([x[s + 8]!, rootKey(x.readUInt32LE(s + 9), x.readUInt32LE(s + 13)), x[s + 17]!]))
    }
  }
  return { got, outlet }
}

const R1 = rootKey(1, 101)
const R2 = rootKey(2, 202)
const R3 = rootKey(3, 303)

describe("ACKS frames at the spout's stream manager", () => {
  const make = () => {
    const plane = new DataPlane({ container: 1, localTasks: [1, 7], watermarks: { high: 1 << 20, low: 1 << 19 }, messageTimeoutMs: 1000, onPaused: () => {} })
    plane.setPlan(new Map())
    const spout = outcomes()
    plane.attachInstance(1, spout.outlet)
    return { plane, spout }
  }

  it("apply their entries in order, in one pass: opens, acks, fails, and ignores what comes after a root ended", async () => {
    const { plane, spout } = make()
    plane.fromInstance(acksFrame(1, [
      [AckOp.INIT, R1, 0, 5],
      [AckOp.INIT, R2, 0, 9],
      [AckOp.XOR, R1, 0, 4], // R1 now 1
      [AckOp.XOR, R1, 0, 1], // R1 complete
      [AckOp.FAIL, R2, 0, 0],
      [AckOp.XOR, R2, 0, 9], // after its fail: ignored
      [AckOp.INIT, R3, 7, 7]
    ]))
    await nextTurn()
    expect(spout.got).toEqual([[Kind.ACKED, R1, 0], [Kind.FAILED, R2, FailReason.EXPLICIT]])
    expect(plane.acks.size).toBe(1) // R3
    expect(plane.stats).toMatchObject({ acked: 1, failed: 1, timedOut: 0 })
  })

  it("time a root out after the message timeout; its acks arriving later complete nothing", async () => {
    const { plane, spout } = make()
    plane.fromInstance(acksFrame(1, [[AckOp.INIT, R1, 0, 5], [AckOp.INIT, R2, 0, 6]]))
    plane.fromInstance(acksFrame(1, [[AckOp.XOR, R2, 0, 6]])) // R2 completes in time
    plane.expire(performance.now() + 1001)
    plane.fromPeer(...(() => {
      const late = acksFrame(1, [[AckOp.XOR, R1, 0, 5]])
      return [late, 0, late.length] as const
    })())
    await nextTurn()
    expect(spout.got).toEqual([[Kind.ACKED, R2, 0], [Kind.FAILED, R1, FailReason.TIMEOUT]])
    expect(plane.stats).toMatchObject({ acked: 1, timedOut: 1 })
    expect(plane.acks.size).toBe(0)
  })

  it("go to the right spout task's ledger, each frame for its own task", async () => {
    const { plane, spout } = make()
    const other = outcomes()
    plane.attachInstance(7, other.outlet)
    plane.fromInstance(Buffer.concat([acksFrame(1, [[AckOp.INIT, R1, 0, 1]]), acksFrame(7, [[AckOp.INIT, R2, 0, 2]])]))
    plane.fromInstance(Buffer.concat([acksFrame(7, [[AckOp.XOR, R2, 0, 2]]), acksFrame(1, [[AckOp.XOR, R1, 0, 1]])]))
    await nextTurn()
    expect(spout.got).toEqual([[Kind.ACKED, R1, 0]])
    expect(other.got).toEqual([[Kind.ACKED, R2, 0]])
  })
})

describe("an instance's acking entries", () => {
  it("go in one ACKS frame per spout task, in the batch for the spout's container", () => {
    const outs = new Outbox()
    outs.setPlan(1, new Map([[1, 1], [2, 2], [5, 1]]))
    outs.ack(1, AckOp.XOR, 0, 1, 0, 1)
    outs.ack(2, AckOp.XOR, 0, 2, 0, 2)
    outs.ack(1, AckOp.FAIL, 0, 3, 0, 0)
    outs.ack(2, AckOp.XOR, 0, 4, 0, 4)
    const batches: Array<Uint8Array> = []
    outs.drain((b) => void batches.push(b))
    const [local, remote] = batches
    expect(ackEntries(local!)).toEqual({
      frames: 1,
      entries: [{ task: 1, op: AckOp.XOR, key: 1, xHi: 0, xLo: 1 }, { task: 1, op: AckOp.FAIL, key: 3, xHi: 0, xLo: 0 }]
    })
    expect(remote![8]).toBe(Kind.ROUTE)
    expect(ackEntries(remote!.subarray(ROUTE_BYTES))).toEqual({
      frames: 1,
      entries: [{ task: 2, op: AckOp.XOR, key: 2, xHi: 0, xLo: 2 }, { task: 2, op: AckOp.XOR, key: 4, xHi: 0, xLo: 4 }]
    })
    // Emptied: the next batch has only what comes after.
    outs.ack(1, AckOp.XOR, 0, 5, 0, 5)
    const next: Array<Uint8Array> = []
    outs.drain((b) => void next.push(b))
    expect(next.map((b) => ackEntries(b).entries.map((e) => e.key))).toEqual([[5]])
  })
})

describe("a bolt's acks in one slice", () => {
  // s (task 1) -> b (task 2) -> c (task 3); b emits a child per input, anchored, and acks or
  // fails the input as its value says.
  const topology = new TopologyBuilder()
    .setSpout("s", spout({ outputs: { default: ["root", "act"] }, create: () => ({ nextTuple: () => {} }) }), 1)
    .setBolt("b", bolt({ outputs: { default: ["v"] }, create: () => ({ execute: () => {} }) }), 1).shuffleGrouping("s")
    .setBolt("c", bolt({ create: () => ({ execute: () => {} }) }), 1).shuffleGrouping("b")
    .build("ackruns")
  const tasks: Record<string, ReadonlyArray<number>> = { s: [1], b: [2], c: [3] }
  const plan = { t: "plan" as const, tasks, containers: { 1: 1, 2: 1, 3: 1 }, self: 1, active: true, topologyId: "t",
    config: { "topology.reliability.mode": "ATLEAST_ONCE" } }

  /** The spout's tuples for the bolt, per [root, act] a tuple of that root (DATA frames, as the
   * bolt's stream manager hands them over; the bolt skips the ACKS frame after them), and the
   * INIT entries opening the roots with the XOR of their copies' edges (one per tuple here: a
   * root emitted again adds edges to the same tree). */
  const input = (items: ReadonlyArray<readonly [number, string]>) => {
    const outs = new Outbox()
    const e = new Emitter(outs, 1, "s", routesOf(topology, "s", (c) => tasks[c] ?? []))
    for (const [root, act] of items) e.emitRooted("default", [root, act], undefined, root)
    const batches: Array<Uint8Array> = []
    outs.drain((b) => void batches.push(b))
    expect(batches).toHaveLength(1)
    const data = batches[0]!
    const inits = ackEntries(data).entries
    return { inits, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) }
  }

  const runBolt = () => {
    const sent: Array<Uint8Array> = []
    const io: InstanceIO = { send: (b) => void sent.push(b), control: () => {}, die: (e) => { throw e } }
    let collector: BoltCollector | undefined
    const b = {
      prepare: (_ctx: unknown, c: BoltCollector) => void (collector = c),
      execute: (t: Tuple) => {
        collector?.emit([t.get("root")], { anchors: [t] })
        if (t.get("act") === "fail") collector?.fail(t)
        else collector?.ack(t)
      }
    }
    const r = new BoltRunner({ topology, component: topology.components[1]!, taskId: 2, componentIndex: 0 }, io, b)
    r.onPlan(plan)
    return { r, sent }
  }

  it("fold into one XOR entry per root, which with the children's acks completes each tree", async () => {
    const { inits, data } = input([[R1, "ack"], [R2, "ack"], [R1, "ack"], [R2, "ack"], [R1, "ack"]])
    const { r, sent } = runBolt()
    r.onFrames(data)
    await until("the slice's batch", () => sent.length > 0)
    const { entries, frames } = ackEntries(sent[0]!)
    expect(frames).toBe(1)
    expect(entries.map((e) => [e.task, e.op, e.key])).toEqual([[1, AckOp.XOR, R1], [1, AckOp.XOR, R2]])
    await r.stop()
    // The spout's stream manager: the INITs, the bolt's folded XORs, then c acks the children.
    const plane = new DataPlane({ container: 1, localTasks: [1], watermarks: { high: 1 << 20, low: 1 << 19 }, messageTimeoutMs: 1000, onPaused: () => {} })
    plane.setPlan(new Map())
    const spout = outcomes()
    plane.attachInstance(1, spout.outlet)
    expect(inits.map((e) => [e.op, e.key])).toEqual([R1, R2, R1, R2, R1].map((k) => [AckOp.INIT, k]))
    plane.fromInstance(acksFrame(1, inits.map((e) => [e.op, e.key, e.xHi, e.xLo] as const)))
    plane.fromInstance(acksFrame(1, entries.map((e) => [e.op, e.key, e.xHi, e.xLo] as const)))
    expect(plane.acks.size).toBe(2) // the children are not acked yet
    const children = Buffer.concat(sent.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)))
    const leaf = new Outbox()
    forEachFrame(children, 0, children.length, (x, s, e) => {
      if (x[s + 8] !== Kind.RUN) return
      forEachFrame(x, s + 13, e, (y, t) => {
        // A child has one root: its value is the edge the bolt anchored to it.
        leaf.ack(y.readUInt32LE(t + 16), AckOp.XOR, y.readUInt32LE(t + 20), y.readUInt32LE(t + 24), y.readUInt32LE(t + 28), y.readUInt32LE(t + 32))
      })
    })
    leaf.drain((b) => plane.fromInstance(Buffer.from(b.buffer, b.byteOffset, b.byteLength)))
    await nextTurn()
    expect(spout.got.map(([kind, key]) => [kind, key]).sort()).toEqual([[Kind.ACKED, R1], [Kind.ACKED, R2]].sort())
    expect(plane.acks.size).toBe(0)
  })

  it("drop a root's folded acks when one of its tuples fails in the same slice: only the fail is sent", async () => {
    const { data } = input([[R1, "ack"], [R2, "ack"], [R1, "fail"], [R3, "ack"]])
    const { r, sent } = runBolt()
    r.onFrames(data)
    await until("the slice's batch", () => sent.length > 0)
    const { entries } = ackEntries(sent[0]!)
    expect(entries.map((e) => [e.op, e.key])).toEqual([[AckOp.FAIL, R1], [AckOp.XOR, R2], [AckOp.XOR, R3]])
    await r.stop()
  })
})
