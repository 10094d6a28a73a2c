/**
 * A `multipart/form-data` body of text fields and one file, streamed from disk (never held in
 * memory) with its exact length, so that the server can refuse an oversized upload at once and the
 * CLI can report how much was sent.
 */
import { FileSystem } from "@effect/platform"
import { Effect, Stream } from "effect"
import { randomBytes } from "node:crypto"

/** The file part. */
export interface FilePart {
  readonly field: string
  readonly filename: string
  readonly path: string
  readonly size: number
  readonly contentType: string
}

/** A body ready for `HttpClientRequest.bodyStream`. */
export interface Body {
  readonly stream: Stream.Stream<Uint8Array, unknown>
  readonly contentType: string
  readonly contentLength: number
}

const encoder = new TextEncoder()
const quoted = (s: string) => s.replace(/["\r\n\\]/g, "_")

/**
 * The body for `fields` (repeated names allowed) then `file`; `onSent` is called with the file
 * bytes sent so far, after each chunk.
 */
export const make = (
  fields: ReadonlyArray<readonly [string, string]>,
  file: FilePart,
  onSent: (bytes: number) => Effect.Effect<void>
): Effect.Effect<Body, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const boundary = `heron-${randomBytes(16).toString("hex")}`
    const head = encoder.encode(
      fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`).join("") +
        `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(file.field)}"; filename="${quoted(file.filename)}"\r\n` +
        `Content-Type: ${file.contentType}\r\n\r\n`
    )
    const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
    const content = fs.stream(file.path, { chunkSize: FileSystem.KiB(64) }).pipe(
      Stream.mapAccumEffect(0, (sent, chunk) => Effect.as(onSent(sent + chunk.length), [sent + chunk.length, chunk] as const))
    )
    return {
      stream: Stream.make(head).pipe(Stream.concat(content), Stream.concat(Stream.make(tail))),
      contentType: `multipart/form-data; boundary=${boundary}`,
      contentLength: head.length + file.size + tail.length
    }
  })
