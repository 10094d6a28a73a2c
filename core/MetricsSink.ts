/**
 * The metrics sink contract, after Heron's `IMetricsSink`. A metrics manager hands every record it
 * collects to each sink of the cluster; sinks flush on their own `flushFrequencyMs` and when asked.
 */
import { Context, Schema, type Effect } from "effect"

export class MetricDatum extends Schema.Class<MetricDatum>("MetricDatum")({
  name: Schema.String,
  value: Schema.String
}) {}

export class ExceptionDatum extends Schema.Class<ExceptionDatum>("ExceptionDatum")({
  stacktrace: Schema.String,
  lasttime: Schema.String,
  firsttime: Schema.String,
  count: Schema.Int,
  logging: Schema.String
}) {}

/** One batch of metrics from one source, as Heron's `MetricsRecord`. */
export class MetricsRecord extends Schema.Class<MetricsRecord>("MetricsRecord")({
  /** Epoch milliseconds. */
  timestamp: Schema.Number,
  /** `host:port/component/instanceId` */
  source: Schema.String,
  context: Schema.String,
  metrics: Schema.Array(MetricDatum),
  exceptions: Schema.Array(ExceptionDatum)
}) {}

/** Where a sink runs: given once, at `init`. */
export class SinkContext extends Schema.Class<SinkContext>("SinkContext")({
  cluster: Schema.String,
  topologyName: Schema.String,
  topologyId: Schema.String,
  /** The metrics manager this sink belongs to, e.g. `metricsmgr-1`. */
  metricsManagerId: Schema.String
}) {}

export class SinkError extends Schema.TaggedError<SinkError>()("SinkError", {
  sink: Schema.String,
  op: Schema.String,
  message: Schema.String
}) {}

export interface MetricsSinkService {
  /** Called once before any record, with where the sink runs. */
  readonly init: (context: SinkContext) => Effect.Effect<void, SinkError>
  /** Takes one record. May buffer; must not block on the sink's destination for long. */
  readonly processRecord: (record: MetricsRecord) => Effect.Effect<void, SinkError>
  /** Writes out what is buffered. */
  readonly flush: Effect.Effect<void, SinkError>
  /** Flushes and releases the destination. Also run when the sink's scope closes. */
  readonly close: Effect.Effect<void>
}

export class MetricsSink extends Context.Tag("heron/MetricsSink")<MetricsSink, MetricsSinkService>() {}
