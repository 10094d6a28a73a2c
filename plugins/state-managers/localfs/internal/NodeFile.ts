/**
 * The on-disk format of a node: one line of JSON (the header), a newline, then the payload bytes
 * verbatim. `head -1` shows who owns a node, `tail -n +2` shows its value.
 *
 * ```text
 * {"heron":"localfs/1"}                                        a persistent node
 * <payload>
 *
 * {"heron":"localfs/1","owner":{"pid":4242,"start":123456,"host":"h","token":"9f..."}}
 * <payload>                                                    an ephemeral node, or a lock (empty payload)
 * ```
 *
 * Unknown header keys are ignored, so later versions can add some without breaking readers.
 */
import { Either, Option, ParseResult, Schema } from "effect"
import { Owner } from "./Owner.js"

const Header = Schema.Struct({
  heron: Schema.Literal("localfs/1"),
  owner: Schema.optional(Owner)
})
const decodeHeader = Schema.decodeUnknownEither(Schema.parseJson(Header))

/** A decoded node file. */
export interface NodeFile {
  /** Set for ephemeral nodes and locks: the process the node lives with. */
  readonly owner: Option.Option<Owner>
  readonly payload: Uint8Array
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const NEWLINE = 0x0a

/** The bytes of a node file. */
export const encode = (payload: Uint8Array, owner: Option.Option<Owner>): Uint8Array => {
  const header = encoder.encode(
    JSON.stringify(Option.match(owner, { onNone: () => ({ heron: "localfs/1" }), onSome: (o) => ({ heron: "localfs/1", owner: o }) }))
  )
  const bytes = new Uint8Array(header.length + 1 + payload.length)
  bytes.set(header, 0)
  bytes[header.length] = NEWLINE
  bytes.set(payload, header.length + 1)
  return bytes
}

/** Decodes a node file; `Left` says why the bytes are not one. Only the header has to be complete:
 * callers that only need the owner may pass the first bytes of the file. */
export const decode = (bytes: Uint8Array): Either.Either<NodeFile, string> => {
  const end = bytes.indexOf(NEWLINE)
  if (end < 0) return Either.left("no header line")
  return decodeHeader(decoder.decode(bytes.subarray(0, end))).pipe(
    Either.mapLeft((e) => `bad header: ${ParseResult.TreeFormatter.formatErrorSync(e)}`),
    Either.map((h) => ({ owner: Option.fromNullable(h.owner), payload: bytes.subarray(end + 1) }))
  )
}

/** Byte-wise equality. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i])
