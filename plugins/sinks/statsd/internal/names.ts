/**
 * StatsD names and tags of Heron metrics.
 *
 * Without tags a metric is `<prefix>.<topology>.<component>.<instance>.<metric>`; with tags it is
 * `<prefix>.<metric>`, tagged `topology`, `component` and `instance` (ids inside names make one
 * series per instance, which tag-aware backends should not have to undo). Component and
 * instance come from the record's source, `host:port/component/instanceId`.
 *
 * StatsD's line is `<name>:<value>|<type>[|#tags]`: `:`, `|`, `@`, `#` and `,` would break it,
 * and StatsD's own key sanitiser would turn `/` into `-` and silently drop the rest. So every
 * node of a name keeps only letters, digits, `_` and `-` (anything else becomes `_`), `/` and `.`
 * in a metric name separate nodes (`__emit-count/default` is `__emit-count.default`), and tag
 * values keep letters, digits, `_`, `-` and `.`.
 */

/** One node of a name: characters other than letters, digits, `_` and `-` become `_`. */
export const sanitizeNode = (s: string): string => (s === "" ? "_" : s.replace(/[^A-Za-z0-9_-]/g, "_"))

/** A dotted or slashed name as nodes; empty nodes are left out. */
export const sanitizeNodes = (name: string): ReadonlyArray<string> =>
  name.split(/[/.]/).filter((n) => n !== "").map(sanitizeNode)

/** A tag value: characters other than letters, digits, `_`, `-` and `.` become `_`. */
export const sanitizeTagValue = (s: string): string => (s === "" ? "_" : s.replace(/[^A-Za-z0-9_.-]/g, "_"))

/** The component and instance of a record's source; an odd source is kept whole as component. */
export const parseSource = (source: string): { readonly component: string; readonly instance: string } => {
  const parts = source.split("/")
  return parts.length >= 3
    ? { component: parts[1] ?? "", instance: parts.slice(2).join("/") }
    : { component: source, instance: "" }
}

/** Where a metric goes: its StatsD name, and its tags when tags are on. */
export interface Target {
  readonly name: string
  readonly tags: Readonly<Record<string, string>> | undefined
}

/** The name (and tags) of `metric` of a record from `source` in `topology`. */
export const target = (prefix: string, topology: string, source: string, metric: string, tagged: boolean): Target => {
  const { component, instance } = parseSource(source)
  if (tagged) {
    return {
      name: [...sanitizeNodes(prefix), ...sanitizeNodes(metric)].join("."),
      tags: { topology: sanitizeTagValue(topology), component: sanitizeTagValue(component), instance: sanitizeTagValue(instance) }
    }
  }
  return {
    name: [...sanitizeNodes(prefix), sanitizeNode(topology), sanitizeNode(component), sanitizeNode(instance), ...sanitizeNodes(metric)].join("."),
    tags: undefined
  }
}

/** Heron's counters: each value is what happened in the last interval (the instance resets it). */
export const heronCounters: ReadonlyArray<string> = [
  "__emit-count", "__execute-count", "__ack-count", "__fail-count", "__timeout-count",
  "__tuples_to_workers", "__bytes_to_workers", "__tuples_to_stmgrs", "__bytes_to_stmgrs",
  "__dropped_tuples", "__roots_acked", "__roots_failed", "__roots_timed_out"
]

/** Whether `metric` is one of `counters`: the name itself or the name followed by `/...`. */
export const isCounter = (counters: ReadonlyArray<string>, metric: string): boolean =>
  counters.some((c) => metric === c || metric.startsWith(`${c}/`))

/** A metric value as a number, or undefined when it is not a finite number. */
export const numericValue = (value: string): number | undefined => {
  if (value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}
