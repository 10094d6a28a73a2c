import { describe, expect, it } from "vitest"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { Outbox } from "../../core/engine/internal/Outbox.js"
import { Emitter } from "../../core/engine/internal/Emitter.js"
import { hashFields } from "../../core/engine/internal/FieldHash.js"
import { forEachFrame, Kind } from "../../core/engine/internal/Frames.js"
import { EmitError, routesOf, streamTable } from "../../core/engine/internal/Routes.js"
import { readData, streamInfo } from "../../core/engine/internal/TupleImpl.js"
import { bolt, spout } from "../../core/topology/Api.js"
import { TopologyBuilder } from "../../core/topology/TopologyBuilder.js"

const src = spout({ outputs: { default: ["word", "n"], other: ["x"] }, create: () => ({ nextTuple: () => {} }) })
const sink = bolt({ create: () => ({ execute: () => {} }) })

const topology = new TopologyBuilder()
  .setSpout("src", src, 1)
  .setBolt("shuffled", sink, 3).shuffleGrouping("src")
  .setBolt("byWord", sink, 4).fieldsGrouping("src", ["word"])
  .setBolt("everyone", sink, 2).allGrouping("src")
  .setBolt("lowest", sink, 3).globalGrouping("src")
  .setBolt("picked", sink, 2).directGrouping("src", "other")
  .setBolt("evens", sink, 4).customGrouping("src", (values, tasks) => tasks.filter((t) => t % 2 === 0 && values.length > 0), "other")
  .build("groupings")

// Task ids as the runtime numbers them: src 1, shuffled 2-4, byWord 5-8, everyone 9-10, lowest 11-13, picked 14-15, evens 16-19.
const tasksOf: Record<string, ReadonlyArray<number>> = {
  src: [1], shuffled: [2, 3, 4], byWord: [5, 6, 7, 8], everyone: [9, 10], lowest: [11, 12, 13], picked: [14, 15], evens: [16, 17, 18, 19]
}

const emitter = () => {
  const out = new ByteWriter()
  return { out, emitter: new Emitter(new Outbox(out), 1, "src", routesOf(topology, "src", (c) => tasksOf[c] ?? [])) }
}

/** Destination tasks of the DATA frames written so far. */
const destinations = (out: ByteWriter): Array<number> => {
  const dests: Array<number> = []
  forEachFrame(out.buf, 0, out.len, (b, s) => {
    if (b[s + 8] === Kind.DATA) dests.push(b.readUInt32LE(s + 4))
  })
  return dests
}

describe("groupings, chosen at emit", () => {
  it("send each tuple to one shuffled task, one fields task, all 'all' tasks and the lowest global task", () => {
    const { out, emitter: e } = emitter()
    const tasks = e.emitUnanchored("default", ["apple", 1], undefined)
    expect(tasks).toHaveLength(1 + 1 + 2 + 1)
    expect(tasks.filter((t) => t >= 2 && t <= 4)).toHaveLength(1)
    expect(tasks.filter((t) => t >= 5 && t <= 8)).toHaveLength(1)
    expect(tasks.filter((t) => t === 9 || t === 10)).toEqual([9, 10])
    expect(tasks.filter((t) => t >= 11 && t <= 13)).toEqual([11])
    expect(destinations(out)).toEqual(tasks)
  })

  it("shuffle spreads tuples evenly over the tasks", () => {
    const { emitter: e } = emitter()
    const counts = new Map<number, number>()
    for (let i = 0; i < 300; i++) {
      for (const t of e.emitUnanchored("default", [`w${i}`, i], undefined)) counts.set(t, (counts.get(t) ?? 0) + 1)
    }
    expect([2, 3, 4].map((t) => counts.get(t))).toEqual([100, 100, 100])
  })

  it("fields grouping sends equal keys to the same task, whatever the other fields, and spreads keys", () => {
    const { emitter: e } = emitter()
    const taskOf = (word: string, n: number) => e.emitUnanchored("default", [word, n], undefined).find((t) => t >= 5 && t <= 8)
    for (let i = 0; i < 50; i++) expect(taskOf(`k${i}`, i)).toBe(taskOf(`k${i}`, i + 1000))
    expect(new Set(Array.from({ length: 100 }, (_, i) => taskOf(`k${i}`, 0))).size).toBe(4)
  })

  it("fields hashing is stable across processes and versions (fixed values)", () => {
    expect(hashFields(["apple"], [0])).toBe(hashFields(["apple", 2], [0]))
    expect(hashFields(["apple"], [0])).toBe(2615149334)
    expect(hashFields([42], [0])).toBe(1392322254)
    expect(hashFields([1], [0])).not.toBe(hashFields(["1"], [0]))
    expect(hashFields([{ a: 1 }, 2.5, true, null], [0, 1, 2, 3])).toBe(hashFields([{ a: 1 }, 2.5, true, null], [0, 1, 2, 3]))
  })

  it("direct grouping sends to the given task, and refuses a missing or foreign task", () => {
    const { emitter: e } = emitter()
    expect(e.emitUnanchored("other", ["x"], 15).filter((t) => t === 14 || t === 15)).toEqual([15])
    expect(() => e.emitUnanchored("other", ["x"], undefined)).toThrow(/direct grouping: emit with \{ directTask \}/)
    expect(() => e.emitUnanchored("other", ["x"], 3)).toThrow(/not a task of picked/)
  })

  it("custom grouping sends to the tasks its function picks, and refuses foreign tasks", () => {
    const { emitter: e } = emitter()
    expect(e.emitUnanchored("other", ["x"], 14).filter((t) => t >= 16)).toEqual([16, 18])
    const bad = new TopologyBuilder()
      .setSpout("src", src, 1)
      .setBolt("b", sink, 2).customGrouping("src", () => [99])
      .build("bad")
    const e2 = new Emitter(new Outbox(new ByteWriter()), 1, "src", routesOf(bad, "src", (c) => (c === "b" ? [2, 3] : [1])))
    expect(() => e2.emitUnanchored("default", ["w", 1], undefined)).toThrow(/custom grouping chose task 99/)
  })

  it("refuses undeclared streams and the wrong number of values", () => {
    const { emitter: e } = emitter()
    expect(() => e.emitUnanchored("nope", [1], undefined)).toThrow(EmitError)
    expect(() => e.emitUnanchored("default", ["only one"], undefined)).toThrow(/emits 1 values on "default", which declares 2/)
  })

  it("routes follow a new plan's task lists", () => {
    const routes = routesOf(topology, "src", (c) => (c === "lowest" ? [20, 7] : tasksOf[c] ?? []))
    const e = new Emitter(new Outbox(new ByteWriter()), 1, "src", routes)
    expect(e.emitUnanchored("default", ["w", 1], undefined)).toContain(7)
  })

  it("carries the values to the receiver, decoded by stream id", () => {
    const { out, emitter: e } = emitter()
    e.emitUnanchored("default", ["pear", 7], undefined)
    const streams = streamTable(topology).map((s, i) => streamInfo(i, s.component, s.stream, s.fields))
    const tuple = readData(out.buf, 0, streams)
    expect(tuple?.sourceComponent).toBe("src")
    expect(tuple?.sourceTask).toBe(1)
    expect(tuple?.stream).toBe("default")
    expect(tuple?.values).toEqual(["pear", 7])
    expect(tuple?.get("n")).toBe(7)
    expect(() => tuple?.get("missing")).toThrow(/has no field "missing"/)
  })
})
