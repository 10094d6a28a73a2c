/**
 * How a `MetricsRecord` becomes Graphite plaintext lines (`<path> <value> <epoch-secs>\n`).
 *
 * The path is `<prefix>.<topology>.<component>.<instance>.<metric>`, taken from the record's source
 * `host:port/component/instanceId`. Graphite separates nodes with `.` and the line's fields with
 * spaces, and graphite-web's query parser chokes on `(`, `,`, `*`, `{` and the like, so every node
 * keeps only letters, digits, `_` and `-`; anything else becomes `_`. Inside the metric name (and
 * the prefix) `/` and `.` separate nodes: `__emit-count/default` is `__emit-count.default`.
 */
import type { MetricsRecord } from "../../../../core/MetricsSink.js"

/** One Graphite node: characters other than letters, digits, `_` and `-` become `_`. */
export const sanitizeNode = (s: string): string => (s === "" ? "_" : s.replace(/[^A-Za-z0-9_-]/g, "_"))

/** A dotted or slashed name as Graphite nodes; empty nodes (`a//b`) are left out. */
export const sanitizeNodes = (name: string): ReadonlyArray<string> =>
  name.split(/[/.]/).filter((n) => n !== "").map(sanitizeNode)

/** The component and instance of a record's source (`host:port/component/instanceId`). A source
 * of another shape is kept whole as the component, with instance `_`. */
export const parseSource = (source: string): { readonly component: string; readonly instance: string } => {
  const parts = source.split("/")
  return parts.length >= 3
    ? { component: parts[1] ?? "", instance: parts.slice(2).join("/") }
    : { component: source, instance: "" }
}

/** The Graphite path of one metric of a record. */
export const metricPath = (prefix: string, topology: string, source: string, metric: string): string => {
  const { component, instance } = parseSource(source)
  return [...sanitizeNodes(prefix), sanitizeNode(topology), sanitizeNode(component), sanitizeNode(instance), ...sanitizeNodes(metric)]
    .join(".")
}

/** A metric value as Graphite takes it, or undefined when it is not a finite number. */
export const numericValue = (value: string): string | undefined => {
  if (value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) ? String(n) : undefined
}

/** The plaintext lines of a record (each ending in `\n`), and how many of its values were left
 * out because they are not finite numbers. */
export const toLines = (
  prefix: string,
  topology: string,
  record: MetricsRecord
): { readonly lines: ReadonlyArray<string>; readonly skipped: number } => {
  const seconds = Math.floor(record.timestamp / 1000)
  const lines: Array<string> = []
  let skipped = 0
  for (const m of record.metrics) {
    const value = numericValue(m.value)
    if (value === undefined) skipped++
    else lines.push(`${metricPath(prefix, topology, record.source, m.name)} ${value} ${seconds}\n`)
  }
  return { lines, skipped }
}
