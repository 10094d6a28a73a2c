/**
 * How a Heron metric becomes a Prometheus series (Heron issue #2763: ids go into labels, never into
 * metric names).
 *
 * **Name and labels.** A Heron name is split on `/`. Its first segment, and the segments right after
 * it that also start with `__` (namespaces such as `__server/__time_spent_back_pressure_initiated`),
 * make the metric name; the remaining segments are label values:
 *
 * | Heron name                                  | Prometheus                                                       |
 * |---------------------------------------------|------------------------------------------------------------------|
 * | `__emit-count/default`                      | `heron_emit_count_total{stream="default"}`                       |
 * | `__execute-count/split/default`             | `heron_execute_count_total{source_component="split",stream="default"}` |
 * | `__execute-latency/split/default`           | `heron_execute_latency{source_component="split",stream="default"}` |
 * | `__time_spent_back_pressure_by_compid/x_1`  | `heron_time_spent_back_pressure_by_compid_total{compid="x_1"}`   |
 * | `__server/__time_spent_back_pressure_initiated` | `heron_server_time_spent_back_pressure_initiated_total`      |
 * | `__node-heap-used`                          | `heron_node_heap_used`                                           |
 * | `words/the` (a user metric)                 | `heron_words_total{key="the"}`                                   |
 *
 * For built-in metrics (first segment starting with `__`) one trailing segment is the `stream`,
 * two are `source_component` and `stream`; `__time_spent_back_pressure_by_compid` takes `compid`;
 * anything else (user metrics, longer tails) goes whole into `key`. Each name part loses its
 * leading and trailing `_`, every character outside `[a-zA-Z0-9_]` becomes `_` (runs collapse to
 * one), and the parts are joined with `_` after the configured prefix (`heron`).
 *
 * **Counters and gauges.** Heron reports counts per interval. A metric that Heron's TManager sums
 * (every name except the ones below) is a Prometheus counter: the sink adds each interval's count
 * and exposes the total so far, named `..._total`, so `rate()` and `increase()` work across scrapes
 * and restarts. Latencies (names ending in `-latency` or `_latency`), `__jvm-*`,
 * `__node-heap-used`, `__node-eventloop-delay`, `__roots_pending`, and the user metrics listed in
 * the sink's `gauges` option are gauges holding the last interval's value.
 *
 * **Where from.** Every series also carries `topology`, `cluster`, `component`, `instance` and,
 * when the instance id tells it (`container_<n>_...`, `stmgr-<n>`), `container` (see
 * {@link sourceLabels}).
 */

/** The labels every series of a record carries. */
export const baseLabelNames = ["topology", "cluster", "component", "instance", "container"] as const

/** The labels the tail of a Heron name can become. */
export const tailLabelNames = ["stream", "source_component", "compid", "key"] as const

export type SeriesType = "counter" | "gauge"

export interface SeriesName {
  /** The Prometheus metric name, e.g. `heron_emit_count_total`. */
  readonly name: string
  readonly type: SeriesType
  /** The labels from the name's tail (see {@link tailLabelNames}). */
  readonly labels: Readonly<Record<string, string>>
  /** The Heron family, e.g. `__emit-count`: for HELP texts. */
  readonly family: string
}

const gaugePrefixes = ["__jvm-", "__node-heap-used", "__node-eventloop-delay", "__roots_pending"]

/** Characters outside `[a-zA-Z0-9_]` to `_`, runs of `_` to one, no `_` at either end. */
export const sanitize = (part: string): string =>
  part.replace(/[^a-zA-Z0-9_]/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "")

const tailLabels = (builtin: boolean, family: string, tail: ReadonlyArray<string>): Record<string, string> => {
  if (tail.length === 0) return {}
  if (builtin && family === "__time_spent_back_pressure_by_compid") return { compid: tail.join("/") }
  if (builtin && tail.length === 1) return { stream: tail[0]! }
  if (builtin && tail.length === 2) return { source_component: tail[0]!, stream: tail[1]! }
  return { key: tail.join("/") }
}

/**
 * The series of Heron metric `heronName` under `prefix`; None when nothing of the name is left
 * after sanitising. `gauges` are Heron name prefixes to expose as gauges (user gauges).
 */
export const seriesName = (
  heronName: string,
  prefix: string,
  gauges: ReadonlyArray<string>
): SeriesName | undefined => {
  const segments = heronName.split("/")
  let end = 1
  while (end < segments.length && segments[end]!.startsWith("__")) end++
  const familyParts = segments.slice(0, end)
  const family = familyParts.join("/")
  const base = familyParts.map(sanitize).filter((p) => p.length > 0).join("_")
  if (base.length === 0) return undefined
  const builtin = family.startsWith("__")
  const isGauge = /[-_]latency$/.test(family) ||
    gaugePrefixes.some((p) => family.startsWith(p)) ||
    gauges.some((p) => heronName.startsWith(p))
  const type: SeriesType = isGauge ? "gauge" : "counter"
  const name = `${sanitize(prefix)}_${base}${type === "counter" ? "_total" : ""}`
  return { name, type, labels: tailLabels(builtin, family, segments.slice(end)), family }
}

/**
 * `component`, `instance` and (when the instance id carries it) `container` from a record source
 * `host:port/<component>/<instanceId>`; a source of another shape gives `component` only if it has
 * one `/`-separated part after the address, and nothing otherwise.
 */
export const sourceLabels = (source: string): Record<string, string> => {
  const [, component, ...rest] = source.split("/")
  if (component === undefined || component.length === 0) return {}
  const instance = rest.join("/")
  if (instance.length === 0) return { component }
  const container = /^container_(\d+)_/.exec(instance)?.[1] ?? /^stmgr-(\d+)$/.exec(instance)?.[1]
  return container === undefined ? { component, instance } : { component, instance, container }
}
