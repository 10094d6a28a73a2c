/**
 * The contract of the Tracker's metrics endpoints, after Heron's legacy tracker: a component's
 * metrics (`/topologies/metrics`, `/metricstimeline`), the query language (`/metricsquery`) and
 * the exceptions of its instances (`/exceptions`, `/exceptionsummary`). Answers come from the
 * topology's metrics cache (found at `metricscaches/<topology>`), in Heron's envelope.
 *
 * Every parameter is declared an optional string (or repeated strings) so that a missing one is
 * answered with the envelope rather than HttpApi's own decode error.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { FailureEnvelope, success } from "./Envelope.js"
import { ExceptionSummaryWire, ExceptionsWire, MetricsQueryWire, MetricsTimelineWire, MetricsWire } from "./wire/Metrics.js"

const Param = Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)))

/**
 * `cluster`, `environ`, `role` (optional), `topology`, and as each endpoint needs: `component`,
 * `metricname` (repeated), `instance` (repeated; none = every instance), `interval` (seconds
 * before now, -1 = all), `starttime` / `endtime` (epoch seconds), `query`.
 */
export const MetricsParams = Schema.Struct({
  cluster: Param,
  environ: Param,
  role: Param,
  topology: Param,
  component: Param,
  metricname: Param,
  instance: Param,
  interval: Param,
  starttime: Param,
  endtime: Param,
  query: Param
})
export type MetricsParams = typeof MetricsParams.Type

/** Failures: 400 bad or missing parameter (or a query that does not parse, with its position),
 * 404 unknown topology or component, or no metrics cache running, 500 state manager or cache. */
const endpoint = <const Name extends string, A, I>(name: Name, path: `/${string}`, result: Schema.Schema<A, I>) =>
  HttpApiEndpoint.get(name, path)
    .setUrlParams(MetricsParams)
    .addSuccess(success(result))
    .addError(FailureEnvelope, { status: 400 })
    .addError(FailureEnvelope, { status: 404 })
    .addError(FailureEnvelope, { status: 500 })

/** `GET /topologies/{metrics,metricstimeline,metricsquery,exceptions,exceptionsummary}`. */
export class MetricsApi extends HttpApiGroup.make("metrics")
  .add(endpoint("metrics", "/topologies/metrics", MetricsWire))
  .add(endpoint("metricstimeline", "/topologies/metricstimeline", MetricsTimelineWire))
  .add(endpoint("metricsquery", "/topologies/metricsquery", MetricsQueryWire))
  .add(endpoint("exceptions", "/topologies/exceptions", ExceptionsWire))
  .add(endpoint("exceptionsummary", "/topologies/exceptionsummary", ExceptionSummaryWire))
{}
