/**
 * How the metrics cache folds the values of one metric that fall into one minute, after the types
 * Heron's TManager gives metric names (`tmanager-metrics-type` in Heron's `metrics_sinks.yaml`):
 * counters add up (`SUM`), latencies average (`AVG`), gauges keep their last value (`LAST`).
 */

/** `SUM`: counts per interval; `AVG`: means (latencies); `LAST`: gauges. */
export type Aggregation = "SUM" | "AVG" | "LAST"

/** Name prefixes and their aggregation; the first match wins. */
const byPrefix: ReadonlyArray<readonly [prefix: string, aggregation: Aggregation]> = [
  ["__emit-count", "SUM"],
  ["__execute-count", "SUM"],
  ["__ack-count", "SUM"],
  ["__fail-count", "SUM"],
  ["__timeout-count", "SUM"],
  ["__complete-latency", "AVG"],
  ["__execute-latency", "AVG"],
  ["__process-latency", "AVG"],
  ["__fail-latency", "AVG"],
  ["__time_spent_back_pressure_by_compid", "SUM"],
  ["__server/__time_spent_back_pressure_initiated", "SUM"],
  ["__jvm-", "LAST"],
  ["__node-heap-used", "LAST"],
  ["__node-gc-time", "SUM"],
  ["__node-eventloop-delay", "AVG"],
  ["__roots_pending", "LAST"]
]

/**
 * The aggregation of a metric. Names Heron does not type (user metrics, most stream manager
 * counters, `__sink-*`) are counts per interval, hence `SUM`.
 */
export const aggregationOf = (name: string): Aggregation => {
  for (const [prefix, aggregation] of byPrefix) if (name.startsWith(prefix)) return aggregation
  return "SUM"
}
