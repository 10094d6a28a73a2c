/**
 * Reads the multipart form of a submit within the limits (`Limits`), and checks its package: every
 * malformed, oversized or incomplete form is refused with 400 and the reason. The package is kept
 * in a temporary folder for the enclosing scope; nothing of it is run.
 */
import { FileSystem, type HttpServerRequest, Multipart, type Path } from "@effect/platform"
import { Effect, Option, ParseResult, Schema, type Scope } from "effect"
import * as tar from "tar"
import { BUNDLE_FILE } from "../package/Package.js"
import { formatBytes, MAX_JSON_BYTES, MAX_PACKAGE_BYTES, MAX_PARTS, MAX_SUBMIT_BYTES } from "./Limits.js"

/** Why a form was refused (400), or that the server could not store it (500). */
export type FormProblem = { readonly _tag: "Bad"; readonly message: string } | { readonly _tag: "Failed"; readonly message: string }

const bad = (message: string): FormProblem => ({ _tag: "Bad", message })

const Flag = Schema.transform(Schema.Literal("true", "false", "1", "0", ""), Schema.Boolean, {
  strict: true,
  decode: (s) => s === "true" || s === "1" || s === "",
  encode: (b) => (b ? "true" : "false")
})

const Fields = Schema.Struct({
  name: Schema.String,
  definition: Schema.String,
  topology: Multipart.SingleFileSchema,
  config_property: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String))),
  deploy_deactivated: Schema.optional(Flag),
  user: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/))),
  timeout: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 600))),
  dry_run: Schema.optional(Flag)
})

/** A submit form, read and checked. */
export interface SubmitFields {
  readonly name: string
  /** JSON text of the topology's definition (decoded by `Definition.decode`). */
  readonly definition: string
  /** The package on the server's disk, and its size. */
  readonly packageFile: string
  readonly packageBytes: number
  readonly properties: ReadonlyArray<string>
  readonly deployDeactivated: boolean
  readonly user: Option.Option<string>
  readonly timeoutSecs: Option.Option<number>
  readonly dryRun: boolean
}

const multipartProblem = (e: Multipart.MultipartError): FormProblem => {
  switch (e.reason) {
    case "FileTooLarge":
      return bad(`the package is over the limit of ${formatBytes(MAX_PACKAGE_BYTES)}`)
    case "FieldTooLarge":
      return bad(`a form field is over the limit of ${formatBytes(MAX_JSON_BYTES)}`)
    case "BodyTooLarge":
      return bad(`the request body is over the limit of ${formatBytes(MAX_SUBMIT_BYTES)}`)
    case "TooManyParts":
      return bad(`the form has more than ${MAX_PARTS} parts`)
    case "Parse":
      return bad("malformed multipart body")
    case "InternalError":
      return { _tag: "Failed", message: "the server could not store the upload" }
  }
}

/** Refuses a package that is not a gzipped tar holding `topology.mjs` (read, never extracted). */
const checkPackage = (file: string): Effect.Effect<void, FormProblem> =>
  Effect.gen(function*() {
    const entries: Array<string> = []
    yield* Effect.tryPromise({
      try: () => tar.list({ file, strict: true, onReadEntry: (e) => { entries.push(e.path) } }),
      catch: () => bad("the topology part is not a topology package: expected a tar.gz")
    })
    if (!entries.includes(BUNDLE_FILE)) return yield* Effect.fail(bad(`the topology part is not a topology package: no ${BUNDLE_FILE} inside`))
  })

/**
 * Reads and checks the form of `request`: `multipart/form-data`, within the limits, with exactly
 * the known fields (`name`, `definition`, `topology` required), and a package that lists as one.
 */
export const read = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<SubmitFields, FormProblem, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function*() {
    const type = (request.headers["content-type"] ?? "").toLowerCase()
    if (!type.startsWith("multipart/form-data")) {
      return yield* Effect.fail(bad(`expected a multipart/form-data body (fields name, definition, topology), got ${type === "" ? "none" : type.split(";")[0]}`))
    }
    const length = Number(request.headers["content-length"])
    if (Number.isFinite(length) && length > MAX_SUBMIT_BYTES) {
      return yield* Effect.fail(bad(`the request body of ${formatBytes(length)} is over the limit of ${formatBytes(MAX_SUBMIT_BYTES)}`))
    }
    const persisted = yield* Multipart.withLimits(request.multipart, {
      maxParts: Option.some(MAX_PARTS),
      maxFieldSize: MAX_JSON_BYTES,
      maxFileSize: Option.some(MAX_PACKAGE_BYTES),
      maxTotalSize: Option.some(MAX_SUBMIT_BYTES)
    }).pipe(Effect.mapError(multipartProblem))
    const fields = yield* Schema.decodeUnknown(Fields, { errors: "all", onExcessProperty: "error" })(persisted).pipe(
      Effect.mapError((e) =>
        bad(`bad submit form: ${ParseResult.ArrayFormatter.formatErrorSync(e).slice(0, 4).map((i) => `${i.path.join(".") || "form"}: ${i.message}`).join("; ")}`))
    )
    yield* checkPackage(fields.topology.path)
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(fields.topology.path).pipe(
      Effect.mapError((): FormProblem => ({ _tag: "Failed", message: "the server could not read the upload" }))
    )
    const properties = fields.config_property === undefined ? [] : typeof fields.config_property === "string" ? [fields.config_property] : fields.config_property
    return {
      name: fields.name,
      definition: fields.definition,
      packageFile: fields.topology.path,
      packageBytes: Number(info.size),
      properties,
      deployDeactivated: fields.deploy_deactivated ?? false,
      user: Option.fromNullable(fields.user),
      timeoutSecs: Option.fromNullable(fields.timeout),
      dryRun: fields.dry_run ?? false
    }
  })
