/**
 * Exceptions in the metrics cache, per instance. Reports of the same exception (same first two
 * lines of stack trace, Heron's rule for telling exceptions apart) merge: counts add up, the first
 * time stays, the last time, full stack trace and logged message follow the newest report.
 * Bounded per instance and in total; the least recently seen exception goes first, and every
 * exception dropped that way is counted.
 */
import type { ExceptionDatum } from "../../MetricsSink.js"

/** One merged exception of one instance. */
export interface StoredException {
  readonly component: string
  readonly instance: string
  readonly hostname: string
  stacktrace: string
  logging: string
  count: number
  /** As reported (ISO-8601 from the metrics managers), with their epoch ms for comparisons. */
  firsttime: string
  firstMs: number
  lasttime: string
  lastMs: number
}

/** Limits: distinct exceptions kept per instance and in all. */
export interface ExceptionLimits {
  readonly perInstance: number
  readonly total: number
}

/** Heron tells exceptions apart by the first two lines of their stack trace. */
export const exceptionKey = (stacktrace: string): string => stacktrace.split("\n", 2).join("\n")

/** What `/exceptionsummary` groups by: the text before the first `:` (the error's class), else
 * the first line. */
export const className = (stacktrace: string): string => {
  const colon = stacktrace.indexOf(":")
  const line = stacktrace.split("\n", 1)[0] ?? ""
  return colon >= 0 && colon <= line.length ? stacktrace.slice(0, colon) : line
}

const parseTime = (t: string): number => {
  const ms = Date.parse(t)
  return Number.isFinite(ms) ? ms : 0
}

export interface ExceptionStore {
  /** Merges one instance's reported exceptions. */
  readonly add: (component: string, instance: string, hostname: string, data: ReadonlyArray<ExceptionDatum>) => void
  /** The exceptions of a component, for `instances` (empty: all), oldest instance first. */
  readonly of: (component: string, instances: ReadonlyArray<string>) => Array<StoredException>
  /** Distinct exceptions held, and how many were dropped by the limits. */
  readonly stats: () => { readonly held: number; readonly dropped: number }
}

/** An empty store with the given limits. */
export const make = (limits: ExceptionLimits): ExceptionStore => {
  /** component → instance → key → exception; every Map in least-recently-seen order. */
  const byComponent = new Map<string, Map<string, Map<string, StoredException>>>()
  /** All exceptions, least recently seen first, for the total limit. */
  const lru = new Map<StoredException, true>()
  let dropped = 0

  const remove = (e: StoredException) => {
    lru.delete(e)
    const instances = byComponent.get(e.component)
    const keyed = instances?.get(e.instance)
    keyed?.delete(exceptionKey(e.stacktrace))
    if (keyed !== undefined && keyed.size === 0) instances?.delete(e.instance)
    if (instances !== undefined && instances.size === 0) byComponent.delete(e.component)
    dropped++
  }

  const addOne = (component: string, instance: string, hostname: string, d: ExceptionDatum) => {
    let instances = byComponent.get(component)
    if (instances === undefined) byComponent.set(component, (instances = new Map()))
    let keyed = instances.get(instance)
    if (keyed === undefined) instances.set(instance, (keyed = new Map()))
    const key = exceptionKey(d.stacktrace)
    const firstMs = parseTime(d.firsttime)
    const lastMs = parseTime(d.lasttime)
    const known = keyed.get(key)
    if (known !== undefined) {
      known.count += d.count
      if (firstMs < known.firstMs) {
        known.firsttime = d.firsttime
        known.firstMs = firstMs
      }
      if (lastMs >= known.lastMs) {
        known.lasttime = d.lasttime
        known.lastMs = lastMs
        known.stacktrace = d.stacktrace
        known.logging = d.logging
      }
      keyed.delete(key)
      keyed.set(key, known)
      lru.delete(known)
      lru.set(known, true)
      return
    }
    const e: StoredException = {
      component, instance, hostname, stacktrace: d.stacktrace, logging: d.logging, count: d.count,
      firsttime: d.firsttime, firstMs, lasttime: d.lasttime, lastMs
    }
    keyed.set(key, e)
    lru.set(e, true)
    if (keyed.size > limits.perInstance) {
      const oldest = keyed.values().next()
      if (oldest.done !== true) remove(oldest.value)
    }
    while (lru.size > limits.total) {
      const oldest = lru.keys().next()
      if (oldest.done === true) break
      remove(oldest.value)
    }
  }

  return {
    add: (component, instance, hostname, data) => {
      for (const d of data) addOne(component, instance, hostname, d)
    },
    of: (component, instances) => {
      const all = byComponent.get(component)
      if (all === undefined) return []
      const chosen = instances.length === 0 ? [...all.values()] : instances.flatMap((i) => {
        const keyed = all.get(i)
        return keyed === undefined ? [] : [keyed]
      })
      return chosen.flatMap((keyed) => [...keyed.values()])
    },
    stats: () => ({ held: lru.size, dropped })
  }
}
