/**
 * How `heron explorer` reads a runtime's Tracker: GET on Heron's legacy endpoints, the envelope
 * (`{status, executiontime, message, result, ...}`) checked, and `result` decoded with the schema
 * the caller gives. Every failure is one {@link TrackerError} whose message names the runtime and
 * what went wrong, fit to print after `heron: error: `.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Data, Duration, Effect, Either, ParseResult, Schema } from "effect"

/** The Tracker could not be reached, refused the request, or answered something unexpected. */
export class TrackerError extends Data.TaggedError("TrackerError")<{ readonly message: string }> {}

/** Query parameters; an array is sent as a repeated parameter, `undefined` is left out. */
export type Params = Readonly<Record<string, string | number | ReadonlyArray<string> | undefined>>

/** A client of one runtime's Tracker. */
export interface TrackerClient {
  /** `http://host:port` of the runtime. */
  readonly baseUrl: string
  /**
   * `GET path?params` → the envelope's `result`, decoded with `result`. Fails with
   * {@link TrackerError}: unreachable or too slow, a `failure` envelope (its message), an answer
   * that is no envelope (e.g. a path this runtime does not serve), or a result of another shape.
   */
  readonly get: <A, I>(path: `/${string}`, params: Params, result: Schema.Schema<A, I>) => Effect.Effect<A, TrackerError>
}

/** How long one request may take. */
const TIMEOUT = Duration.seconds(15)

const Envelope = Schema.parseJson(Schema.Struct({
  status: Schema.Literal("success", "failure"),
  message: Schema.String,
  result: Schema.Unknown
}))
const decodeEnvelope = Schema.decodeUnknownEither(Envelope)

/** `url` with `params` appended (repeated for arrays). */
export const urlOf = (baseUrl: string, path: string, params: Params): string => {
  const url = new URL(path, baseUrl)
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue
    for (const v of typeof value === "object" ? value : [value]) url.searchParams.append(key, String(v))
  }
  return url.toString()
}

/** The first line of a parse error: which key had what. */
const firstIssue = (e: ParseResult.ParseError): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(e)[0]
  return issue === undefined ? e.message : `at ${issue.path.length === 0 ? "result" : issue.path.join(".")}: ${issue.message}`
}

/** Reads the text of an answer as an envelope and decodes its result. */
export const readAnswer = <A, I>(baseUrl: string, path: string, status: number, text: string, result: Schema.Schema<A, I>): Effect.Effect<A, TrackerError> => {
  const envelope = decodeEnvelope(text)
  if (Either.isLeft(envelope)) {
    return Effect.fail(new TrackerError({
      message: `the Tracker at ${baseUrl} answered ${path} with HTTP ${status} and no Tracker envelope${status === 404 ? ": this runtime does not serve that endpoint" : ""}`
    }))
  }
  if (envelope.right.status === "failure") {
    return Effect.fail(new TrackerError({ message: `the Tracker at ${baseUrl} refused ${path}: ${envelope.right.message}` }))
  }
  return Schema.decodeUnknown(result)(envelope.right.result).pipe(
    Effect.mapError((e) => new TrackerError({ message: `the Tracker at ${baseUrl} answered ${path} in an unexpected shape, ${firstIssue(e)}` }))
  )
}

/** A client of the Tracker at `baseUrl`. */
export const make = (baseUrl: string): Effect.Effect<TrackerClient, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (http) => ({
    baseUrl,
    get: (path, params, result) =>
      http.execute(HttpClientRequest.get(urlOf(baseUrl, path, params))).pipe(
        Effect.flatMap((res) => Effect.map(res.text, (text) => ({ status: res.status, text }))),
        Effect.scoped,
        Effect.timeoutFail({
          duration: TIMEOUT,
          onTimeout: () => new TrackerError({ message: `the runtime at ${baseUrl} did not answer ${path} within ${Duration.format(TIMEOUT)}` })
        }),
        Effect.catchTags({
          RequestError: (e) => Effect.fail(new TrackerError({ message: `cannot reach the runtime at ${baseUrl}: ${e.message}` })),
          ResponseError: (e) => Effect.fail(new TrackerError({ message: `the runtime at ${baseUrl} answered ${path} unreadably: ${e.message}` }))
        }),
        Effect.flatMap(({ status, text }) => readAnswer(baseUrl, path, status, text, result))
      )
  }))
