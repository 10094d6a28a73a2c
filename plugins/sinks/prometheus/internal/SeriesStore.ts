/**
 * The series a Prometheus sink exposes. Values live in plain maps (an update is a map lookup and
 * an addition: records arrive far more often than scrapes); they are copied into a private
 * prom-client `Registry` (never the global one, so two sinks in one process, or anything else using
 * prom-client, stay apart) when a scrape renders them. Remembers when each series was last updated
 * so that stale ones can be removed, and caps how many there are.
 *
 * The maps and prom-client's metrics are mutable; this store is their only writer, and each method
 * runs synchronously inside one `Effect.sync`, so they never disagree.
 */
import { Effect } from "effect"
import { Counter, Gauge, type Registry } from "prom-client"
import { baseLabelNames, tailLabelNames, type SeriesName } from "./naming.js"

/** Why an update was refused (the reason label of the sink's error counter). */
export type Refusal = "type_conflict" | "invalid_name" | "negative_counter" | "series_limit"

/** Labels with a key that identifies them (labels in a fixed order). */
export interface KeyedLabels {
  readonly labels: Readonly<Record<string, string>>
  readonly key: string
}

/** One metric of a record: its series name (with the key of its tail labels) and value. */
export interface Update {
  readonly series: SeriesName
  readonly tailKey: string
  readonly value: number
}

interface Series {
  readonly labels: Readonly<Record<string, string>>
  value: number
  /** Epoch ms of the last update. */
  at: number
}

interface Family {
  readonly metric: Counter | Gauge
  readonly type: SeriesName["type"]
  readonly series: Map<string, Series>
}

export interface SeriesStore {
  /** Adds each interval count to its counter, or sets each gauge; new series count toward the cap.
   * Returns why the refused ones were refused, one entry each. */
  readonly update: (source: KeyedLabels, updates: ReadonlyArray<Update>, now: number) => Effect.Effect<ReadonlyArray<Refusal>>
  /** Removes the series not updated since `before`; returns how many. */
  readonly expire: (before: number) => Effect.Effect<number>
  /** How many series there are. */
  readonly size: Effect.Effect<number>
  /** The text exposition (format 0.0.4) of the registry. */
  readonly render: Effect.Effect<string, Error>
  /** The content type of `render`'s text. */
  readonly contentType: string
}

const labelNames = [...baseLabelNames, ...tailLabelNames]

/** A key for `labels`: the same for the same labels, whatever their order. */
export const keyOf = (labels: Readonly<Record<string, string>>): string =>
  JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]))

/** A store over `registry`, holding at most `maxSeries` series. A name already taken in the
 * registry by a metric this store did not create (the sink's own) is refused as a type conflict. */
export const make = (registry: Registry, maxSeries: number): SeriesStore => {
  const families = new Map<string, Family>()
  let count = 0

  const familyOf = (s: SeriesName): Family | Refusal => {
    const known = families.get(s.name)
    if (known !== undefined) return known.type === s.type ? known : "type_conflict"
    if (registry.getSingleMetric(s.name) !== undefined) return "type_conflict"
    const options = {
      name: s.name,
      help: s.type === "counter"
        ? `Heron metric ${s.family}: the sum of its per-interval counts since the sink started`
        : `Heron metric ${s.family}: its value in the last interval`,
      labelNames,
      registers: [registry]
    }
    try {
      const family: Family = { metric: s.type === "counter" ? new Counter(options) : new Gauge(options), type: s.type, series: new Map() }
      families.set(s.name, family)
      return family
    } catch {
      return "invalid_name"
    }
  }

  const updateOne = (source: KeyedLabels, u: Update, now: number): Refusal | undefined => {
    if (u.series.type === "counter" && u.value < 0) return "negative_counter"
    const family = familyOf(u.series)
    if (typeof family === "string") return family
    const key = source.key + u.tailKey
    const seen = family.series.get(key)
    if (seen !== undefined) {
      seen.value = u.series.type === "counter" ? seen.value + u.value : u.value
      seen.at = now
      return undefined
    }
    if (count >= maxSeries) return "series_limit"
    family.series.set(key, { labels: { ...source.labels, ...u.series.labels }, value: u.value, at: now })
    count++
    return undefined
  }

  const update: SeriesStore["update"] = (source, updates, now) =>
    Effect.sync(() => {
      const refused: Array<Refusal> = []
      for (const u of updates) {
        const r = updateOne(source, u, now)
        if (r !== undefined) refused.push(r)
      }
      return refused
    })

  const expire = (before: number) =>
    Effect.sync(() => {
      let removed = 0
      for (const [name, family] of families) {
        for (const [key, s] of family.series) {
          if (s.at >= before) continue
          family.series.delete(key)
          removed++
        }
        if (family.series.size === 0) {
          registry.removeSingleMetric(name)
          families.delete(name)
        }
      }
      count -= removed
      return removed
    })

  const toError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)))

  // Copies the values into prom-client's metrics, then renders the whole registry.
  const render = Effect.try({
    try: () => {
      for (const family of families.values()) {
        family.metric.reset()
        for (const s of family.series.values()) {
          if (family.metric instanceof Counter) family.metric.inc(s.labels, s.value)
          else family.metric.set(s.labels, s.value)
        }
      }
    },
    catch: toError
  }).pipe(Effect.zipRight(Effect.tryPromise({ try: () => registry.metrics(), catch: toError })))

  return { update, expire, size: Effect.sync(() => count), render, contentType: registry.contentType }
}
