/**
 * Reads a small request body (JSON, or a URL-encoded form with the same keys, as Heron's clients
 * send) within `MAX_JSON_BYTES`, and decodes it with a schema. Fails with the reason, one line:
 * the size over the limit, malformed JSON, an unknown key, a value of the wrong type.
 */
import { HttpIncomingMessage, type HttpServerRequest } from "@effect/platform"
import { Effect, Option, ParseResult, Schema } from "effect"
import { formatBytes, MAX_JSON_BYTES } from "./Limits.js"

const formRecord = (text: string): Record<string, string | Array<string>> => {
  const out: Record<string, string | Array<string>> = {}
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

/** The body of `request` decoded with `schema`; an empty body is `{}`. */
export const read = <A, I>(request: HttpServerRequest.HttpServerRequest, schema: Schema.Schema<A, I>): Effect.Effect<A, string> =>
  Effect.gen(function*() {
    const length = Number(request.headers["content-length"])
    if (Number.isFinite(length) && length > MAX_JSON_BYTES) {
      return yield* Effect.fail(`the request body of ${formatBytes(length)} is over the limit of ${formatBytes(MAX_JSON_BYTES)}`)
    }
    const text = yield* request.text.pipe(
      HttpIncomingMessage.withMaxBodySize(Option.some(MAX_JSON_BYTES)),
      Effect.mapError(() => `cannot read the request body (at most ${formatBytes(MAX_JSON_BYTES)})`)
    )
    const type = (request.headers["content-type"] ?? "").toLowerCase().split(";")[0]?.trim() ?? ""
    const raw: unknown = text.trim() === ""
      ? {}
      : type === "application/x-www-form-urlencoded"
      ? formRecord(text)
      : type === "application/json" || type === ""
      ? yield* Effect.try({ try: (): unknown => JSON.parse(text), catch: () => "malformed JSON body" })
      : yield* Effect.fail(`expected an application/json or application/x-www-form-urlencoded body, got ${type}`)
    return yield* Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "error" })(raw).pipe(
      Effect.mapError((e) =>
        ParseResult.ArrayFormatter.formatErrorSync(e).slice(0, 4).map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "))
    )
  })
