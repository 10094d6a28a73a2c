/**
 * The `scribe` metrics sink, after Heron's `ScribeSink`: every record becomes one JSON message
 * (`internal/message.ts`) logged under one category with scribe's `Log` call, over Thrift's framed
 * transport and binary protocol (client generated from `scribe.thrift` into `gen/`).
 *
 * `processRecord` only appends to a bounded buffer (the oldest records are dropped past
 * `maxBufferedMessages`); a background fiber sends the buffer every `flushFrequencyMs`, in batches
 * of at most {@link maxBatchSize}. A record leaves the buffer only when scribe answered OK: after
 * TRY_LATER, a lost connection or a timeout it stays, and the next attempt comes after a backoff
 * (`retryIntervalMs`, doubled per consecutive failure, at most `maxRetryIntervalMs`) on a new
 * connection when the old one is gone. Delivery is at least once: a batch whose answer timed out is
 * sent again.
 */
import { Chunk, Deferred, Duration, Effect, Fiber, Layer, Option, Ref, Schema, ScopedRef, type Scope } from "effect"
import { MetricsSink, SinkError, type MetricsRecord, type MetricsSinkService, type SinkContext } from "../../../core/MetricsSink.js"
import { connect, type ScribeConnection } from "./internal/ScribeConnection.js"
import { toMessage } from "./internal/message.js"

const PositiveInt = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))

/** Options of the `scribe` sink, after Heron's `scribe-sink` section of `metrics_sinks.yaml`. */
export const ScribeSinkConfig = Schema.Struct({
  /** Heron's `scribe-host`. */
  host: Schema.optionalWith(Schema.NonEmptyString, { default: () => "127.0.0.1" }),
  /** Heron's `scribe-port`; 1463 is scribe's own default. */
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 65535)), { default: () => 1463 }),
  /** Heron's `scribe-category`: the category of every message. */
  category: Schema.optionalWith(Schema.NonEmptyString, { default: () => "heron-metrics" }),
  /** Heron's `service-namespace`: messages carry `service: "<serviceNamespace>/<topology>"`. */
  serviceNamespace: Schema.optionalWith(Schema.NonEmptyString, { default: () => "heron" }),
  /** Heron's `flush-frequency-ms`: the period of the background flush, from `init`. */
  flushFrequencyMs: Schema.optionalWith(PositiveInt, { default: () => 60_000 }),
  /** How many records are kept while scribe is away; past it the oldest are dropped (and counted). */
  maxBufferedMessages: Schema.optionalWith(PositiveInt, { default: () => 10_000 }),
  /** Heron's `scribe-timeout-ms`: how long connecting, and each `Log` call, may take. */
  timeoutMs: Schema.optionalWith(PositiveInt, { default: () => 5_000 }),
  /** The wait before the first retry after a failed background flush (TRY_LATER, lost connection,
   * timeout); doubled per consecutive failure. */
  retryIntervalMs: Schema.optionalWith(PositiveInt, { default: () => 1_000 }),
  /** The longest wait between retries. */
  maxRetryIntervalMs: Schema.optionalWith(PositiveInt, { default: () => 30_000 })
})
export type ScribeSinkConfig = typeof ScribeSinkConfig.Type

/** The `sink` field of this sink's `SinkError`s. */
export const sinkName = "scribe"

/** The most messages sent in one `Log` call (keeps each Thrift frame well under servers' limits). */
export const maxBatchSize = 500

/** Counters of one sink since it was built. */
export interface ScribeSinkStats {
  /** Messages scribe answered OK to. */
  readonly sent: number
  /** Records dropped: buffer overflow, or still buffered when the sink closed. */
  readonly dropped: number
  /** `Log` calls answered TRY_LATER. */
  readonly tryLater: number
  /** Failed connects and `Log` calls (refused, lost, timed out, exceptions). */
  readonly errors: number
  /** Records waiting to be sent. */
  readonly buffered: number
}

/** The sink, plus its counters (for reporting them as metrics). */
export interface ScribeSinkService extends MetricsSinkService {
  readonly stats: Effect.Effect<ScribeSinkStats>
}

type Phase =
  | { readonly _tag: "Created" }
  | { readonly _tag: "Running"; readonly service: string }
  | { readonly _tag: "Closed" }

interface Buffer {
  /** Oldest first. */
  readonly records: Chunk.Chunk<MetricsRecord>
  /** The sequence number of the first record; a record's number never changes, so a batch sent
   * while older records were dropped for room still removes exactly itself. */
  readonly head: number
}

type Counters = Omit<ScribeSinkStats, "buffered">

const error = (op: string, message: string) => new SinkError({ sink: sinkName, op, message })

/** Builds the sink; its background flusher, connection and final `close` are tied to the scope. */
export const make = (config: ScribeSinkConfig): Effect.Effect<ScribeSinkService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const phase = yield* Ref.make<Phase>({ _tag: "Created" })
    const buffer = yield* Ref.make<Buffer>({ records: Chunk.empty(), head: 0 })
    const counters = yield* Ref.make<Counters>({ sent: 0, dropped: 0, tryLater: 0, errors: 0 })
    const connection = yield* ScopedRef.make<Option.Option<ScribeConnection>>(() => Option.none())
    const flushing = yield* Effect.makeSemaphore(1)
    const started = yield* Deferred.make<void>()
    const timeout = Duration.millis(config.timeoutMs)
    const count = (key: keyof Counters, n = 1) => Ref.update(counters, (c) => ({ ...c, [key]: c[key] + n }))

    const init = Effect.fn("ScribeSink.init")(function* (context: SinkContext) {
      const running: Phase = { _tag: "Running", service: `${config.serviceNamespace}/${context.topologyName}` }
      const before = yield* Ref.getAndUpdate(phase, (p) => (p._tag === "Created" ? running : p))
      if (before._tag !== "Created") return yield* error("init", `init called twice (sink is ${before._tag})`)
      yield* Deferred.succeed(started, undefined)
    })

    // Never touches the network: an append, and a drop of the oldest when full.
    const processRecord = Effect.fnUntraced(function* (record: MetricsRecord) {
      if ((yield* Ref.get(phase))._tag === "Closed") return yield* error("processRecord", "the sink is closed")
      const overflow = yield* Ref.modify(buffer, (b) => {
        const records = Chunk.append(b.records, record)
        const over = Math.max(0, Chunk.size(records) - config.maxBufferedMessages)
        return [over, over === 0 ? { ...b, records } : { records: Chunk.drop(records, over), head: b.head + over }]
      })
      if (overflow > 0) yield* count("dropped", overflow)
    })

    /** The open connection, or a new one. */
    const connected: Effect.Effect<ScribeConnection, SinkError> = Effect.gen(function* () {
      const current = yield* ScopedRef.get(connection)
      if (Option.isSome(current) && (yield* current.value.isOpen)) return current.value
      yield* ScopedRef.set(connection, Effect.succeed(Option.none()))
      yield* ScopedRef.set(connection, Effect.map(connect(config.host, config.port, timeout), Option.some))
      const fresh = yield* ScopedRef.get(connection)
      return yield* Option.match(fresh, { onNone: () => Effect.die("scribe connection missing right after connecting"), onSome: Effect.succeed })
    }).pipe(
      Effect.catchTag("ScribeConnectionError", (e) => Effect.zipRight(count("errors"), Effect.fail(error("flush", e.message))))
    )

    /** Sends one batch; true when more records wait. */
    const sendBatch = (service: string): Effect.Effect<boolean, SinkError> =>
      Effect.gen(function* () {
        const { records, head } = yield* Ref.get(buffer)
        if (Chunk.isEmpty(records)) return false
        const batch = Chunk.take(records, maxBatchSize)
        const end = head + Chunk.size(batch)
        const scribe = yield* connected
        const entries = Chunk.toReadonlyArray(Chunk.map(batch, (r) => ({ category: config.category, message: toMessage(service, r) })))
        const result = yield* scribe.log(entries).pipe(
          Effect.tapError(() => Effect.zipRight(count("errors"), ScopedRef.set(connection, Effect.succeed(Option.none())))),
          Effect.mapError((e) => error("flush", e.message))
        )
        if (result === "TRY_LATER") {
          yield* count("tryLater")
          return yield* error("flush", `scribe at ${config.host}:${config.port} answered TRY_LATER; ${Chunk.size(records)} records kept for the next attempt`)
        }
        const left = yield* Ref.modify(buffer, (b) => {
          const sent = Math.max(0, end - b.head)
          const next = { records: Chunk.drop(b.records, sent), head: b.head + sent }
          return [Chunk.size(next.records), next]
        })
        yield* count("sent", Chunk.size(batch))
        return left > 0
      })

    /** Sends everything buffered, batch after batch; one drain at a time. */
    const drain = (service: string): Effect.Effect<void, SinkError> =>
      flushing.withPermits(1)(Effect.gen(function* () {
        let more = true
        while (more) more = yield* sendBatch(service)
      }))

    const flush: Effect.Effect<void, SinkError> = Effect.gen(function* () {
      const current = yield* Ref.get(phase)
      if (current._tag === "Created") return yield* error("flush", "flush before init")
      if (current._tag === "Running") yield* drain(current.service)
    }).pipe(Effect.withSpan("ScribeSink.flush"))

    const period = Duration.millis(config.flushFrequencyMs)
    const backoff = (failures: number) =>
      Duration.millis(Math.min(config.retryIntervalMs * 2 ** Math.min(failures - 1, 30), config.maxRetryIntervalMs))
    const periodic = Effect.iterate({ wait: period, failures: 0 }, {
      while: () => true,
      body: ({ wait, failures }) =>
        Effect.sleep(wait).pipe(
          Effect.zipRight(flush),
          Effect.as({ wait: period, failures: 0 }),
          Effect.catchTag("SinkError", (e) => {
            const next = backoff(failures + 1)
            return Effect.logWarning(`scribe sink: ${e.message}; retrying in ${Duration.format(next)}`).pipe(
              Effect.as({ wait: next, failures: failures + 1 })
            )
          })
        )
    })
    const flusher = yield* Deferred.await(started).pipe(Effect.zipRight(periodic), Effect.forkScoped)

    const close: Effect.Effect<void> = Effect.gen(function* () {
      const previous = yield* Ref.getAndSet(phase, { _tag: "Closed" })
      if (previous._tag === "Closed") return
      yield* Fiber.interrupt(flusher)
      if (previous._tag === "Running") {
        yield* drain(previous.service).pipe(
          Effect.catchTag("SinkError", (e) => Effect.logWarning(`scribe sink: final flush failed: ${e.message}`))
        )
      }
      const { records } = yield* Ref.getAndSet(buffer, { records: Chunk.empty(), head: 0 })
      if (Chunk.isNonEmpty(records)) {
        yield* count("dropped", Chunk.size(records))
        yield* Effect.logWarning(`scribe sink: closed with ${Chunk.size(records)} records unsent; dropped`)
      }
      yield* ScopedRef.set(connection, Effect.succeed(Option.none()))
    }).pipe(Effect.withSpan("ScribeSink.close"))

    yield* Effect.addFinalizer(() => close)

    const stats = Effect.zipWith(Ref.get(counters), Ref.get(buffer), (c, b): ScribeSinkStats => ({ ...c, buffered: Chunk.size(b.records) }))

    return { init, processRecord, flush, close, stats } satisfies ScribeSinkService
  })

/** The sink as a layer: flushes every `flushFrequencyMs` after `init`, and closes with its scope. */
export const layer = (config: ScribeSinkConfig): Layer.Layer<MetricsSink> => Layer.scoped(MetricsSink, make(config))
