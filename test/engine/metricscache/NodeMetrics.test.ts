// Node's own metrics per instance: heap used, GC time and event-loop delay of the instance's
// thread, reported with its other metrics every interval.
import { afterEach, describe, expect, it } from "vitest"
import { InstanceMetrics } from "../../../core/engine/internal/InstanceMetrics.js"

const opened: Array<InstanceMetrics> = []
afterEach(() => {
  for (const m of opened.splice(0)) m.close()
})
const make = (node: boolean) => {
  const m = new InstanceMetrics({ node })
  opened.push(m)
  return m
}
const collect = (m: InstanceMetrics) => new Map(m.collect(() => {}))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe("Node's metrics of an instance", () => {
  it("reports heap used, GC time and event-loop delay, per interval", async () => {
    const m = make(true)
    m.count("__emit-count/default", 3)
    // Garbage for the collector, and a 120 ms stall of the event loop.
    let keep: Array<{ readonly n: number; readonly s: string }> = []
    for (let round = 0; round < 20; round++) keep = Array.from({ length: 50_000 }, (_, n) => ({ n, s: `v${n}` }))
    expect(keep.length).toBe(50_000)
    await sleep(60)
    const stalled = Date.now()
    while (Date.now() - stalled < 120) { /* busy */ }
    await sleep(80)
    const first = collect(m)
    expect(first.get("__emit-count/default")).toBe(3)
    expect(first.get("__node-heap-used")).toBeGreaterThan(1_000_000)
    expect(first.get("__node-gc-time")).toBeGreaterThan(0)
    expect(first.get("__node-eventloop-delay")).toBeGreaterThan(0)
    // A new interval starts from zero: a quiet 100 ms has far less GC than the garbage above.
    await sleep(100)
    const second = collect(m)
    expect(second.get("__node-gc-time")).toBeLessThan(first.get("__node-gc-time") ?? 0)
    expect(second.get("__node-heap-used")).toBeGreaterThan(0)
    expect(second.has("__emit-count/default")).toBe(false)
  })

  it("is off on the main thread by default (instances run in worker threads)", () => {
    const m = new InstanceMetrics()
    opened.push(m)
    expect([...collect(m).keys()].filter((k) => k.startsWith("__node-"))).toEqual([])
    expect([...collect(make(false)).keys()]).toEqual([])
  })
})
