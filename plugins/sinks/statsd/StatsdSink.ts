/**
 * The `statsd` metrics sink, after Heron's `StatsdSink`: every metric of every record is sent to
 * a StatsD server through the `hot-shots` client, over UDP (default) or TCP.
 *
 * Counters and gauges: Heron's counters (`__emit-count/...`, `__ack-count/...`, the stream
 * manager's `__tuples_to_workers`, ...; see `counterNames`) hold what happened in the last
 * interval, so by default they are sent as StatsD counts (`|c`): StatsD sums them over its own
 * flush interval and derives a rate. Everything else (latencies, `__roots_pending`, Node's heap,
 * user gauges) is sent as a gauge (`|g`). `countersAs: "gauge"` sends the counters as gauges too,
 * which is what Heron's own StatsD sink does. A negative gauge is sent as `0` then the value, since
 * StatsD reads a leading `-` as a change of the previous value.
 *
 * hot-shots buffers up to `maxBufferSize` bytes per packet and sends every `flushFrequencyMs`;
 * `processRecord` only appends to that buffer, so it never waits on the network. Errors of the
 * client are counted (`stats`) and logged, never raised into the metrics manager.
 */
import type { StatsD } from "hot-shots"
import { Duration, Effect, FiberSet, Layer, Ref, Schema, type Scope } from "effect"
import { MetricsSink, SinkError, type MetricsRecord, type MetricsSinkService, type SinkContext } from "../../../core/MetricsSink.js"
import * as Client from "./internal/client.js"
import { heronCounters, isCounter, numericValue, target } from "./internal/names.js"

/** Options of the `statsd` sink. */
export const StatsdSinkConfig = Schema.Struct({
  /** The StatsD server's host. */
  host: Schema.optionalWith(Schema.NonEmptyString, { default: () => "127.0.0.1" }),
  /** The StatsD server's port (UDP, or TCP with `protocol: "tcp"`). */
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 65535)), { default: () => 8125 }),
  /** `udp` (StatsD's default) or `tcp` (StatsD's `servers/tcp`). */
  protocol: Schema.optionalWith(Schema.Literal("udp", "tcp"), { default: () => "udp" as const }),
  /** The first nodes of every name; may itself be dotted (`prod.heron`). */
  prefix: Schema.optionalWith(Schema.String, { default: () => "heron" }),
  /** Heron's `flush-frequency-ms`: how often buffered metrics are sent (hot-shots'
   * `bufferFlushInterval`). */
  flushFrequencyMs: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)), { default: () => 1_000 }),
  /** Bytes buffered before a packet is sent; 0 sends every metric at once. The default fits one
   * Ethernet frame. */
  maxBufferSize: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(0)), { default: () => 1432 }),
  /** How Heron's counters are sent: `count` (StatsD `|c`) or `gauge` (`|g`, as Heron's sink). */
  countersAs: Schema.optionalWith(Schema.Literal("count", "gauge"), { default: () => "count" as const }),
  /** The metrics that are counters: a name here matches itself and `<name>/...`. Default: Heron's
   * counters (see `internal/names.ts`); add user `CountMetric`s here. */
  counterNames: Schema.optionalWith(Schema.Array(Schema.String), { default: () => heronCounters }),
  /** `none`: topology, component and instance are nodes of the name. `datadog` (`|#k:v`, which
   * StatsD 0.9+ also reads) or `telegraf` (`name,k=v`): they are tags, and the name is
   * `<prefix>.<metric>`. */
  tags: Schema.optionalWith(Schema.Literal("none", "datadog", "telegraf"), { default: () => "none" as const })
})
export type StatsdSinkConfig = typeof StatsdSinkConfig.Type

/** The `sink` field of this sink's `SinkError`s. */
export const sinkName = "statsd"

/** What the sink has done since it was built: counters only grow. */
export interface StatsdSinkStats {
  /** Metric values handed to the client. */
  readonly sent: number
  /** Errors of the client: socket, DNS and send failures, failed flushes. */
  readonly errors: number
  /** Metric values left out because they are not finite numbers. */
  readonly skipped: number
}

/** The sink contract plus its counters. */
export interface StatsdSinkService extends MetricsSinkService {
  /** The counters now. Never fails, never waits on StatsD. */
  readonly stats: Effect.Effect<StatsdSinkStats>
}

type Phase =
  | { readonly _tag: "Created" }
  | { readonly _tag: "Running"; readonly topology: string; readonly client: StatsD }
  | { readonly _tag: "Closed" }

const error = (op: string, message: string) => new SinkError({ sink: sinkName, op, message })

/** How long a flush of the client may take. */
const flushTimeout = Duration.seconds(5)
/** How long close waits for hot-shots to confirm. It drains sends in flight for up to 550 ms,
 * then destroys its socket, but never calls back when that socket had already failed (a TCP
 * connection refused), so not hearing back in time is not an error. */
const closeTimeout = Duration.seconds(2)

/** Builds the sink; its client is created at `init` and closed with the scope. */
export const make = (config: StatsdSinkConfig): Effect.Effect<StatsdSinkService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const address = `${config.protocol}://${config.host}:${config.port}`
    const phase = yield* Ref.make<Phase>({ _tag: "Created" })
    const stats = yield* Ref.make<StatsdSinkStats>({ sent: 0, errors: 0, skipped: 0 })
    // hot-shots reports errors from its socket callbacks: they are run as fibers of this scope.
    const runFork = yield* FiberSet.makeRuntime<never>()

    // Logged at the 1st, 10th, 100th... error: a StatsD that is away fails every packet.
    const countError = (op: string, message: string) =>
      Ref.modify(stats, (s) => [s.errors + 1, { ...s, errors: s.errors + 1 }]).pipe(
        Effect.flatMap((n) =>
          Number.isInteger(Math.log10(n))
            ? Effect.logWarning(`statsd sink: ${op} to ${address} failed (${n} errors so far): ${message}`)
            : Effect.void)
      )

    const init = Effect.fn("StatsdSink.init")(function* (context: SinkContext) {
      const current = yield* Ref.get(phase)
      if (current._tag !== "Created") return yield* error("init", `init called twice (sink is ${current._tag})`)
      const client = yield* Effect.try({
        try: () =>
          Client.makeClient({ ...config, telegraf: config.tags === "telegraf" }, (e) => {
            runFork(countError("send", e.message))
          }),
        catch: (e) => error("init", `cannot create the StatsD client for ${address}: ${e instanceof Error ? e.message : String(e)}`)
      })
      yield* Ref.set(phase, { _tag: "Running", topology: context.topologyName, client })
    })

    const tagged = config.tags !== "none"
    const asCount = config.countersAs === "count"

    const processRecord = Effect.fnUntraced(function* (record: MetricsRecord) {
      const current = yield* Ref.get(phase)
      if (current._tag === "Created") return yield* error("processRecord", "processRecord before init")
      if (current._tag === "Closed") return yield* error("processRecord", "the sink is closed")
      const { client, topology } = current
      let sent = 0
      let skipped = 0
      let failure: string | undefined
      for (const m of record.metrics) {
        const value = numericValue(m.value)
        if (value === undefined) {
          skipped++
          continue
        }
        const { name, tags } = target(config.prefix, topology, record.source, m.name, tagged)
        try {
          if (asCount && isCounter(config.counterNames, m.name)) client.increment(name, value, 1, tags)
          else {
            if (value < 0) client.gauge(name, 0, 1, tags)
            client.gauge(name, value, 1, tags)
          }
          sent++
        } catch (e) {
          failure = e instanceof Error ? e.message : String(e)
        }
      }
      yield* Ref.update(stats, (s) => ({ ...s, sent: s.sent + sent, skipped: s.skipped + skipped }))
      if (failure !== undefined) yield* countError("send", failure)
    })

    const flush: Effect.Effect<void, SinkError> = Effect.flatMap(Ref.get(phase), (current) => {
      switch (current._tag) {
        case "Created": return error("flush", "flush before init")
        case "Closed": return Effect.void
        case "Running":
          return Client.flush(current.client, flushTimeout).pipe(
            Effect.tapError((e) => countError("flush", e.message)),
            Effect.mapError((e) => error("flush", `cannot send to StatsD at ${address}: ${e.message}`))
          )
      }
    }).pipe(Effect.withSpan("StatsdSink.flush"))

    const close: Effect.Effect<void> = Effect.gen(function* () {
      const before = yield* Ref.getAndSet(phase, { _tag: "Closed" })
      if (before._tag !== "Running") return
      yield* Client.close(before.client, closeTimeout).pipe(
        Effect.catchTag("StatsdClientError", (e) =>
          e.timedOut
            ? Effect.logDebug(`statsd sink: the client for ${address} did not confirm closing`)
            : Effect.zipRight(countError("close", e.message), Effect.logWarning(`statsd sink: closing the client for ${address}: ${e.message}`)))
      )
    }).pipe(Effect.withSpan("StatsdSink.close"))

    yield* Effect.addFinalizer(() => close)

    return { init, processRecord, flush, close, stats: Ref.get(stats) } satisfies StatsdSinkService
  })

/** The sink as a layer: creates its client at `init`, and closes it with its scope. */
export const layer = (config: StatsdSinkConfig): Layer.Layer<MetricsSink> => Layer.scoped(MetricsSink, make(config))
