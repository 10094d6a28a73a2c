// The metrics manager isolates each destination: a sink that fails, one that blocks (even
// uninterruptibly) and one that never starts do not stop records reaching a healthy sink, reports
// never wait, and every destination's errors and drops are reported as stream manager metrics.
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Option, Scope } from "effect"
import * as MetricsCache from "../../../core/engine/metricscache/MetricsCache.js"
import * as MetricsManager from "../../../core/engine/MetricsManager.js"
import { type MetricsRecord, type MetricsSinkService, SinkError } from "../../../core/MetricsSink.js"
import { makeStateManager } from "../../../core/state/makeStateManager.js"
import * as MemoryStore from "../../../core/state/MemoryStore.js"

const base = { cluster: "local", topologyName: "wc", topologyId: "wc-1", container: 1, address: "127.0.0.1:7001" } as const

const healthy = () => {
  const received: Array<MetricsRecord> = []
  const sink: MetricsSinkService = {
    init: () => Effect.void,
    processRecord: (r) => Effect.sync(() => void received.push(r)),
    flush: Effect.void,
    close: Effect.void
  }
  return { received, sink }
}
const failing: MetricsSinkService = {
  init: () => Effect.void,
  processRecord: () => Effect.fail(new SinkError({ sink: "failing", op: "processRecord", message: "carbon refused the connection" })),
  flush: Effect.void,
  close: Effect.void
}
const blocking: MetricsSinkService = { init: () => Effect.void, processRecord: () => Effect.never, flush: Effect.void, close: Effect.void }
const wedged: MetricsSinkService = { init: () => Effect.void, processRecord: () => Effect.uninterruptible(Effect.never), flush: Effect.void, close: Effect.void }
const neverStarts: MetricsSinkService = { init: () => Effect.never, processRecord: () => Effect.void, flush: Effect.void, close: Effect.void }
const dies: MetricsSinkService = { init: () => Effect.void, processRecord: () => Effect.die(new TypeError("x is undefined")), flush: Effect.void, close: Effect.void }

/** The stream manager records a sink received, summed: metric name → total. */
const stmgrTotals = (records: ReadonlyArray<MetricsRecord>): Map<string, number> => {
  const totals = new Map<string, number>()
  for (const r of records) {
    if (!r.source.endsWith("/__stmgr__/stmgr-1")) continue
    for (const m of r.metrics) totals.set(m.name, (totals.get(m.name) ?? 0) + Number(m.value))
  }
  return totals
}

const poll = <A>(what: string, probe: () => A | undefined, timeoutMs = 10_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const v = probe()
      if (v !== undefined) return v
      if (Date.now() > deadline) return yield* Effect.dieMessage(`timed out waiting for ${what}`)
      yield* Effect.sleep(Duration.millis(25))
    }
  })

describe("sink isolation", () => {
  it.live("failing, blocking, wedged, dying and never-starting sinks do not stop a healthy one; their errors are counted", () =>
    Effect.gen(function*() {
      const good = healthy()
      const scope = yield* Scope.make()
      const mm = yield* MetricsManager.make({
        ...base,
        sinks: [
          { name: "metrics-sink/healthy", sink: good.sink },
          { name: "metrics-sink/failing", sink: failing },
          { name: "metrics-sink/blocking", sink: blocking },
          { name: "metrics-sink/wedged", sink: wedged },
          { name: "metrics-sink/never-starts", sink: neverStarts },
          { name: "metrics-sink/dies", sink: dies }
        ],
        queueCapacity: 15,
        sinkTimeout: Duration.millis(150)
      }).pipe(Scope.extend(scope))

      // Six intervals' worth of reports, ten instances each. Reporting never waits: a report is a
      // plain call that returns at once (were it to wait on the blocking sink, whose calls never
      // end, this loop would never finish).
      for (let wave = 0; wave < 6; wave++) {
        for (let i = 0; i < 10; i++) {
          expect(mm.instance("split", `container_1_split_${wave * 10 + i}`, [["__execute-count/sentence/default", i]])).toBeUndefined()
        }
        yield* Effect.sleep(Duration.millis(20))
      }
      // Every record reaches the healthy sink, however the others fare.
      yield* poll("60 records at the healthy sink", () => (good.received.length >= 60 ? true : undefined), 2_000)
      expect(good.received.slice(0, 60).map((r) => r.source)).toEqual(
        Array.from({ length: 60 }, (_, i) => `127.0.0.1:7001/split/container_1_split_${i}`))

      // The counters arrive with the stream manager's metrics, as deltas per interval.
      const totals = yield* poll("every sink's counters", () => {
        mm.stmgr([["__tuples_to_workers", 1]])
        const t = stmgrTotals(good.received)
        return (t.get("__sink-errors/failing") ?? 0) >= 60 &&
            (t.get("__sink-errors/dies") ?? 0) >= 60 &&
            (t.get("__sink-errors/blocking") ?? 0) >= 2 &&
            (t.get("__sink-dropped/blocking") ?? 0) >= 30 &&
            (t.get("__sink-dropped/wedged") ?? 0) >= 40 &&
            (t.get("__sink-dropped/never-starts") ?? 0) >= 40 &&
            (t.get("__sink-errors/never-starts") ?? 0) >= 1
          ? t
          : undefined
      })
      expect(totals.get("__sink-errors/healthy")).toBe(0)
      expect(totals.get("__sink-dropped/healthy")).toBe(0)
      // A record whose call failed did not reach its sink: it counts as dropped too.
      expect(totals.get("__sink-dropped/failing")).toBe(totals.get("__sink-errors/failing"))
      expect(totals.get("__tuples_to_workers")).toBeGreaterThan(0)
      // Closing does not wait for the wedged sink.
      const closed = yield* Scope.close(scope, Exit.void).pipe(Effect.timeout(Duration.seconds(2)), Effect.option)
      expect(Option.isSome(closed)).toBe(true)
    }))

  it.live("exceptions travel with the instance's next record, or with the next stream manager report", () =>
    Effect.gen(function*() {
      const good = healthy()
      const mm = yield* MetricsManager.make({ ...base, sinks: [{ name: "metrics-sink/healthy", sink: good.sink }] })
      const report = { message: "Error: boom", stack: "Error: boom\n    at execute (bolt.js:3:9)" }
      mm.exception("split", "container_1_split_3", report)
      mm.exception("split", "container_1_split_3", report)
      mm.instance("split", "container_1_split_3", [["__execute-count/sentence/default", 1]])
      // This instance keeps dying before it reports metrics: its exception goes with the stmgr report.
      mm.exception("count", "container_1_count_5", { message: "TypeError: x", stack: "TypeError: x\n    at f (a.js:1:1)" })
      mm.stmgr([])
      yield* poll("three records", () => (good.received.length >= 3 ? true : undefined))
      const [first, second] = good.received
      expect(first?.exceptions.map((e) => [e.count, e.logging, e.stacktrace])).toEqual([[2, "Error: boom", report.stack]])
      expect(Date.parse(first?.exceptions[0]?.firsttime ?? "")).toBeLessThanOrEqual(Date.parse(first?.exceptions[0]?.lasttime ?? ""))
      expect(second?.source).toBe("127.0.0.1:7001/count/container_1_count_5")
      expect(second?.exceptions.map((e) => e.logging)).toEqual(["TypeError: x"])
      expect(good.received.filter((r) => r.exceptions.length > 0)).toHaveLength(2)
    }).pipe(Effect.scoped))

  it.live("keeps at most 100 distinct exceptions per instance and interval, counting the rest", () =>
    Effect.gen(function*() {
      const good = healthy()
      const mm = yield* MetricsManager.make({ ...base, sinks: [{ name: "metrics-sink/healthy", sink: good.sink }] })
      for (let i = 0; i < 105; i++) mm.exception("split", "container_1_split_3", { message: `Error: ${i}`, stack: `Error: ${i}\n    at f (a.js:1:1)` })
      mm.stmgr([])
      yield* poll("two records", () => (good.received.length >= 2 ? true : undefined))
      expect(good.received[0]?.exceptions).toHaveLength(100)
      expect(stmgrTotals(good.received).get("__exceptions-dropped")).toBe(5)
    }).pipe(Effect.scoped))
})

describe("forwarding to the metrics cache", () => {
  it.live("drops (counted) while no cache runs, delivers once one registers, and follows it when it moves", () =>
    Effect.gen(function*() {
      const sm = makeStateManager(yield* MemoryStore.make)
      const good = healthy()
      const mm = yield* MetricsManager.make({
        ...base, sinks: [{ name: "metrics-sink/healthy", sink: good.sink }], stateManager: sm, cacheLinger: Duration.millis(10)
      })
      const cacheOpts = { topologyName: "wc", topologyId: "wc-1", host: "127.0.0.1", listenHost: "127.0.0.1", stateManager: sm }
      const executed = (store: MetricsCache.MetricsCache["store"], instance: string) =>
        store.metrics({ component: "split", metrics: ["__execute-count/sentence/default"], instances: [instance] }, -1, Date.now())
          .metrics["__execute-count/sentence/default"]?.[instance]

      mm.instance("split", "container_1_split_1", [["__execute-count/sentence/default", 5]])
      const dropped = yield* poll("the record dropped for want of a cache", () => {
        mm.stmgr([])
        const t = stmgrTotals(good.received)
        return (t.get("__sink-dropped/metricscache") ?? 0) >= 1 ? t : undefined
      })
      expect(dropped.get("__sink-errors/metricscache")).toBeGreaterThanOrEqual(1)

      const firstScope = yield* Scope.make()
      const first = yield* MetricsCache.start(cacheOpts).pipe(Scope.extend(firstScope))
      const reached = yield* poll("a record at the first cache", () => {
        mm.instance("split", "container_1_split_1", [["__execute-count/sentence/default", 5]])
        return executed(first.store, "container_1_split_1")
      })
      expect(Number(reached)).toBeGreaterThanOrEqual(5)

      // Container 0 restarts elsewhere: a new cache, a new location.
      yield* Scope.close(firstScope, Exit.void)
      const second = yield* MetricsCache.start(cacheOpts)
      expect(second.port).not.toBe(first.port)
      yield* poll("a record at the second cache", () => {
        mm.instance("split", "container_1_split_2", [["__execute-count/sentence/default", 7]])
        return executed(second.store, "container_1_split_2")
      })
      expect(executed(first.store, "container_1_split_2")).toBeUndefined()
    }).pipe(Effect.scoped), 30_000)
})
