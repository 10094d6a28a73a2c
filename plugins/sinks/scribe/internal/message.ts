/**
 * A metrics record as the JSON message Heron's scribe sink logs: one message per record,
 *
 * ```json
 * {"service":"heron/word-count","source":"/split/container_1_split_3","timestamp":1700000000,
 *  "metrics":{"__emit-count/default":"120","__execute-count/word/default":"118"}}
 * ```
 *
 * `service` is `<serviceNamespace>/<topology>`; `source` drops the record's `host:port` and keeps
 * `/<component>/<instanceId>`; `timestamp` is in seconds; metric values stay the strings the
 * record carries. Exceptions are not sent (neither does Heron's sink).
 */
import type { MetricsRecord } from "../../../../core/MetricsSink.js"

/** `/<component>/<instanceId>` from a record source `host:port/<component>/<instanceId>`; a source
 * of another shape is kept whole. */
export const sourceOf = (source: string): string => {
  const slash = source.indexOf("/")
  return slash < 0 ? source : source.slice(slash)
}

/** The JSON message for `record`, logged by a sink of `service`. */
export const toMessage = (service: string, record: MetricsRecord): string => {
  // fromEntries makes every name an own key, even `__proto__`.
  const metrics = Object.fromEntries(record.metrics.map((m) => [m.name, m.value]))
  return JSON.stringify({
    service,
    source: sourceOf(record.source),
    timestamp: Math.floor(record.timestamp / 1000),
    metrics
  })
}
