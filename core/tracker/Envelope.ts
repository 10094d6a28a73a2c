/**
 * Heron's answer envelope: `{status, executiontime, message, result, tracker_version}`, written by
 * hand so that `executiontime` always carries a fractional part (Heron's clients format it with a
 * precision and crash on an integer), and with every string of the answer passed through the
 * {@link Redactor} first.
 */
import { HttpServerResponse } from "@effect/platform"
import { Context, Data, Effect, Schema } from "effect"
import type { RedactorService } from "../Redactor.js"
import { VERSION } from "../version.js"

/**
 * What the Tracker says about itself in every answer (`tracker_version`): heron-runtime's version
 * by default; provide another value to add e.g. the `git_hash` of a build.
 */
export class TrackerVersion extends Context.Reference<TrackerVersion>()("heron/tracker/TrackerVersion", {
  defaultValue: (): { readonly version: string; readonly git_hash?: string } => ({ version: VERSION })
}) {}

/** The `tracker_version` object, as declared in the API. */
export const TrackerVersionWire = Schema.Struct({
  version: Schema.String,
  git_hash: Schema.optional(Schema.String)
})

/** The envelope of a successful answer whose `result` is described by `result`. */
export const success = <A, I, R>(result: Schema.Schema<A, I, R>) =>
  Schema.Struct({
    status: Schema.Literal("success"),
    executiontime: Schema.Number,
    message: Schema.String,
    result,
    tracker_version: TrackerVersionWire
  })

/** The envelope of a failed answer: the message says what is wrong, `result` is `null`. */
export const FailureEnvelope = Schema.Struct({
  status: Schema.Literal("failure"),
  executiontime: Schema.Number,
  message: Schema.String,
  result: Schema.Null,
  tracker_version: TrackerVersionWire
})

/**
 * Why a request failed. `status` is the HTTP status written with the failure envelope:
 * 400 for a missing parameter, 404 for an unknown cluster or topology (as Heron's tracker),
 * 500 when a state manager could not be read; the container endpoints add 403 (a path outside the
 * container's directory), 502/504 (its shell failed / did not answer) and 503 (no shell yet).
 */
export class TrackerFailure extends Data.TaggedError("TrackerFailure")<{
  readonly status: 400 | 403 | 404 | 500 | 502 | 503 | 504
  readonly message: string
}> {}

/**
 * Seconds written with a fractional part, in fixed notation (never `1e-7`, never `0`):
 * `0.0012`, `0.0`, `2.5`. Microsecond precision; negative or non-finite values become `0.0`.
 */
export const formatSeconds = (seconds: number): string => {
  const safe = Number.isFinite(seconds) && seconds > 0 ? seconds : 0
  const fixed = safe.toFixed(6).replace(/0+$/, "")
  return fixed.endsWith(".") ? `${fixed}0` : fixed
}

const PLACEHOLDER = "__heron_tracker_executiontime__"

/** The fields of an envelope, before `executiontime` is known. */
export interface EnvelopeFields {
  readonly status: "success" | "failure"
  readonly message: string
  readonly result: unknown
  readonly tracker_version: { readonly version: string; readonly git_hash?: string }
}

/**
 * The envelope as JSON text, keys in Heron's order. `executiontime` is first written as a
 * placeholder string and then replaced by the formatted number; it precedes `result`, so the
 * first occurrence of the placeholder is always ours.
 */
export const render = (fields: EnvelopeFields, seconds: number): string =>
  JSON.stringify({
    status: fields.status,
    executiontime: PLACEHOLDER,
    message: fields.message,
    result: fields.result,
    tracker_version: fields.tracker_version
  }).replace(`"${PLACEHOLDER}"`, formatSeconds(seconds))

/**
 * Redacts every string (object keys included) of a JSON-like value. Working on values rather than
 * on the JSON text keeps the output valid JSON and also catches secrets that JSON would escape.
 * Numbers and booleans are left alone: they are not where secrets live.
 */
export const redactDeep = (redact: RedactorService["redact"]) => {
  const go = (value: unknown): Effect.Effect<unknown> => {
    if (typeof value === "string") return redact(value)
    if (Array.isArray(value)) return Effect.forEach(value, go)
    if (typeof value === "object" && value !== null) {
      return Effect.map(
        Effect.forEach(Object.entries(value), ([k, v]) => Effect.zip(redact(k), go(v))),
        (entries) => Object.fromEntries(entries)
      )
    }
    return Effect.succeed(value)
  }
  return go
}

/** Heron's tracker lets any page query it (`Access-Control-Allow-Origin: *`). */
const headers = { "access-control-allow-origin": "*" }

/** A JSON body sent as is, with Heron's headers. */
export const jsonResponse = (body: string, status: number): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, { status, contentType: "application/json; charset=utf-8", headers })

const elapsedSeconds = (startNanos: bigint, endNanos: bigint): number => Number(endNanos - startNanos) / 1e9

/**
 * The envelope's JSON text with `result` already serialized as `resultJson`: the bytes
 * {@link render} writes for the same fields (same key order, same `executiontime`).
 */
const renderWith = (fields: Omit<EnvelopeFields, "result">, resultJson: string, seconds: number): string =>
  `{"status":${JSON.stringify(fields.status)},"executiontime":${formatSeconds(seconds)},"message":${JSON.stringify(fields.message)},` +
  `"result":${resultJson},"tracker_version":${JSON.stringify(fields.tracker_version)}}`

/**
 * The result as redacted JSON text. The common case costs one `redact` over the serialized text:
 * `redact` also replaces each secret's JSON-escaped form, so a text it leaves unchanged holds no
 * secret in any string or key. Only when it finds one is the value redacted string by string
 * ({@link redactDeep}), which keeps the output valid JSON whatever the secret spans.
 * `undefined` when the result has no JSON form (`JSON.stringify` omits the key then).
 */
const redactedJson = (redact: RedactorService["redact"], result: unknown): Effect.Effect<string | undefined> => {
  const text: string | undefined = JSON.stringify(result)
  if (text === undefined) return Effect.succeed(undefined)
  return Effect.flatMap(redact(text), (checked) =>
    checked === text ? Effect.succeed(text) : Effect.map(redactDeep(redact)(result), (clean) => JSON.stringify(clean)))
}

/**
 * Runs `work` and answers with the envelope: `success` and its result, or `failure` with the
 * failure's message, HTTP status and a `null` result. Message and result are redacted. The body
 * of a success is also given to `remember` (see `AnswerCache`).
 */
export const respond = (redact: RedactorService["redact"]) =>
<A>(work: Effect.Effect<A, TrackerFailure>, remember?: (body: string) => void): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const start = yield* Effect.clockWith((c) => c.currentTimeNanos)
    const version = yield* TrackerVersion
    const outcome = yield* Effect.either(work)
    if (outcome._tag === "Left") {
      const fields: EnvelopeFields = { status: "failure", message: yield* redact(outcome.left.message), result: null, tracker_version: version }
      const end = yield* Effect.clockWith((c) => c.currentTimeNanos)
      return jsonResponse(render(fields, elapsedSeconds(start, end)), outcome.left.status)
    }
    const fields = { status: "success", message: "", tracker_version: version } as const
    const resultJson = yield* redactedJson(redact, outcome.right)
    const end = yield* Effect.clockWith((c) => c.currentTimeNanos)
    const seconds = elapsedSeconds(start, end)
    const body = resultJson === undefined ? render({ ...fields, result: undefined }, seconds) : renderWith(fields, resultJson, seconds)
    remember?.(body)
    return jsonResponse(body, 200)
  })
