/**
 * The metrics cache's HTTP protocol (JSON over POST), shared by the cache, the metrics managers
 * that feed it and the Tracker that queries it. Queries take batches (several components, any
 * number of metrics and instances in one request) and answer in the shapes of Heron's Tracker
 * (`/topologies/metrics`, `/metricstimeline`, `/metricsquery`, `/exceptions`,
 * `/exceptionsummary`), so the Tracker passes them through. Metric values are strings, as in
 * Heron's TManager answers (`"12.000000"`); query results are numbers, as Heron's query engine
 * gives them.
 */
import { Schema } from "effect"
import { MetricsRecord } from "../../MetricsSink.js"

/** Paths of the cache's HTTP server. */
export const paths = {
  /** A metrics manager's batch of records: {@link PublishBatch} → 204. */
  publish: "/publish",
  /** {@link MetricsRequest} → {@link MetricsAnswer}. */
  metrics: "/metrics",
  /** {@link TimelineRequest} → {@link TimelineAnswer}. */
  timeline: "/timeline",
  /** {@link QueryRequest} → {@link QueryAnswer}, or 400 {@link QueryFailure}. */
  query: "/query",
  /** {@link ExceptionsRequest} → {@link ExceptionsAnswer}. */
  exceptions: "/exceptions",
  /** {@link ExceptionsRequest} → {@link ExceptionSummaryAnswer}. */
  exceptionSummary: "/exceptionsummary",
  /** GET → {@link CacheStats}. */
  stats: "/stats",
  /** GET `?after=<n>` → {@link VersionAnswer} once the store's version is past `n`, or after
   * {@link VERSION_WAIT_MS} with the version as it is (a long poll). */
  version: "/version"
} as const

/** The version of what the cache holds: it changes with every batch received and every purge. */
export const VersionAnswer = Schema.Struct({ version: Schema.Number })
export type VersionAnswer = typeof VersionAnswer.Type

/** How long a `/version` request waits for a change before answering with the same version. */
export const VERSION_WAIT_MS = 20_000

/** Records of one container, sent once per flush. */
export const PublishBatch = Schema.Struct({
  topologyId: Schema.String,
  records: Schema.Array(MetricsRecord)
})
export type PublishBatch = typeof PublishBatch.Type

/** Some metrics of some instances of one component. */
export const Selection = Schema.Struct({
  component: Schema.String,
  /** Full metric names, e.g. `__emit-count/default`. */
  metrics: Schema.Array(Schema.String),
  /** Instance ids; empty: every instance of the component. */
  instances: Schema.Array(Schema.String)
})
export type Selection = typeof Selection.Type

export const MetricsRequest = Schema.Struct({
  selections: Schema.Array(Selection),
  /** Seconds before now; 0 or less: everything since the cache started (Heron's -1). */
  interval: Schema.Number,
  /** Answer each series' latest reported value instead of the aggregate over the interval. */
  latest: Schema.optional(Schema.Boolean)
})
export type MetricsRequest = typeof MetricsRequest.Type

/** `/topologies/metrics`: `{metrics: {name: {instance: value}}, interval, component}`. */
export const ComponentMetrics = Schema.Struct({
  metrics: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.String }) }),
  /** The seconds covered: end - start, start being 0 for all time (as Heron's TManager). */
  interval: Schema.Number,
  component: Schema.String
})
export type ComponentMetrics = typeof ComponentMetrics.Type

/** One answer per selection, in order. */
export const MetricsAnswer = Schema.Struct({ results: Schema.Array(ComponentMetrics) })
export type MetricsAnswer = typeof MetricsAnswer.Type

export const TimelineRequest = Schema.Struct({
  selections: Schema.Array(Selection),
  /** Epoch seconds. */
  starttime: Schema.Number,
  endtime: Schema.Number
})
export type TimelineRequest = typeof TimelineRequest.Type

/** `/topologies/metricstimeline`: `{timeline: {name: {instance: {minute: value}}}, starttime, endtime, component}`. */
export const ComponentTimeline = Schema.Struct({
  timeline: Schema.Record({
    key: Schema.String,
    value: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.String }) })
  }),
  starttime: Schema.Number,
  endtime: Schema.Number,
  component: Schema.String
})
export type ComponentTimeline = typeof ComponentTimeline.Type

export const TimelineAnswer = Schema.Struct({ results: Schema.Array(ComponentTimeline) })
export type TimelineAnswer = typeof TimelineAnswer.Type

export const QueryRequest = Schema.Struct({
  query: Schema.String,
  starttime: Schema.Number,
  endtime: Schema.Number
})
export type QueryRequest = typeof QueryRequest.Type

/** One series of a query's result; `instance` is absent for a univariate result (e.g. a SUM). */
export const QuerySeries = Schema.Struct({
  instance: Schema.optional(Schema.String),
  data: Schema.Record({ key: Schema.String, value: Schema.Number })
})
export type QuerySeries = typeof QuerySeries.Type

/** `/topologies/metricsquery`: `{timeline: [{instance, data: {minute: value}}], starttime, endtime}`. */
export const QueryAnswer = Schema.Struct({
  timeline: Schema.Array(QuerySeries),
  starttime: Schema.Number,
  endtime: Schema.Number
})
export type QueryAnswer = typeof QueryAnswer.Type

/** A query the cache refused: what is wrong, and where (0-based offset into the query). */
export const QueryFailure = Schema.Struct({ message: Schema.String, position: Schema.Number })
export type QueryFailure = typeof QueryFailure.Type

export const ExceptionsRequest = Schema.Struct({
  component: Schema.String,
  /** Empty: every instance. */
  instances: Schema.Array(Schema.String)
})
export type ExceptionsRequest = typeof ExceptionsRequest.Type

/** One entry of `/topologies/exceptions` (Heron's keys; `count` is a string there). */
export const ExceptionLog = Schema.Struct({
  hostname: Schema.String,
  instance_id: Schema.String,
  stack_trace: Schema.String,
  lasttime: Schema.String,
  firsttime: Schema.String,
  count: Schema.String,
  logging: Schema.String
})
export type ExceptionLog = typeof ExceptionLog.Type

export const ExceptionsAnswer = Schema.Array(ExceptionLog)

/** One entry of `/topologies/exceptionsummary`: exceptions grouped by class across instances. */
export const ExceptionSummary = Schema.Struct({
  class_name: Schema.String,
  lasttime: Schema.String,
  firsttime: Schema.String,
  count: Schema.String
})
export type ExceptionSummary = typeof ExceptionSummary.Type

export const ExceptionSummaryAnswer = Schema.Array(ExceptionSummary)

/** What the cache holds and what its limits made it drop (cumulative counts). */
export const CacheStats = Schema.Struct({
  topologyName: Schema.String,
  series: Schema.Number,
  bytes: Schema.Number,
  maxSeries: Schema.Number,
  maxBytes: Schema.Number,
  droppedSeries: Schema.Number,
  /** Values refused: not a finite number, or older than the window. */
  rejectedValues: Schema.Number,
  records: Schema.Number,
  exceptions: Schema.Number,
  droppedExceptions: Schema.Number
})
export type CacheStats = typeof CacheStats.Type

/** A refused request: what is wrong with it. */
export const RequestFailure = Schema.Struct({ message: Schema.String })
