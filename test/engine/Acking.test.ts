import { describe, expect, it } from "vitest"
import { AckBuffer } from "../../core/engine/internal/AckBuffer.js"
import { AckTable } from "../../core/engine/internal/AckTable.js"
import { Outbox } from "../../core/engine/internal/Outbox.js"
import { Emitter } from "../../core/engine/internal/Emitter.js"
import { ACK_ENTRY, AckOp, ACKS_HEAD, forEachFrame, Kind, newRootKey, rootKey } from "../../core/engine/internal/Frames.js"
import { routesOf, streamTable } from "../../core/engine/internal/Routes.js"
import { readData, streamInfo, type TupleImpl } from "../../core/engine/internal/TupleImpl.js"
import { bolt, spout } from "../../core/topology/Api.js"
import { TopologyBuilder } from "../../core/topology/TopologyBuilder.js"

// s (task 1) --all--> a (tasks 2, 3) --all--> b (tasks 4, 5); s --all--> c (task 6)
const topology = new TopologyBuilder()
  .setSpout("s", spout({ outputs: { default: ["v"] }, create: () => ({ nextTuple: () => {} }) }), 1)
  .setBolt("a", bolt({ outputs: { default: ["v"] }, create: () => ({ execute: () => {} }) }), 2).allGrouping("s")
  .setBolt("b", bolt({ create: () => ({ execute: () => {} }) }), 2).allGrouping("a")
  .setBolt("c", bolt({ outputs: { default: ["v"] }, create: () => ({ execute: () => {} }) }), 1).allGrouping("s")
  .build("tree")
const tasks: Record<string, ReadonlyArray<number>> = { s: [1], a: [2, 3], b: [4, 5], c: [6] }
const streams = streamTable(topology).map((s, i) => streamInfo(i, s.component, s.stream, s.fields))
/** An emitter writing into `outs` (no plan: every frame goes in this container's batch). */
const emitterOf = (component: string, task: number, outs: Outbox) =>
  new Emitter(outs, task, component, routesOf(topology, component, (c) => tasks[c] ?? []))

/** The ack of `tuple`, uncombined: one XOR entry per root, its value XOR the edges anchored to
 * it since. */
const ackOf = (outs: Outbox, tuple: TupleImpl) => {
  const r = tuple.roots
  for (let k = 0; k < r.length; k += 5) outs.ack(r[k]!, AckOp.XOR, r[k + 1]!, r[k + 2]!, r[k + 3]! ^ tuple.outHi, r[k + 4]! ^ tuple.outLo)
}

/** Plays the stream manager of the spout: what `outs` holds is sent, its acking entries go to the
 * table, its tuples are returned by destination task. Returns the roots completed (by an XOR
 * entry) and failed (by a FAIL entry), and how many ACKS frames there were. */
const deliver = (table: AckTable, outs: Outbox) => {
  const tuples: Array<{ readonly task: number; readonly tuple: TupleImpl }> = []
  const completed: Array<number> = []
  const failed: Array<number> = []
  let ackFrames = 0
  outs.drain((batch) => {
    const b = Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength)
    forEachFrame(b, 0, b.length, (x, s, e) => {
      const kind = x[s + 8]
      const task = x.readUInt32LE(s + 4)
      if (kind === Kind.DATA) return void tuples.push({ task, tuple: readData(x, s, streams)! })
      if (kind !== Kind.ACKS) return
      ackFrames++
      for (let o = s + ACKS_HEAD; o < e; o += ACK_ENTRY) {
        const key = rootKey(x.readUInt32LE(o + 1), x.readUInt32LE(o + 5))
        const [xHi, xLo] = [x.readInt32LE(o + 9), x.readInt32LE(o + 13)]
        if (x[o] === AckOp.INIT) table.open(task, key, xHi, xLo, 0)
        else if (x[o] === AckOp.XOR) {
          if (table.xor(key, xHi, xLo) !== undefined) completed.push(key)
        } else if (x[o] === AckOp.FAIL && table.fail(key) !== undefined) failed.push(key)
      }
    })
  })
  return { tuples, completed, failed, ackFrames }
}

const shuffle = <A>(xs: ReadonlyArray<A>, seed: number): Array<A> => {
  const a = [...xs]
  let s = seed
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    const j = s % (i + 1)
    ;[a[i], a[j]] = [a[j]!, a[i]!]
  }
  return a
}

describe("XOR acking trees", () => {
  it("complete exactly when the last tuple of the tree is acked, in any order", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const table = new AckTable(30_000)
      const out = new Outbox()
      const root = newRootKey()
      emitterOf("s", 1, out).emitRooted("default", ["x"], undefined, root)
      const first = deliver(table, out)
      expect(first.tuples.map((t) => t.task)).toEqual([2, 3, 6])
      expect(table.size).toBe(1)
      // Each `a` emits a child anchored to its input (to b's 2 tasks): 4 grandchildren in all.
      const acks: Array<Outbox> = []
      const leaves: Array<TupleImpl> = []
      for (const { task, tuple } of first.tuples) {
        const w = new Outbox()
        if (task !== 6) {
          emitterOf("a", task, w).emitAnchored("default", ["y"], undefined, [tuple])
          leaves.push(...deliver(table, w).tuples.map((t) => t.tuple))
        }
        ackOf(w, tuple)
        acks.push(w)
      }
      for (const leaf of leaves) {
        const w = new Outbox()
        ackOf(w, leaf)
        acks.push(w)
      }
      expect(acks).toHaveLength(3 + 4)
      const order = shuffle(acks, seed)
      order.forEach((w, i) => {
        const { completed } = deliver(table, w)
        expect(completed).toEqual(i === order.length - 1 ? [root] : [])
      })
      expect(table.size).toBe(0)
    }
  })

  it("complete the same when a bolt's acks are combined per root before they are sent", () => {
    const table = new AckTable(30_000)
    const out = new Outbox()
    const root = newRootKey()
    emitterOf("s", 1, out).emitRooted("default", ["x"], undefined, root)
    const first = deliver(table, out).tuples
    const combined = new AckBuffer()
    const outs = new Outbox()
    for (const { task, tuple } of first) {
      if (task !== 6) {
        const w = new Outbox()
        emitterOf("a", task, w).emitAnchored("default", ["y"], undefined, [tuple])
        for (const leaf of deliver(table, w).tuples) combined.add(leaf.tuple)
      }
      combined.add(tuple)
    }
    combined.writeTo(outs)
    const { ackFrames, completed } = deliver(table, outs)
    expect(ackFrames).toBe(1) // seven acks of one root: one ACKS frame of one entry
    expect(completed).toEqual([root])
  })

  it("fail a root as soon as any tuple of its tree fails", () => {
    const table = new AckTable(30_000)
    const out = new Outbox()
    const root = newRootKey()
    emitterOf("s", 1, out).emitRooted("default", ["x"], undefined, root)
    const { tuples } = deliver(table, out)
    // What BoltCollector.fail writes: one FAIL entry per root of the input.
    const w = new Outbox()
    const r = tuples[1]!.tuple.roots
    for (let k = 0; k < r.length; k += 5) w.ack(r[k]!, AckOp.FAIL, r[k + 1]!, r[k + 2]!, 0, 0)
    expect(deliver(table, w).failed).toEqual([root])
    // Later acks of the same tree are ignored.
    const late = new Outbox()
    ackOf(late, tuples[0]!.tuple)
    expect(deliver(table, late).completed).toEqual([])
  })

  it("time roots out after the message timeout, oldest first", () => {
    const table = new AckTable(1000)
    table.open(1, 11, 5, 5, 0)
    table.open(1, 12, 5, 5, 500)
    const expired: Array<number> = []
    table.expire(999, (k) => expired.push(k))
    expect(expired).toEqual([])
    table.expire(1200, (k) => expired.push(k))
    expect(expired).toEqual([11])
    table.expire(1500, (k) => expired.push(k))
    expect(expired).toEqual([11, 12])
    expect(table.size).toBe(0)
  })

  it("track a tuple anchored to two trees in both", () => {
    const table = new AckTable(30_000)
    const out = new Outbox()
    const r1 = newRootKey()
    const r2 = newRootKey()
    const s = emitterOf("s", 1, out)
    s.emitRooted("default", ["x1"], undefined, r1)
    s.emitRooted("default", ["x2"], undefined, r2)
    const all = deliver(table, out).tuples
    const inA = all.filter((t) => t.task === 2).map((t) => t.tuple)
    expect(inA).toHaveLength(2)
    // a (task 2) joins both inputs into one tuple, sent to b's two tasks.
    const joined = new Outbox()
    emitterOf("a", 2, joined).emitAnchored("default", ["joined"], undefined, inA)
    const children = deliver(table, joined).tuples
    expect(children.map((c) => c.tuple.roots.length / 5)).toEqual([2, 2])
    const acks: Array<Outbox> = []
    for (const t of [...all.map((x) => x.tuple), ...children.map((c) => c.tuple)]) {
      const w = new Outbox()
      ackOf(w, t)
      acks.push(w)
    }
    const done = acks.flatMap((w) => deliver(table, w).completed)
    expect(done.sort()).toEqual([r1, r2].sort())
    expect(table.size).toBe(0)
  })

  it("forget the roots of a spout task that restarted", () => {
    const table = new AckTable(30_000)
    table.open(1, 11, 1, 1, 0)
    table.open(2, 12, 1, 1, 0)
    table.dropTask(1)
    expect(table.size).toBe(1)
    expect(table.xor(11, 1, 1)).toBeUndefined()
    expect(table.xor(12, 1, 1)?.spoutTask).toBe(2)
  })

  it("open nothing for a tuple with no destination", () => {
    const lonely = new TopologyBuilder()
      .setSpout("s", spout({ outputs: { default: ["v"] }, create: () => ({ nextTuple: () => {} }) }), 1)
      .build("lonely")
    const out = new Outbox()
    const e = new Emitter(out, 1, "s", routesOf(lonely, "s", () => [1]))
    expect(e.emitRooted("default", [1], undefined, newRootKey())).toEqual([])
    const sent: Array<Uint8Array> = []
    out.drain((b) => void sent.push(b))
    expect(sent).toEqual([])
  })
})
