/**
 * What every API handler shares: the failures (messages redacted, so that no secret leaves the
 * runtime) and the JSON answer of a raw handler.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import type { RedactorService } from "../Redactor.js"
import { ApiBadRequest, ApiConflict, ApiFailed, ApiNotFound } from "./ApiErrors.js"

/** Failures with redacted messages. */
export interface Failures {
  readonly badRequest: (message: string) => Effect.Effect<never, ApiBadRequest>
  readonly notFound: (message: string) => Effect.Effect<never, ApiNotFound>
  readonly conflict: (message: string) => Effect.Effect<never, ApiConflict>
  readonly failed: (message: string) => Effect.Effect<never, ApiFailed>
}

/** {@link Failures} redacting with `redactor`. */
export const failures = (redactor: RedactorService): Failures => {
  const make = <E>(f: (message: string) => E) => (message: string) => Effect.flatMap(redactor.redact(message), (m) => Effect.fail(f(m)))
  return {
    badRequest: make((message) => new ApiBadRequest({ message })),
    notFound: make((message) => new ApiNotFound({ message })),
    conflict: make((message) => new ApiConflict({ message })),
    failed: make((message) => new ApiFailed({ message }))
  }
}

/** `value` encoded with `schema` as a JSON answer with `status` (a value of ours that does not
 * encode is a defect). */
export const json = <A, I>(schema: Schema.Schema<A, I>, value: A, status = 200): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.map(Effect.orDie(Schema.encode(schema)(value)), (body) => HttpServerResponse.unsafeJson(body, { status }))
