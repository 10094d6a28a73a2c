/**
 * The `graphite` metrics sink, after Heron's `GraphiteSink`: every metric of every record becomes
 * one line of carbon's plaintext protocol, `<prefix>.<topology>.<component>.<instance>.<metric>
 * <value> <epoch-secs>`, sent over TCP to a carbon-cache (or carbon-relay).
 *
 * `processRecord` only appends to a bounded buffer (`maxBufferedLines`; when full the oldest lines
 * are dropped and counted), so it never waits on the network. A background fiber keeps the
 * connection open, reconnecting with exponential backoff when carbon goes away; another writes
 * the buffer out every `flushFrequencyMs`, as soon as a connection is (re)established, and when
 * the buffer is half full. A batch that cannot be written is put back and sent on the next
 * connection: carbon keeps one value per path and second, so a batch sent twice stores the same.
 *
 * What happened is counted and readable through `stats` (see `GraphiteSinkStats`).
 */
import { Chunk, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Queue, Ref, Schema, type Scope } from "effect"
import { MetricsSink, SinkError, type MetricsRecord, type MetricsSinkService, type SinkContext } from "../../../core/MetricsSink.js"
import { append, putBack } from "./internal/bounded.js"
import * as CarbonConnection from "./internal/CarbonConnection.js"
import { toLines } from "./internal/paths.js"

const Millis = Schema.Int.pipe(Schema.greaterThanOrEqualTo(1))

/** Options of the `graphite` sink. */
export const GraphiteSinkConfig = Schema.Struct({
  /** Carbon's host (its plaintext `LINE_RECEIVER_INTERFACE`). */
  host: Schema.optionalWith(Schema.NonEmptyString, { default: () => "127.0.0.1" }),
  /** Carbon's plaintext port (`LINE_RECEIVER_PORT`). */
  port: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 65535)), { default: () => 2003 }),
  /** The first nodes of every path; may itself be dotted (`prod.heron`). */
  prefix: Schema.optionalWith(Schema.String, { default: () => "heron" }),
  /** Heron's `flush-frequency-ms`: the period of the background flush, from `init`. */
  flushFrequencyMs: Schema.optionalWith(Millis, { default: () => 60_000 }),
  /** Lines kept while carbon is slow or away; past this the oldest are dropped (and counted). */
  maxBufferedLines: Schema.optionalWith(Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)), { default: () => 100_000 }),
  /** The wait before the first reconnect attempt; it doubles per failed attempt. */
  reconnectInitialDelayMs: Schema.optionalWith(Millis, { default: () => 500 }),
  /** The longest wait between reconnect attempts. */
  reconnectMaxDelayMs: Schema.optionalWith(Millis, { default: () => 30_000 }),
  /** How long one connection attempt may take. */
  connectTimeoutMs: Schema.optionalWith(Millis, { default: () => 5_000 }),
  /** How long one batch may take to be handed to the kernel before the connection is given up. */
  writeTimeoutMs: Schema.optionalWith(Millis, { default: () => 10_000 })
}).pipe(
  Schema.filter((c) =>
    c.reconnectMaxDelayMs >= c.reconnectInitialDelayMs ||
    { path: ["reconnectMaxDelayMs"], message: "reconnectMaxDelayMs must not be less than reconnectInitialDelayMs" })
)
export type GraphiteSinkConfig = typeof GraphiteSinkConfig.Type

/** The `sink` field of this sink's `SinkError`s. */
export const sinkName = "graphite"

/** What the sink has done since it was built: counters only grow. */
export interface GraphiteSinkStats {
  /** Lines carbon's socket took. */
  readonly sent: number
  /** Lines dropped: oldest first when the buffer was full, or still buffered at `close`. */
  readonly dropped: number
  /** Failures of the destination: connection attempts that failed, connections lost, batches
   * that could not be written. */
  readonly errors: number
  /** Metric values left out because they are not finite numbers. */
  readonly skipped: number
  /** Lines waiting to be written now. */
  readonly buffered: number
  /** Whether a connection to carbon is open now. */
  readonly connected: boolean
}

/** The sink contract plus its counters. */
export interface GraphiteSinkService extends MetricsSinkService {
  /** The counters now. Never fails, never waits on carbon. */
  readonly stats: Effect.Effect<GraphiteSinkStats>
}

type Phase =
  | { readonly _tag: "Created" }
  | { readonly _tag: "Running"; readonly topology: string }
  | { readonly _tag: "Closed" }

interface State {
  readonly phase: Phase
  readonly buffer: Chunk.Chunk<string>
  /** Dropping since the last successful write (warn once per episode, not per record). */
  readonly dropping: boolean
  readonly sent: number
  readonly dropped: number
  readonly errors: number
  readonly skipped: number
}

const error = (op: string, message: string) => new SinkError({ sink: sinkName, op, message })

/** Builds the sink; its connection, background flusher and final `close` are tied to the scope. */
export const make = (config: GraphiteSinkConfig): Effect.Effect<GraphiteSinkService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const address = `${config.host}:${config.port}`
    const max = config.maxBufferedLines
    const state = yield* Ref.make<State>({
      phase: { _tag: "Created" }, buffer: Chunk.empty(), dropping: false, sent: 0, dropped: 0, errors: 0, skipped: 0
    })
    const connection = yield* Ref.make(Option.none<CarbonConnection.CarbonConnection>())
    const wakeups = yield* Queue.dropping<void>(1)
    const writing = yield* Effect.makeSemaphore(1)
    const started = yield* Deferred.make<void>()
    const countError = Ref.update(state, (s) => ({ ...s, errors: s.errors + 1 }))

    const init = Effect.fn("GraphiteSink.init")(function* (context: SinkContext) {
      const { phase } = yield* Ref.get(state)
      if (phase._tag !== "Created") return yield* error("init", `init called twice (sink is ${phase._tag})`)
      yield* Ref.update(state, (s): State => ({ ...s, phase: { _tag: "Running", topology: context.topologyName } }))
      yield* Deferred.succeed(started, undefined)
    })

    const processRecord = Effect.fnUntraced(function* (record: MetricsRecord) {
      const { phase } = yield* Ref.get(state)
      if (phase._tag === "Created") return yield* error("processRecord", "processRecord before init")
      if (phase._tag === "Closed") return yield* error("processRecord", "the sink is closed")
      const { lines, skipped } = toLines(config.prefix, phase.topology, record)
      const { size, startedDropping } = yield* Ref.modify(state, (s) => {
        const b = append(s.buffer, lines, max)
        const next = { ...s, buffer: b.lines, dropped: s.dropped + b.dropped, skipped: s.skipped + skipped, dropping: s.dropping || b.dropped > 0 }
        return [{ size: Chunk.size(b.lines), startedDropping: next.dropping && !s.dropping }, next]
      })
      if (startedDropping) {
        yield* Effect.logWarning(`graphite sink: buffer full (${max} lines) while carbon at ${address} is slow or away; dropping the oldest`)
      }
      if (size * 2 >= max) yield* Queue.offer(wakeups, undefined)
    })

    // Writes the whole buffer in one batch, one batch at a time. Whatever happens to the write
    // (failure, timeout, interruption) the batch goes back to the buffer unless the socket took it.
    const writeBuffered: Effect.Effect<void, SinkError> = writing.withPermits(1)(Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        if (Chunk.isEmpty((yield* Ref.get(state)).buffer)) return
        // A socket just given up on stays in `connection` until its 'close' event is handled.
        const current = Option.filter(yield* Ref.get(connection), (c) => c.socket.writable)
        if (Option.isNone(current)) {
          const kept = Chunk.size((yield* Ref.get(state)).buffer)
          return yield* error("flush", `not connected to carbon at ${address}; ${kept} lines kept until it is back`)
        }
        const conn = current.value
        const batch = yield* Ref.modify(state, (s) => [s.buffer, { ...s, buffer: Chunk.empty<string>() }])
        const written = CarbonConnection.write(conn, Chunk.join(batch, "")).pipe(
          Effect.timeoutFail({
            duration: Duration.millis(config.writeTimeoutMs),
            onTimeout: () => new CarbonConnection.CarbonConnectionError({
              op: "write", message: `carbon at ${address} took no data for ${config.writeTimeoutMs} ms`
            })
          })
        )
        yield* restore(written).pipe(
          Effect.onExit((exit) =>
            Ref.update(state, (s) => {
              if (Exit.isSuccess(exit)) return { ...s, sent: s.sent + Chunk.size(batch), dropping: false }
              const b = putBack(s.buffer, batch, max)
              return { ...s, buffer: b.lines, dropped: s.dropped + b.dropped }
            })),
          Effect.tapError(() => countError.pipe(Effect.zipRight(Effect.sync(() => conn.socket.destroy())))),
          Effect.mapError((e) => error("flush", `${e.message}; the batch is kept for the next connection`))
        )
      })
    )).pipe(Effect.withSpan("GraphiteSink.flush"))

    const flush: Effect.Effect<void, SinkError> = Effect.flatMap(Ref.get(state), ({ phase }) => {
      switch (phase._tag) {
        case "Created": return error("flush", "flush before init")
        case "Closed": return Effect.void
        case "Running": return writeBuffered
      }
    })

    // One connection at a time; `closed` says why it ended.
    const session = Effect.scoped(Effect.gen(function* () {
      const conn = yield* CarbonConnection.open(config.host, config.port, Duration.millis(config.connectTimeoutMs))
      yield* Ref.set(connection, Option.some(conn))
      yield* Effect.logInfo(`graphite sink: connected to carbon at ${address}`)
      yield* Queue.offer(wakeups, undefined)
      return yield* Deferred.await(conn.closed)
    })).pipe(Effect.ensuring(Ref.set(connection, Option.none())))

    const initialDelay = config.reconnectInitialDelayMs
    const connector = Effect.iterate({ delay: initialDelay, quiet: false }, {
      while: () => true,
      body: ({ delay, quiet }) =>
        session.pipe(
          Effect.matchEffect({
            onSuccess: (reason) =>
              Effect.logWarning(`graphite sink: lost the connection to carbon at ${address} (${reason}); buffering up to ${max} lines meanwhile`).pipe(
                Effect.zipRight(countError),
                Effect.zipRight(Effect.sleep(Duration.millis(initialDelay))),
                Effect.as({ delay: initialDelay, quiet: false })
              ),
            onFailure: (e) =>
              (quiet ? Effect.logDebug : Effect.logWarning)(`graphite sink: ${e.message}; retrying in ${delay} ms`).pipe(
                Effect.zipRight(countError),
                Effect.zipRight(Effect.sleep(Duration.millis(delay))),
                Effect.as({ delay: Math.min(delay * 2, config.reconnectMaxDelayMs), quiet: true })
              )
          })
        )
    })

    const periodic = Effect.forever(
      Effect.raceFirst(Effect.sleep(Duration.millis(config.flushFrequencyMs)), Queue.take(wakeups)).pipe(
        Effect.zipRight(flush),
        Effect.catchTag("SinkError", (e) => Effect.logDebug(`graphite sink: background flush: ${e.message}`))
      )
    )
    const connecting = yield* Deferred.await(started).pipe(Effect.zipRight(connector), Effect.forkScoped)
    const flusher = yield* Deferred.await(started).pipe(Effect.zipRight(periodic), Effect.forkScoped)

    const close: Effect.Effect<void> = Effect.gen(function* () {
      const before = yield* Ref.getAndUpdate(state, (s): State => ({ ...s, phase: { _tag: "Closed" } }))
      if (before.phase._tag === "Closed") return
      yield* Fiber.interrupt(flusher)
      if (before.phase._tag === "Running") {
        yield* writeBuffered.pipe(Effect.catchTag("SinkError", (e) => Effect.logWarning(`graphite sink: final flush failed: ${e.message}`)))
      }
      // Ends the connection: what the socket took is still delivered.
      yield* Fiber.interrupt(connecting)
      const left = yield* Ref.modify(state, (s) =>
        [Chunk.size(s.buffer), { ...s, buffer: Chunk.empty<string>(), dropped: s.dropped + Chunk.size(s.buffer) }])
      if (left > 0) yield* Effect.logWarning(`graphite sink: closed with ${left} lines not delivered to carbon at ${address}`)
    }).pipe(Effect.withSpan("GraphiteSink.close"))

    yield* Effect.addFinalizer(() => close)

    const stats = Effect.map(Effect.zip(Ref.get(state), Ref.get(connection)), ([s, c]): GraphiteSinkStats => ({
      sent: s.sent, dropped: s.dropped, errors: s.errors, skipped: s.skipped, buffered: Chunk.size(s.buffer), connected: Option.exists(c, (x) => x.socket.writable)
    }))

    return { init, processRecord, flush, close, stats } satisfies GraphiteSinkService
  })

/** The sink as a layer: connects and flushes after `init`, and closes with its scope. */
export const layer = (config: GraphiteSinkConfig): Layer.Layer<MetricsSink> => Layer.scoped(MetricsSink, make(config))
