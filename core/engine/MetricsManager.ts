/**
 * The metrics manager of a container, after Heron's: instances and the stream manager report
 * their metrics every interval; each report becomes one `MetricsRecord` (source
 * `host:port/component/instanceId`) carrying the exceptions the instance reported since, and goes
 * to the topology's metrics cache and to every sink of the cluster.
 *
 * Each destination is isolated: it has its own bounded queue and its own fiber, so a sink that
 * fails, is slow or blocks forever never slows the others or the topology. Reports come from
 * worker callbacks and are only offered to the queues (never waiting); a full queue drops the
 * record. Per destination, errors (failed, timed-out or dying calls) and drops (records that did
 * not reach it: queue full, or their call failed) are counted and reported with the stream
 * manager's metrics of the next interval, as `__sink-errors/<sink>` and `__sink-dropped/<sink>`
 * (the cache's lane is `metricscache`).
 */
import { Cause, Duration, Effect, Exit, Fiber, FiberSet, Queue, type Scope } from "effect"
import { ExceptionDatum, MetricDatum, MetricsRecord, type MetricsSinkService, SinkContext, SinkError } from "../MetricsSink.js"
import type { StateManagerService } from "../StateManager.js"
import { configKeys } from "../topology/Api.js"
import { exceptionKey } from "./metricscache/ExceptionStore.js"
import * as Forwarder from "./metricscache/Forwarder.js"
import type { ExceptionReport } from "./internal/WorkerProtocol.js"

/** Takes reports from worker callbacks (plain functions; queued, never blocking). */
export interface MetricsManager {
  /** One instance's metrics for the last interval. */
  readonly instance: (component: string, instanceId: string, metrics: ReadonlyArray<readonly [string, number]>) => void
  /** An exception of an instance: sent with its next record, or at the next stream manager report.
   * Up to 100 distinct exceptions per instance and interval are kept; the others are counted in
   * the stream manager's `__exceptions-dropped`. */
  readonly exception: (component: string, instanceId: string, report: ExceptionReport) => void
  /** The stream manager's metrics for the last interval (the sinks' counters are added). */
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
  /** Where the metrics cache is found (`metricscaches/<topology>`); absent: sinks only. */
  readonly stateManager?: StateManagerService
  /** Records each destination may have waiting; past it, records are dropped. Default 4096. */
  readonly queueCapacity?: number
  /** Longest one sink call (or one batch to the cache) may take before it counts as an error. Default 10 s. */
  readonly sinkTimeout?: Duration.DurationInput
  /** How long the cache's lane waits for more records before sending a batch. Default 250 ms. */
  readonly cacheLinger?: Duration.DurationInput
}

const BUILTIN_INTERVAL = "60"

/** The interval a container uses: the topology's `topology.metrics.interval.secs` when the
 * topology set one other than the built-in default, else the cluster's `metrics.intervalSecs`,
 * else 60. (The stored config always holds the key, the built-in default included: a topology
 * that asks for exactly 60 on a cluster with another interval gets the cluster's.) */
export const effectiveIntervalSecs = (config: Readonly<Record<string, string>>, clusterSecs: number | undefined): number => {
  const raw = config[configKeys.metricsIntervalSecs]
  const own = raw === undefined ? Number.NaN : Number(raw)
  const ownValid = Number.isFinite(own) && own > 0
  if (clusterSecs !== undefined && (!ownValid || raw === BUILTIN_INTERVAL)) return clusterSecs
  return ownValid ? own : 60
}

/** One destination: its queue and its counters (mutated only by its fiber and the offers). */
interface Lane {
  readonly name: string
  readonly queue: Queue.Queue<MetricsRecord>
  errors: number
  dropped: number
  lastError: string
  reportedErrors: number
  reportedDropped: number
}

interface Accumulated {
  readonly stack: string
  readonly message: string
  readonly first: number
  last: number
  count: number
}

const MAX_BATCH = 512
/** Distinct exceptions an instance may accumulate between two reports; more are counted, not kept. */
const MAX_EXCEPTIONS_PER_INSTANCE = 100

/** Runs a lane's loop until the scope closes; closing asks it to stop without waiting, so a sink
 * stuck in an uninterruptible call never holds up the container's shutdown. */
const detached = <E>(loop: Effect.Effect<void, E>): Effect.Effect<void, never, Scope.Scope> =>
  Effect.flatMap(Effect.forkDaemon(loop), (fiber) => Effect.addFinalizer(() => Fiber.interruptFork(fiber)))

/** `metrics-sink/graphite` → `graphite` (the name in `__sink-errors/<sink>`). */
const shortName = (name: string) => name.replace(/^metrics-sink\//, "")

const messageOf = (cause: Cause.Cause<SinkError>): string => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "Some") return failure.value.message
  const defect = Cause.squash(cause)
  return defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)
}

/** Starts the metrics manager; it lives as long as the scope. */
export const make = (o: MetricsManagerOptions): Effect.Effect<MetricsManager, never, Scope.Scope> =>
  Effect.gen(function* () {
    const capacity = o.queueCapacity ?? 4096
    const timeout = Duration.decode(o.sinkTimeout ?? Duration.seconds(10))
    const context = new SinkContext({
      cluster: o.cluster,
      topologyName: o.topologyName,
      topologyId: o.topologyId,
      metricsManagerId: `metricsmgr-${o.container}`
    })
    const runFork = yield* FiberSet.makeRuntime<never>()
    const lanes: Array<Lane> = []
    const newLane = (name: string) =>
      Effect.map(Queue.bounded<MetricsRecord>(capacity), (queue) => {
        const lane: Lane = { name, queue, errors: 0, dropped: 0, lastError: "", reportedErrors: 0, reportedDropped: 0 }
        lanes.push(lane)
        return lane
      })
    const failed = (lane: Lane, message: string, records = 0) => {
      lane.errors++
      lane.dropped += records
      lane.lastError = message
    }
    /** Runs `call`, bounded by the timeout; a failure, defect or timeout is counted, not raised. */
    const guarded = (lane: Lane, what: string, call: Effect.Effect<void, SinkError>, records: number) =>
      call.pipe(
        Effect.timeoutFail({ duration: timeout, onTimeout: () => new SinkError({ sink: lane.name, op: what, message: `${what} took longer than ${Duration.format(timeout)}` }) }),
        Effect.catchAllCause((cause) => (Cause.isInterruptedOnly(cause) ? Effect.failCause(cause) : Effect.sync(() => failed(lane, messageOf(cause), records)))),
        Effect.as(undefined)
      )

    for (const s of o.sinks) {
      const lane = yield* newLane(shortName(s.name))
      yield* Effect.gen(function* () {
        const init = yield* Effect.exit(s.sink.init(context).pipe(
          Effect.timeoutFail({ duration: timeout, onTimeout: () => new SinkError({ sink: lane.name, op: "init", message: `init took longer than ${Duration.format(timeout)}` }) })
        ))
        if (Exit.isFailure(init)) {
          if (Cause.isInterruptedOnly(init.cause)) return yield* Effect.interrupt
          failed(lane, messageOf(init.cause))
          yield* Effect.logWarning(`metrics sink ${lane.name} failed to start, its records are dropped: ${lane.lastError}`)
          lane.dropped += yield* Queue.size(lane.queue)
          return yield* Queue.shutdown(lane.queue)
        }
        for (;;) {
          const batch = yield* Queue.takeBetween(lane.queue, 1, MAX_BATCH)
          for (const r of batch) yield* guarded(lane, "processRecord", s.sink.processRecord(r), 1)
        }
      }).pipe(detached)
    }

    if (o.stateManager !== undefined) {
      const forwarder = yield* Forwarder.make({ stateManager: o.stateManager, topologyName: o.topologyName, topologyId: o.topologyId })
      const lane = yield* newLane(Forwarder.FORWARDER_NAME)
      const linger = Duration.decode(o.cacheLinger ?? Duration.millis(250))
      yield* Effect.gen(function* () {
        for (;;) {
          const first = yield* Queue.takeBetween(lane.queue, 1, MAX_BATCH)
          yield* Effect.sleep(linger)
          const rest = yield* Queue.takeUpTo(lane.queue, MAX_BATCH - first.length)
          const batch = [...first, ...rest]
          yield* guarded(lane, "send", forwarder.send(batch), batch.length)
        }
      }).pipe(detached)
    }

    const offer = (record: MetricsRecord) => {
      for (const lane of lanes) if (!Queue.unsafeOffer(lane.queue, record)) lane.dropped++
    }

    const exceptions = new Map<string, { readonly component: string; readonly byKey: Map<string, Accumulated> }>()
    let droppedExceptions = 0
    const takeExceptions = (instanceId: string): Array<ExceptionDatum> => {
      const acc = exceptions.get(instanceId)
      if (acc === undefined) return []
      exceptions.delete(instanceId)
      return [...acc.byKey.values()].map((a) => new ExceptionDatum({
        stacktrace: a.stack,
        firsttime: new Date(a.first).toISOString(),
        lasttime: new Date(a.last).toISOString(),
        count: a.count,
        logging: a.message
      }))
    }

    const record = (component: string, instanceId: string, metrics: ReadonlyArray<readonly [string, number]>, excs: Array<ExceptionDatum>) =>
      offer(new MetricsRecord({
        timestamp: Date.now(),
        source: `${o.address}/${component}/${instanceId}`,
        context: "default",
        metrics: metrics.map(([name, value]) => new MetricDatum({ name, value: String(value) })),
        exceptions: excs
      }))

    /** Each lane's errors and drops since the last report; warns about the lanes that had some. */
    const laneMetrics = (): Array<readonly [string, number]> =>
      lanes.flatMap((lane) => {
        const errors = lane.errors - lane.reportedErrors
        const dropped = lane.dropped - lane.reportedDropped
        lane.reportedErrors = lane.errors
        lane.reportedDropped = lane.dropped
        if (errors > 0 || dropped > 0) {
          runFork(Effect.logWarning(`metrics sink ${lane.name}: ${errors} error(s), ${dropped} record(s) dropped in the last interval${errors > 0 ? `; last error: ${lane.lastError}` : ""}`))
        }
        return [[`__sink-errors/${lane.name}`, errors], [`__sink-dropped/${lane.name}`, dropped]] as const
      })

    return {
      instance: (component, instanceId, metrics) => record(component, instanceId, metrics, takeExceptions(instanceId)),
      exception: (component, instanceId, report) => {
        let acc = exceptions.get(instanceId)
        if (acc === undefined) exceptions.set(instanceId, (acc = { component, byKey: new Map() }))
        const now = Date.now()
        const key = exceptionKey(report.stack)
        const a = acc.byKey.get(key)
        if (a === undefined) {
          if (acc.byKey.size >= MAX_EXCEPTIONS_PER_INSTANCE) droppedExceptions++
          else acc.byKey.set(key, { stack: report.stack, message: report.message, first: now, last: now, count: 1 })
        } else {
          a.last = now
          a.count++
        }
      },
      stmgr: (metrics) => {
        // An instance that keeps failing never reports metrics: its exceptions go out here.
        for (const [instanceId, acc] of [...exceptions]) record(acc.component, instanceId, [], takeExceptions(instanceId))
        const dropped = droppedExceptions
        droppedExceptions = 0
        record("__stmgr__", `stmgr-${o.container}`, [...metrics, ...laneMetrics(), ["__exceptions-dropped", dropped]], [])
      }
    }
  })
