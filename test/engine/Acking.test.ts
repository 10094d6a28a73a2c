import { describe, expect, it } from "vitest"
import { AckBuffer } from "../../core/engine/internal/AckBuffer.js"
import { AckTable } from "../../core/engine/internal/AckTable.js"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { Outbox } from "../../core/engine/internal/Outbox.js"
import { Emitter, writeAck } from "../../core/engine/internal/Emitter.js"
import { forEachFrame, Kind, newRootKey, rootKey, writeFailRoot } from "../../core/engine/internal/Frames.js"
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
const emitterOf = (component: string, task: number, out: ByteWriter) =>
  new Emitter(new Outbox(out), task, component, routesOf(topology, component, (c) => tasks[c] ?? []))

/** Plays the stream manager of the spout: acking frames go to the table, tuples are returned by
 * destination task. Returns the roots completed (by ACK_XOR) and failed (by FAIL_ROOT). */
const deliver = (table: AckTable, out: ByteWriter) => {
  const tuples: Array<{ readonly task: number; readonly tuple: TupleImpl }> = []
  const completed: Array<number> = []
  const failed: Array<number> = []
  forEachFrame(out.buf, 0, out.len, (b, s) => {
    const kind = b[s + 8]
    const key = rootKey(b.readUInt32LE(s + 9), b.readUInt32LE(s + 13))
    if (kind === Kind.DATA) tuples.push({ task: b.readUInt32LE(s + 4), tuple: readData(b, s, streams)! })
    else if (kind === Kind.ACK_INIT) table.open(b.readUInt32LE(s + 4), key, b.readInt32LE(s + 17), b.readInt32LE(s + 21), 0)
    else if (kind === Kind.ACK_XOR) {
      if (table.xor(key, b.readInt32LE(s + 17), b.readInt32LE(s + 21)) !== undefined) completed.push(key)
    } else if (kind === Kind.FAIL_ROOT && table.fail(key) !== undefined) failed.push(key)
  })
  out.len = 0
  return { tuples, completed, failed }
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
      const out = new ByteWriter()
      const root = newRootKey()
      emitterOf("s", 1, out).emitRooted("default", ["x"], undefined, root)
      const first = deliver(table, out)
      expect(first.tuples.map((t) => t.task)).toEqual([2, 3, 6])
      expect(table.size).toBe(1)
      // Each `a` emits a child anchored to its input (to b's 2 tasks): 4 grandchildren in all.
      const acks: Array<ByteWriter> = []
      const leaves: Array<TupleImpl> = []
      for (const { task, tuple } of first.tuples) {
        const w = new ByteWriter()
        if (task !== 6) {
          emitterOf("a", task, w).emitAnchored("default", ["y"], undefined, [tuple])
          leaves.push(...deliver(table, w).tuples.map((t) => t.tuple))
        }
        writeAck(w, tuple)
        acks.push(w)
      }
      for (const leaf of leaves) {
        const w = new ByteWriter()
        writeAck(w, leaf)
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
    const out = new ByteWriter()
    const root = newRootKey()
    emitterOf("s", 1, out).emitRooted("default", ["x"], undefined, root)
    const first = deliver(table, out).tuples
    const combined = new AckBuffer()
    const outs = new Outbox(new ByteWriter())
    for (const { task, tuple } of first) {
      if (task !== 6) {
        const w = new ByteWriter()
        emitterOf("a", task, w).emitAnchored("default", ["y"], undefined, [tuple])
        for (const leaf of deliver(table, w).tuples) combined.add(leaf.tuple)
      }
      combined.add(tuple)
    }
    combined.writeTo(outs)
    let frames = 0
    forEachFrame(outs.local.buf, 0, outs.local.len, () => void frames++)
    expect(frames).toBe(1) // seven acks of one root, one frame
    expect(deliver(table, outs.local).completed).toEqual([root])
  })

  it("fail a root as soon as any tuple of its tree fails", () => {
    const table = new AckTable(30_000)
    const out = new ByteWriter()
    const root = newRootKey()
    emitterOf("s", 1, out).emitRooted("default", ["x"], undefined, root)
    const { tuples } = deliver(table, out)
    // What BoltCollector.fail writes: one FAIL_ROOT per root of the input.
    const w = new ByteWriter()
    const r = tuples[1]!.tuple.roots
    for (let k = 0; k < r.length; k += 5) writeFailRoot(w, r[k]!, r[k + 1]!, r[k + 2]!)
    expect(deliver(table, w).failed).toEqual([root])
    // Later acks of the same tree are ignored.
    const late = new ByteWriter()
    writeAck(late, tuples[0]!.tuple)
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
    const out = new ByteWriter()
    const r1 = newRootKey()
    const r2 = newRootKey()
    const s = emitterOf("s", 1, out)
    s.emitRooted("default", ["x1"], undefined, r1)
    s.emitRooted("default", ["x2"], undefined, r2)
    const all = deliver(table, out).tuples
    const inA = all.filter((t) => t.task === 2).map((t) => t.tuple)
    expect(inA).toHaveLength(2)
    // a (task 2) joins both inputs into one tuple, sent to b's two tasks.
    const joined = new ByteWriter()
    emitterOf("a", 2, joined).emitAnchored("default", ["joined"], undefined, inA)
    const children = deliver(table, joined).tuples
    expect(children.map((c) => c.tuple.roots.length / 5)).toEqual([2, 2])
    const acks: Array<ByteWriter> = []
    for (const t of [...all.map((x) => x.tuple), ...children.map((c) => c.tuple)]) {
      const w = new ByteWriter()
      writeAck(w, t)
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
    const out = new ByteWriter()
    const e = new Emitter(new Outbox(out), 1, "s", routesOf(lonely, "s", () => [1]))
    expect(e.emitRooted("default", [1], undefined, newRootKey())).toEqual([])
    expect(out.len).toBe(0)
  })
})
