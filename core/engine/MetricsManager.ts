/**
 * The metrics manager of a container, after Heron's: instances and the stream manager report
 * their metrics every interval; each report becomes one `MetricsRecord` (source
 * `host:port/component/instanceId`) handed to every sink of the cluster, with the exceptions the
 * instance reported since. Sinks are initialised once with their `SinkContext`; a sink that fails
 * is logged and skipped, never stopping the others. Reports come from worker callbacks, so they
 * are queued and processed by one fiber.
 */
import { Effect, Queue, type Scope } from "effect"
import { ExceptionDatum, MetricDatum, MetricsRecord, type MetricsSinkService, SinkContext } from "../MetricsSink.js"
import type { ExceptionReport } from "./internal/WorkerProtocol.js"

/** Takes reports from worker callbacks (plain functions; queued, never blocking). */
export interface MetricsManager {
  /** One instance's metrics for the last interval. */
  readonly instance: (component: string, instanceId: string, metrics: ReadonlyArray<readonly [string, number]>) => void
  /** An exception of an instance, attached to its next record. */
  readonly exception: (instanceId: string, report: ExceptionReport) => void
  /** The stream manager's metrics for the last interval. */
  readonly stmgr: (metrics: ReadonlyArray<readonly [string, number]>) => void
}

/** The sinks and where this metrics manager runs. */
export interface MetricsManagerOptions {
  readonly sinks: ReadonlyArray<{ readonly name: string; readonly sink: MetricsSinkService }>
  readonly cluster: string
  readonly topologyName: string
  readonly topologyId: string
  readonly container: number
  /** `host:port` of the stream manager, the prefix of every record's source. */
  readonly address: string
}

interface Accumulated {
  readonly stack: string
  readonly first: number
  last: number
  count: number
}

/** Starts the metrics manager; it lives as long as the scope. */
export const make = (o: MetricsManagerOptions): Effect.Effect<MetricsManager, never, Scope.Scope> =>
  Effect.gen(function* () {
    const context = new SinkContext({
      cluster: o.cluster,
      topologyName: o.topologyName,
      topologyId: o.topologyId,
      metricsManagerId: `metricsmgr-${o.container}`
    })
    const sinks = yield* Effect.filter(o.sinks, (s) =>
      s.sink.init(context).pipe(
        Effect.as(true),
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`metrics sink ${s.name} failed to start, left out: ${e.message}`), false))
      ))
    const records = yield* Queue.sliding<MetricsRecord>(10_000)
    const exceptions = new Map<string, Map<string, Accumulated>>()

    yield* Queue.take(records).pipe(
      Effect.flatMap((record) =>
        Effect.forEach(sinks, (s) =>
          s.sink.processRecord(record).pipe(Effect.catchAll((e) => Effect.logWarning(`metrics sink ${s.name}: ${e.message}`))), { discard: true })),
      Effect.forever,
      Effect.forkScoped
    )

    const takeExceptions = (instanceId: string): Array<ExceptionDatum> => {
      const acc = exceptions.get(instanceId)
      if (acc === undefined) return []
      exceptions.delete(instanceId)
      return [...acc].map(([message, a]) => new ExceptionDatum({
        stacktrace: a.stack,
        firsttime: new Date(a.first).toISOString(),
        lasttime: new Date(a.last).toISOString(),
        count: a.count,
        logging: message
      }))
    }

    const record = (source: string, metrics: ReadonlyArray<readonly [string, number]>, excs: Array<ExceptionDatum>) =>
      Queue.unsafeOffer(records, new MetricsRecord({
        timestamp: Date.now(),
        source,
        context: "default",
        metrics: metrics.map(([name, value]) => new MetricDatum({ name, value: String(value) })),
        exceptions: excs
      }))

    return {
      instance: (component, instanceId, metrics) => {
        record(`${o.address}/${component}/${instanceId}`, metrics, takeExceptions(instanceId))
      },
      exception: (instanceId, report) => {
        let acc = exceptions.get(instanceId)
        if (acc === undefined) exceptions.set(instanceId, (acc = new Map()))
        const now = Date.now()
        const a = acc.get(report.message)
        if (a === undefined) acc.set(report.message, { stack: report.stack, first: now, last: now, count: 1 })
        else {
          a.last = now
          a.count++
        }
      },
      stmgr: (metrics) => {
        record(`${o.address}/__stmgr__/stmgr-${o.container}`, metrics, [])
      }
    }
  })
