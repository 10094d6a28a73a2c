/**
 * The UI's edge: components describe requests as effects over the typed clients ({@link Tracker},
 * {@link Control}), and {@link run} runs them on the browser's fetch, cancellable with an
 * `AbortSignal`, into a {@link Result} fit to render.
 */
import { FetchHttpClient } from "@effect/platform"
import { Effect, Either, Layer, ManagedRuntime, ParseResult, Predicate } from "effect"
import * as ControlClient from "./ControlClient.js"
import * as TrackerClient from "./TrackerClient.js"

const runtime = ManagedRuntime.make(Layer.merge(TrackerClient.layer, ControlClient.layer).pipe(Layer.provide(FetchHttpClient.layer)))

/** What the UI's edge provides to the effects it runs. */
export type Clients = TrackerClient.Tracker | ControlClient.Control

/** What a request came to: its value, or a message fit to show. */
export type Result<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Failed"; readonly message: string }

/** Any failure of a request, as one line: the server's own message when it sent one. */
export const describeError = (e: unknown): string => {
  if (Predicate.hasProperty(e, "message") && typeof e.message === "string" && e.message !== "" && !ParseResult.isParseError(e) &&
    !Predicate.isTagged(e, "RequestError") && !Predicate.isTagged(e, "ResponseError")) {
    return e.message
  }
  if (ParseResult.isParseError(e)) return `unexpected answer from the runtime: ${ParseResult.TreeFormatter.formatErrorSync(e).split("\n").slice(0, 3).join(" ")}`
  if (Predicate.isTagged(e, "RequestError")) return "cannot reach the runtime (is it running?)"
  if (Predicate.isTagged(e, "ResponseError") && Predicate.hasProperty(e, "response") && Predicate.hasProperty(e.response, "status")) {
    return `the runtime answered HTTP ${String(e.response.status)}`
  }
  return String(e)
}

/** The request was cancelled (the page moved on); nobody shows it. */
export class Cancelled extends Error {
  override readonly name = "Cancelled"
}

/** Runs an effect of the UI's edge into a {@link Result}; rejects with {@link Cancelled} only when `signal` aborts first. */
export const runEffect = <A, E>(effect: Effect.Effect<A, E, Clients>, signal?: AbortSignal): Promise<Result<A>> =>
  runtime.runPromise(Effect.either(effect), signal === undefined ? {} : { signal }).then(
    Either.match({
      onLeft: (e): Result<A> => ({ _tag: "Failed", message: describeError(e) }),
      onRight: (value): Result<A> => ({ _tag: "Ok", value })
    }),
    (e: unknown): Result<A> => {
      if (signal?.aborted === true) throw new Cancelled("cancelled")
      return { _tag: "Failed", message: describeError(e) }
    }
  )

/** The `result` of a Tracker answer (Heron's envelope: `{status, executiontime, message, result, tracker_version}`). */
export const result = <A, E, R>(answer: Effect.Effect<{ readonly result: A }, E, R>): Effect.Effect<A, E, R> => Effect.map(answer, (r) => r.result)

/** Runs one Tracker request: `run((t) => t.topologies.states({ urlParams: {} }), signal)`. */
export const run = <A, E>(request: (tracker: TrackerClient.TrackerClient) => Effect.Effect<A, E>, signal?: AbortSignal): Promise<Result<A>> =>
  runEffect(Effect.flatMap(TrackerClient.Tracker, request), signal)
