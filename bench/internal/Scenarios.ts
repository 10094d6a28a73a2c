/**
 * Measurements on a real deployment: a bench topology submitted with the `heron` CLI, its count
 * tasks' records read back, CPU and memory read from /proc for every process of every container's
 * process group (pids from the runtime's `/scheduler/status`).
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Control } from "../topologies/word-count.js"
import { CountFiles, quantile } from "./CountFiles.js"
import { type CliResult, type Container, type Harness, sleep, waitFor } from "./Harness.js"
import { groupRss, groupsCpuSeconds, machineBusySeconds, threadLoads, threadTicks, type ThreadLoad } from "./Proc.js"

/** A submitted bench topology. */
export interface Deployed {
  readonly name: string
  readonly out: string
  readonly files: CountFiles
  readonly containers: ReadonlyArray<Container>
  /** Wall-clock ms from spawning `heron submit` to the first tuple a count task executed. */
  readonly submitToFirstMs: number | undefined
  /** Wall-clock ms `heron submit` took (it returns once the topology runs). */
  readonly submitCliMs: number
  /** Where that time went: the CLI's start-up (spawn → first line), then each numbered step. */
  readonly submitPhases: ReadonlyArray<{ readonly name: string; readonly ms: number }>
}

/** Splits a `heron submit` run at its progress lines (`[k/n] text`). */
const phasesOf = (r: CliResult): Array<{ readonly name: string; readonly ms: number }> => {
  const steps = r.lines.flatMap((l) => {
    const m = /^\[(\d+)\/\d+\] (\S+)/.exec(l.text)
    return m === null ? [] : [{ t: l.t, name: `[${m[1]}] ${m[2]}` }]
  })
  const first = steps[0]
  if (first === undefined) return []
  return [
    { name: "CLI start-up", ms: first.t - r.startedAt },
    ...steps.map((s, i) => ({ name: s.name, ms: (steps[i + 1]?.t ?? r.endedAt) - s.t }))
  ]
}

export interface DeployOptions {
  readonly name: string
  readonly containers: number
  readonly reliable: boolean
  /** Sentences per second of the spout; `"max"` or 0 (idle). */
  readonly rate: number | "max"
}

export const writeControl = (d: { readonly out: string }, c: Control): void =>
  writeFileSync(join(d.out, "control.json"), JSON.stringify(c))

/** Submits the bench topology and waits until it runs and (unless idle) counts its first tuple. */
export const deploy = async (h: Harness, topologyFile: string, o: DeployOptions): Promise<Deployed> => {
  const out = h.outDir(o.name)
  writeControl({ out }, { rate: o.rate === "max" ? null : o.rate, stallMs: 0, stallSeq: 0 })
  const files = new CountFiles(out)
  const cli = await h.submit(topologyFile, o.name, {
    "topology.stmgrs": o.containers,
    "topology.reliability.mode": o.reliable ? "ATLEAST_ONCE" : "ATMOST_ONCE",
    "bench.out": out,
    "bench.rate": o.rate
  })
  const containers = await h.awaitContainers(o.name, o.containers + 1)
  let first: number | undefined
  if (o.rate !== 0) {
    first = await waitFor(`${o.name}: the first counted tuple`, () => {
      files.poll()
      return files.firstTuple()
    }, 60_000, 10)
  }
  await waitFor(`${o.name}: records of both count tasks`, () => {
    files.poll()
    return files.taskCount >= 2 ? true : undefined
  }, 30_000, 50)
  return {
    name: o.name,
    out,
    files,
    containers,
    submitToFirstMs: first === undefined ? undefined : first - cli.startedAt,
    submitCliMs: cli.endedAt - cli.startedAt,
    submitPhases: phasesOf(cli)
  }
}

/** What one measurement window saw. */
export interface Window {
  readonly seconds: number
  /** Words through the count bolt per second. */
  readonly tuplesPerSec: number
  /** CPU seconds per second of every container process (2.0 = both cores of this machine). */
  readonly cores: number
  /** CPU seconds per second the machine spent on anything else (the benchmark, other work). */
  readonly otherCores: number
  /** Share of the window the spout spent between `nextTuple` calls (paused, throttled, backing off). */
  readonly spoutIdle: number
  readonly tuplesPerCpuSec: number
  readonly p50: number
  readonly p99: number
  readonly samples: number
  /** The longest a count task's 100 ms timer fired late in the window, ms. */
  readonly timerLate: number
  /** Every container thread's load, busiest first. */
  readonly threads: ReadonlyArray<ThreadLoad & { readonly container: number }>
}

/** Measures `d` for `ms`. */
export const measure = async (d: Deployed, ms: number): Promise<Window> => {
  const pgids = d.containers.map((c) => c.pid)
  d.files.poll()
  const ta = Date.now()
  const cpuA = groupsCpuSeconds(pgids)
  const busyA = machineBusySeconds()
  const thA = new Map(d.containers.map((c) => [c.pid, threadTicks(c.pid)]))
  await sleep(ms)
  const tb = Date.now()
  const cpuB = groupsCpuSeconds(pgids)
  const busyB = machineBusySeconds()
  const thB = new Map(d.containers.map((c) => [c.pid, threadTicks(c.pid)]))
  await waitFor(`${d.name}: records up to the end of the window`, () => {
    d.files.poll()
    return d.files.horizon() >= tb ? true : undefined
  }, 5_000, 20)
  const seconds = (tb - ta) / 1000
  const tuples = d.files.countAt(tb) - d.files.countAt(ta)
  const cpu = cpuB - cpuA
  const lat = d.files.latencies(ta, tb)
  const containerOf = new Map(d.containers.map((c) => [c.pid, c.index]))
  return {
    seconds,
    tuplesPerSec: tuples / seconds,
    cores: cpu / seconds,
    otherCores: Math.max(0, busyB - busyA - cpu) / seconds,
    spoutIdle: d.files.spoutCount === 0 ? Number.NaN : (d.files.spoutGapAt(tb) - d.files.spoutGapAt(ta)) / (tb - ta) / d.files.spoutCount,
    tuplesPerCpuSec: cpu > 0 ? tuples / cpu : Number.NaN,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    samples: lat.length,
    timerLate: d.files.timerLate(ta, tb),
    threads: threadLoads(thA, thB, seconds).map((t) => ({ ...t, container: containerOf.get(t.pid) ?? -1 }))
  }
}

/** What the stall test saw. */
export interface Stall {
  readonly stallMs: number
  /** Words per second in the 2 s before the stall, and in the 2 s after it ended. */
  readonly before: number
  readonly after: number
  /** Sentences per second the spout emitted in those windows. */
  readonly emittedBefore: number
  readonly emittedAfter: number
  /** When, relative to the stall's start, the spout stopped emitting; and how long after the
   * stall's end it emitted again (100 ms resolution). */
  readonly spoutStoppedMs: number | undefined
  readonly spoutResumedMs: number | undefined
  /** How late the count tasks started stalling after the order was written: their 100 ms timer
   * runs only when the worker's event loop gets to timers. */
  readonly orderLagMs: number
  /** Per container (index ≥ 1): RSS just before the stall and its peak during it, in bytes. */
  readonly rss: ReadonlyArray<{ readonly container: number; readonly pre: number; readonly peak: number }>
}

/** Stalls every count task of `d` (running at full rate) for `stallMs`, sampling the containers'
 * RSS every 100 ms meanwhile, and compares the throughput around it. */
export const stall = async (d: Deployed, stallMs: number, seq: number): Promise<Stall> => {
  const workers = d.containers.filter((c) => c.index >= 1)
  const pre = new Map(workers.map((c) => [c.index, 0]))
  for (let i = 0; i < 5; i++) {
    for (const c of workers) pre.set(c.index, Math.max(pre.get(c.index) ?? 0, groupRss(c.pid)))
    await sleep(100)
  }
  const peak = new Map(pre)
  writeControl(d, { rate: null, stallMs, stallSeq: seq })
  const ordered = Date.now()
  const deadline = Date.now() + stallMs + 15_000
  d.files.poll()
  const already = d.files.stalls().length
  while (Date.now() < deadline) {
    for (const c of workers) peak.set(c.index, Math.max(peak.get(c.index) ?? 0, groupRss(c.pid)))
    d.files.poll()
    if (d.files.stalls().length - already >= d.files.taskCount) break
    await sleep(100)
  }
  const stalls = d.files.stalls().slice(already)
  if (stalls.length < d.files.taskCount) throw new Error(`${d.name}: only ${stalls.length} of ${d.files.taskCount} count tasks reported the end of their stall`)
  const from = Math.min(...stalls.map((s) => s.from))
  const to = Math.max(...stalls.map((s) => s.to))
  await waitFor(`${d.name}: records 2 s past the stall`, () => {
    d.files.poll()
    return d.files.horizon() >= to + 2000 ? true : undefined
  }, 10_000, 50)
  const rate = (f: (t: number) => number, a: number, b: number) => (f(b) - f(a)) / ((b - a) / 1000)
  const counted = (t: number) => d.files.countAt(t)
  const emitted = (t: number) => d.files.emittedAt(t)
  // The spout stopped at the last 100 ms line before the end that still shows progress.
  const total = emitted(to)
  let stopped: number | undefined
  for (let t = from; t <= to; t += 100) {
    if (emitted(t) >= total) {
      stopped = t - from
      break
    }
  }
  const resumed = d.files.resumedAfter(to)
  return {
    stallMs,
    before: rate(counted, from - 2000, from),
    after: rate(counted, to, to + 2000),
    emittedBefore: rate(emitted, from - 2000, from),
    emittedAfter: rate(emitted, to, to + 2000),
    spoutStoppedMs: stopped,
    spoutResumedMs: resumed === undefined ? undefined : resumed - to,
    orderLagMs: Math.max(...stalls.map((s) => s.from)) - ordered,
    rss: workers.map((c) => ({ container: c.index, pre: pre.get(c.index) ?? 0, peak: peak.get(c.index) ?? 0 }))
  }
}

/** RSS of container `index` of `d` (its whole process group): the median of 5 readings 200 ms apart. */
export const settledRss = async (pid: number): Promise<number> => {
  const xs: Array<number> = []
  for (let i = 0; i < 5; i++) {
    xs.push(groupRss(pid))
    await sleep(200)
  }
  return quantile(xs, 0.5)
}

/** After a rate change: waits `minMs`, then until the queues of the previous phase have drained
 * (the median latency of the last 500 ms is under 2 ms) or `maxMs` passed. Returns the ms waited. */
export const settle = async (d: Deployed, minMs: number, maxMs: number): Promise<number> => {
  const start = Date.now()
  await sleep(minMs)
  while (Date.now() - start < maxMs) {
    d.files.poll()
    const h = d.files.horizon()
    const lat = d.files.latencies(h - 500, h)
    if (h > start + minMs && lat.length > 0 && quantile(lat, 0.5) < 2) break
    await sleep(250)
  }
  return Date.now() - start
}
