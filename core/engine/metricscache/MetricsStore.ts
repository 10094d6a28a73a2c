/**
 * What the metrics cache holds: a {@link Series} per (component, instance, metric) with Heron's
 * 180 per-minute buckets, the latest values and the exceptions of every instance; and the
 * answers to the cache's queries. Memory is capped by a number of series and a number of bytes:
 * past either, the least recently updated series is dropped, and every drop is counted.
 *
 * Synchronous and single-threaded by design: the cache's server calls it from its handlers; a
 * query over 3,000 instances is a walk over nested maps, with no allocation per bucket it skips.
 */
import type { MetricsRecord } from "../../MetricsSink.js"
import { aggregationOf } from "./Aggregation.js"
import * as ExceptionStore from "./ExceptionStore.js"
import type {
  CacheStats,
  ComponentMetrics,
  ComponentTimeline,
  ExceptionLog,
  ExceptionSummary,
  Selection
} from "./Protocol.js"
import { Series, WINDOW_MINUTES } from "./Series.js"

/** The cache's limits. */
export interface StoreLimits {
  /** Series kept at most (one per component, instance and metric). */
  readonly maxSeries: number
  /** Approximate bytes of series kept at most. */
  readonly maxBytes: number
  /** Distinct exceptions kept per instance (Heron keeps 256 reports per instance). */
  readonly exceptionsPerInstance: number
  /** Distinct exceptions kept in all. */
  readonly exceptions: number
}

export const defaultLimits: StoreLimits = {
  maxSeries: 100_000,
  maxBytes: 256 * 1024 * 1024,
  exceptionsPerInstance: 100,
  exceptions: 10_000
}

/** One series of the query language's `TS`: an instance's minute → value. */
export interface InstanceTimeline {
  readonly instance: string
  readonly timeline: Map<number, number>
}

/** Heron's TManager writes values with six decimals (`std::to_string` of a double). */
export const formatValue = (v: number): string => v.toFixed(6)

/** `host:port/component/instanceId` → its parts; undefined when malformed. */
export const parseSource = (source: string): { readonly host: string; readonly component: string; readonly instance: string } | undefined => {
  const first = source.indexOf("/")
  const last = source.lastIndexOf("/")
  if (first <= 0 || last <= first + 1 || last === source.length - 1) return undefined
  const address = source.slice(0, first)
  const colon = address.lastIndexOf(":")
  return { host: colon > 0 ? address.slice(0, colon) : address, component: source.slice(first + 1, last), instance: source.slice(last + 1) }
}

export interface MetricsStore {
  /** Adds records (their own timestamps place values into minutes). */
  readonly ingest: (records: ReadonlyArray<MetricsRecord>) => void
  /** Values over the last `interval` seconds before `nowMs` (all time when ≤ 0), or the latest. */
  readonly metrics: (s: Selection, interval: number, nowMs: number, latest?: boolean) => ComponentMetrics
  /** Minute buckets overlapping `[starttime, endtime]` (epoch seconds). */
  readonly timeline: (s: Selection, starttime: number, endtime: number) => ComponentTimeline
  /** The query language's `TS`: minutes in `[startSec, endSec]` of one metric, for one instance or
   * all (`instance` undefined); instances without the metric are left out. */
  readonly series: (component: string, instance: string | undefined, metric: string, startSec: number, endSec: number) => Array<InstanceTimeline>
  readonly exceptions: (component: string, instances: ReadonlyArray<string>) => Array<ExceptionLog>
  readonly exceptionSummary: (component: string, instances: ReadonlyArray<string>) => Array<ExceptionSummary>
  /** Drops buckets older than the window before `nowMs`. */
  readonly purge: (nowMs: number) => void
  readonly stats: (topologyName: string) => CacheStats
  /** Counts changes of what the store holds (each ingested batch, each purge): an answer given at
   * one version holds, time aside, while the version stays. */
  readonly version: () => number
  /** Calls `listener` after each change; returns what stops it. */
  readonly onChange: (listener: () => void) => () => void
}

/** An empty store with the given limits. */
export const make = (limits: StoreLimits = defaultLimits): MetricsStore => {
  /** component → instance → metric → series. */
  const index = new Map<string, Map<string, Map<string, Series>>>()
  /** Every series, least recently updated first. */
  const lru = new Set<Series>()
  const exceptions = ExceptionStore.make({ perInstance: limits.exceptionsPerInstance, total: limits.exceptions })
  let bytes = 0
  let droppedSeries = 0
  let rejectedValues = 0
  let records = 0
  let version = 0
  const listeners = new Set<() => void>()
  const changed = () => {
    version++
    for (const l of listeners) l()
  }

  const seriesOf = (component: string, instance: string, metric: string): Series => {
    let instances = index.get(component)
    if (instances === undefined) index.set(component, (instances = new Map()))
    let metrics = instances.get(instance)
    if (metrics === undefined) instances.set(instance, (metrics = new Map()))
    let s = metrics.get(metric)
    if (s === undefined) {
      s = new Series(aggregationOf(metric), component, instance, metric)
      metrics.set(metric, s)
      bytes += s.bytes
    }
    return s
  }

  const drop = (s: Series) => {
    lru.delete(s)
    bytes -= s.bytes
    droppedSeries++
    const instances = index.get(s.component)
    const metrics = instances?.get(s.instance)
    metrics?.delete(s.metric)
    if (metrics !== undefined && metrics.size === 0) instances?.delete(s.instance)
    if (instances !== undefined && instances.size === 0) index.delete(s.component)
  }

  const enforce = () => {
    for (const s of lru) {
      if (lru.size <= limits.maxSeries && bytes <= limits.maxBytes) return
      drop(s)
    }
  }

  /** The instances a selection names that hold metrics (all when it names none). */
  const instancesOf = (sel: Selection): Array<readonly [string, Map<string, Series>]> => {
    const all = index.get(sel.component)
    if (all === undefined) return []
    if (sel.instances.length === 0) return [...all]
    return sel.instances.flatMap((i) => {
      const m = all.get(i)
      return m === undefined ? [] : [[i, m] as const]
    })
  }

  return {
    ingest: (batch) => {
      for (const r of batch) {
        records++
        const src = parseSource(r.source)
        if (src === undefined) {
          rejectedValues += r.metrics.length
          continue
        }
        for (const m of r.metrics) {
          const value = Number(m.value)
          if (m.value.trim() === "" || !Number.isFinite(value)) {
            rejectedValues++
            continue
          }
          const s = seriesOf(src.component, src.instance, m.name)
          const before = s.bytes
          if (!s.add(r.timestamp, value)) rejectedValues++
          bytes += s.bytes - before
          lru.delete(s)
          lru.add(s)
        }
        if (r.exceptions.length > 0) exceptions.add(src.component, src.instance, src.host, r.exceptions)
      }
      enforce()
      changed()
    },

    metrics: (sel, interval, nowMs, latest = false) => {
      const end = Math.floor(nowMs / 1000)
      const start = interval <= 0 ? 0 : end - interval
      const out: Record<string, Record<string, string>> = {}
      for (const [instance, metrics] of instancesOf(sel)) {
        for (const name of sel.metrics) {
          const s = metrics.get(name)
          if (s === undefined) continue
          const v = latest ? (s.latestAt > 0 ? s.latest : undefined) : interval <= 0 ? s.allTime() : s.over(start, end)
          if (v === undefined) continue
          ;(out[name] ??= {})[instance] = formatValue(v)
        }
      }
      return { metrics: out, interval: end - start, component: sel.component }
    },

    timeline: (sel, starttime, endtime) => {
      const out: Record<string, Record<string, Record<string, string>>> = {}
      for (const [instance, metrics] of instancesOf(sel)) {
        for (const name of sel.metrics) {
          const s = metrics.get(name)
          if (s === undefined) continue
          const points: Record<string, string> = {}
          for (const p of s.overlapping(starttime, endtime)) points[p.minute] = formatValue(p.value)
          ;(out[name] ??= {})[instance] = points
        }
      }
      return { timeline: out, starttime, endtime, component: sel.component }
    },

    series: (component, instance, metric, startSec, endSec) => {
      const chosen = instancesOf({ component, metrics: [metric], instances: instance === undefined ? [] : [instance] })
      return chosen.flatMap(([id, metrics]) => {
        const s = metrics.get(metric)
        if (s === undefined) return []
        return [{ instance: id, timeline: s.within(startSec, endSec) }]
      })
    },

    exceptions: (component, instances) =>
      exceptions.of(component, instances).map((e) => ({
        hostname: e.hostname,
        instance_id: e.instance,
        stack_trace: e.stacktrace,
        lasttime: e.lasttime,
        firsttime: e.firsttime,
        count: String(e.count),
        logging: e.logging
      })),

    exceptionSummary: (component, instances) => {
      const byClass = new Map<string, { count: number; first: ExceptionStore.StoredException; last: ExceptionStore.StoredException }>()
      for (const e of exceptions.of(component, instances)) {
        const name = ExceptionStore.className(e.stacktrace)
        const known = byClass.get(name)
        if (known === undefined) byClass.set(name, { count: e.count, first: e, last: e })
        else {
          known.count += e.count
          if (e.firstMs < known.first.firstMs) known.first = e
          if (e.lastMs > known.last.lastMs) known.last = e
        }
      }
      return [...byClass].map(([class_name, s]) => ({
        class_name, firsttime: s.first.firsttime, lasttime: s.last.lasttime, count: String(s.count)
      }))
    },

    purge: (nowMs) => {
      const first = Math.floor(nowMs / 60_000) - WINDOW_MINUTES + 1
      for (const s of lru) {
        const before = s.bytes
        s.trim(first)
        bytes += s.bytes - before
      }
      changed()
    },

    stats: (topologyName) => {
      const ex = exceptions.stats()
      return {
        topologyName,
        series: lru.size,
        bytes,
        maxSeries: limits.maxSeries,
        maxBytes: limits.maxBytes,
        droppedSeries,
        rejectedValues,
        records,
        exceptions: ex.held,
        droppedExceptions: ex.dropped
      }
    },

    version: () => version,

    onChange: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
