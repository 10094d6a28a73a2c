/**
 * Health of instances and containers over a window, from the Tracker's metrics, as Heron's UI
 * shows it: capacity (the share of the window an instance spent executing), failures,
 * back-pressure (the share of the window its stream manager held the spouts back), CPU pressure
 * (here the event-loop delay of the instance's thread: the engine reports no CPU load), memory
 * (heap in use against the RAM the packing plan gave it) and GC (share of the window in GC).
 * Each is graded `ok` / `warn` / `bad`, and every grade has a glyph and words, not only a colour.
 */
import { BACK_PRESSURE, type CounterNames, NODE, type MetricTable, sumOf, valueOf } from "./Metrics.js"
import type { ComponentNode, ContainerNode, InstanceNode } from "./Plan.js"

export type Overlay = "capacity" | "failures" | "backpressure" | "cpu" | "memory" | "gc"
export type Level = "ok" | "warn" | "bad" | "none"

export const overlays: ReadonlyArray<{ readonly id: Overlay; readonly label: string; readonly help: string }> = [
  { id: "capacity", label: "Capacity", help: "share of the window spent executing tuples (execute count × execute latency)" },
  { id: "failures", label: "Failures", help: "tuples failed in the window" },
  { id: "backpressure", label: "Back-pressure", help: "share of the window the container's stream manager held the spouts back" },
  { id: "cpu", label: "CPU (event loop)", help: "mean event-loop delay of the instance's thread: how busy its CPU is" },
  { id: "memory", label: "Memory", help: "V8 heap in use against the instance's RAM" },
  { id: "gc", label: "GC", help: "share of the window spent in garbage collection" }
]

/** What one instance did over the window. */
export interface InstanceHealth {
  readonly capacity: number | undefined
  readonly failures: number | undefined
  /** Tuples executed (bolts) or emitted (spouts). */
  readonly processed: number | undefined
  readonly heap: number | undefined
  readonly heapRatio: number | undefined
  readonly gcRatio: number | undefined
  readonly loopDelayMs: number | undefined
  /** Of its container's stream manager. */
  readonly backPressureRatio: number | undefined
}

const ratio = (part: number | undefined, whole: number | undefined) =>
  part === undefined || whole === undefined || whole <= 0 ? undefined : part / whole

/** Capacity: Σ over input streams of execute count × mean execute latency (ms), over the window. */
const capacityOf = (t: MetricTable, names: CounterNames, id: string, windowMs: number): number | undefined => {
  let busy: number | undefined
  names.executed.forEach((name, k) => {
    const n = valueOf(t, name, id)
    const latency = valueOf(t, names.latency[k] ?? "", id)
    if (n !== undefined && latency !== undefined) busy = (busy ?? 0) + n * latency
  })
  return ratio(busy, windowMs)
}

/** Back-pressure of each container: its stream manager's time in back-pressure over the window. */
export const containerBackPressure = (stmgr: MetricTable, containers: ReadonlyArray<ContainerNode>, windowMs: number): ReadonlyMap<number, number> =>
  new Map(containers.flatMap((c) => {
    const ms = c.stmgrId === undefined ? undefined : valueOf(stmgr, BACK_PRESSURE, c.stmgrId)
    const r = ratio(ms, windowMs)
    return r === undefined ? [] : [[c.index, Math.min(1, r)] as const]
  }))

/** An instance's health; `names` are its component's (`counterNames`, computed once per component). */
export const instanceHealth = (
  t: MetricTable,
  c: ComponentNode,
  names: CounterNames,
  i: InstanceNode,
  windowMs: number,
  backPressure: ReadonlyMap<number, number>
): InstanceHealth => {
  const heap = valueOf(t, NODE.heap, i.id)
  const processed = sumOf(t, c.kind === "bolt" ? names.executed : names.emitted, i.id)
  // A counter is reported once it counts something: an instance that reports, and no failure, failed none.
  const reporting = heap !== undefined || processed !== undefined
  return {
    capacity: c.kind === "bolt" ? capacityOf(t, names, i.id, windowMs) : undefined,
    failures: sumOf(t, names.failed, i.id) ?? (reporting ? 0 : undefined),
    processed,
    heap,
    heapRatio: ratio(heap, i.ram),
    gcRatio: ratio(valueOf(t, NODE.gc, i.id), windowMs),
    loopDelayMs: valueOf(t, NODE.loop, i.id),
    backPressureRatio: backPressure.get(i.container)
  }
}

/** [warn from, bad from] for each overlay. */
const thresholds: Readonly<Record<Exclude<Overlay, "failures">, readonly [number, number]>> = {
  capacity: [0.7, 0.9],
  backpressure: [0.01, 0.1],
  cpu: [50, 200],
  memory: [0.6, 0.85],
  gc: [0.05, 0.2]
}

/** The number an overlay grades. */
export const overlayValue = (h: InstanceHealth, o: Overlay): number | undefined => {
  switch (o) {
    case "capacity":
      return h.capacity
    case "failures":
      return h.failures
    case "backpressure":
      return h.backPressureRatio
    case "cpu":
      return h.loopDelayMs
    case "memory":
      return h.heapRatio
    case "gc":
      return h.gcRatio
  }
}

/** Failures: under 1% of what was processed is a warning, more is bad. */
export const grade = (o: Overlay, value: number | undefined, processed?: number): Level => {
  if (value === undefined) return "none"
  if (o === "failures") {
    if (value <= 0) return "ok"
    return processed !== undefined && processed > 0 && value / processed < 0.01 ? "warn" : "bad"
  }
  const [warn, bad] = thresholds[o]
  return value >= bad ? "bad" : value >= warn ? "warn" : "ok"
}

/** Glyphs and words of the grades: the grid is readable without its colours. */
export const levelGlyph: Readonly<Record<Level, string>> = { ok: "", warn: "!", bad: "‼", none: "" }
export const levelWords: Readonly<Record<Level, string>> = { ok: "healthy", warn: "warning", bad: "critical", none: "no data" }

/** The worst of some grades. */
export const worst = (levels: Iterable<Level>): Level => {
  let w: Level = "none"
  const rank: Readonly<Record<Level, number>> = { none: 0, ok: 1, warn: 2, bad: 3 }
  for (const l of levels) if (rank[l] > rank[w]) w = l
  return w
}
