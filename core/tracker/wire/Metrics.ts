/**
 * The metrics and exceptions answers on the wire, in the shapes of Heron's legacy Tracker. The
 * metrics cache answers in these shapes already (see `engine/metricscache/Protocol.ts`), so the
 * Tracker passes them through:
 *
 * - `/topologies/metrics`: `{metrics: {name: {instance: "12.000000"}}, interval, component}`;
 * - `/topologies/metricstimeline`: `{timeline: {name: {instance: {minute: value}}}, starttime, endtime, component}`;
 * - `/topologies/metricsquery`: `{timeline: [{instance?, data: {minute: number}}], starttime, endtime}`;
 * - `/topologies/exceptions`: `[{hostname, instance_id, stack_trace, lasttime, firsttime, count, logging}]`;
 * - `/topologies/exceptionsummary`: `[{class_name, lasttime, firsttime, count}]`.
 *
 * Values of `metrics` and `metricstimeline` are strings and `count` is a string, as in Heron
 * (its TManager formats doubles with six decimals); `metricsquery` data are numbers; minutes are
 * epoch seconds (JSON keys).
 */
import {
  ComponentMetrics,
  ComponentTimeline,
  ExceptionsAnswer,
  ExceptionSummaryAnswer,
  QueryAnswer
} from "../../engine/metricscache/Protocol.js"

export const MetricsWire = ComponentMetrics
export type MetricsWire = typeof MetricsWire.Type

export const MetricsTimelineWire = ComponentTimeline
export type MetricsTimelineWire = typeof MetricsTimelineWire.Type

export const MetricsQueryWire = QueryAnswer
export type MetricsQueryWire = typeof MetricsQueryWire.Type

export const ExceptionsWire = ExceptionsAnswer
export type ExceptionsWire = typeof ExceptionsWire.Type

export const ExceptionSummaryWire = ExceptionSummaryAnswer
export type ExceptionSummaryWire = typeof ExceptionSummaryWire.Type
