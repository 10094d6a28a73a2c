/**
 * The hot-shots client of the `statsd` sink, and its callbacks as Effects. Every error hot-shots
 * reports (socket, DNS, send) goes to `onError`; none is thrown.
 */
import StatsDClient, { type StatsD } from "hot-shots"
import { Data, Duration, Effect } from "effect"

/** A flush or close of the client failed or did not finish in time. */
export class StatsdClientError extends Data.TaggedError("StatsdClientError")<{
  readonly message: string
  /** No answer in time (rather than an error from hot-shots). */
  readonly timedOut: boolean
}> {}

/** What the client needs from the sink's options. */
export interface ClientOptions {
  readonly host: string
  readonly port: number
  readonly protocol: "udp" | "tcp"
  readonly maxBufferSize: number
  readonly flushFrequencyMs: number
  readonly telegraf: boolean
}

/** A client for `o`; errors of its socket go to `onError`. */
export const makeClient = (o: ClientOptions, onError: (e: Error) => void): StatsD =>
  new StatsDClient({
    host: o.host,
    port: o.port,
    protocol: o.protocol,
    maxBufferSize: o.maxBufferSize,
    bufferFlushInterval: o.flushFrequencyMs,
    telegraf: o.telegraf,
    errorHandler: onError,
    // Plain StatsD: no Datadog extensions or telemetry, whatever DD_* variables say.
    datadog: false,
    includeDataDogTags: false,
    includeDatadogTelemetry: false,
    cacheDns: true
  })

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Hands what the client buffered to its socket. */
export const flush = (client: StatsD, timeout: Duration.DurationInput): Effect.Effect<void, StatsdClientError> =>
  Effect.async<void, StatsdClientError>((resume) => {
    try {
      client.flush((e) => resume(e ? Effect.fail(new StatsdClientError({ message: describe(e), timedOut: false })) : Effect.void))
    } catch (e) {
      resume(Effect.fail(new StatsdClientError({ message: describe(e), timedOut: false })))
    }
  }).pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => new StatsdClientError({ message: `flush did not finish in ${Duration.format(timeout)}`, timedOut: true }) }))

/** Flushes, waits for sends in flight, and closes the client's socket. */
export const close = (client: StatsD, timeout: Duration.DurationInput): Effect.Effect<void, StatsdClientError> =>
  Effect.async<void, StatsdClientError>((resume) => {
    try {
      client.close((e) => resume(e ? Effect.fail(new StatsdClientError({ message: describe(e), timedOut: false })) : Effect.void))
    } catch (e) {
      resume(Effect.fail(new StatsdClientError({ message: describe(e), timedOut: false })))
    }
  }).pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => new StatsdClientError({ message: `close did not finish in ${Duration.format(timeout)}`, timedOut: true }) }))
