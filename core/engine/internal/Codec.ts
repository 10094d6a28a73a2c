/**
 * The binary codec of tuple values. Primitives (the common case: words, counts, ids) have a tag
 * byte and a fixed or length-prefixed body; anything else (plain objects, arrays, dates) goes as
 * JSON. Strings use a JS fast path for short ASCII, which beats a native call for small words.
 * Layout: `u16 count`, then per value `u8 tag` + body.
 */
import type { ByteWriter } from "./ByteWriter.js"

const NULL = 0
const UNDEFINED = 1
const TRUE = 2
const FALSE = 3
const INT32 = 4
const FLOAT64 = 5
const STRING = 6
const BIGINT = 7
const BYTES = 8
const JSON_VALUE = 9

/** Thrown when a value cannot be encoded (a function, a symbol, a cyclic object). */
export class CodecError extends Error {
  override readonly name = "CodecError"
}

/** Appends `values` to `w`. Throws `CodecError` for values that have no encoding. */
export const encodeValues = (w: ByteWriter, values: ReadonlyArray<unknown>): void => {
  const n = values.length
  if (n > 0xffff) throw new CodecError(`a tuple has at most 65535 values, got ${n}`)
  w.u16(n)
  for (let i = 0; i < n; i++) encodeValue(w, values[i])
}

const encodeValue = (w: ByteWriter, v: unknown): void => {
  switch (typeof v) {
    case "string":
      w.u8(STRING)
      w.str(v)
      return
    case "number":
      if ((v | 0) === v && !Object.is(v, -0)) {
        w.u8(INT32)
        w.i32(v)
      } else {
        w.u8(FLOAT64)
        w.f64(v)
      }
      return
    case "boolean":
      w.u8(v ? TRUE : FALSE)
      return
    case "undefined":
      w.u8(UNDEFINED)
      return
    case "bigint":
      w.u8(BIGINT)
      w.str(v.toString())
      return
    case "object":
      if (v === null) {
        w.u8(NULL)
        return
      }
      if (v instanceof Uint8Array) {
        w.u8(BYTES)
        w.u32(v.length)
        w.bytes(v)
        return
      }
      w.u8(JSON_VALUE)
      w.str(toJson(v))
      return
    default:
      throw new CodecError(`cannot send a ${typeof v} in a tuple`)
  }
}

const toJson = (v: object): string => {
  try {
    return JSON.stringify(v)
  } catch (e) {
    throw new CodecError(`cannot encode a tuple value as JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** Reads a `u32`-length-prefixed UTF-8 string at `off`; returns it and the next offset via `next`. */
const readStr = (buf: Buffer, off: number, next: { off: number }): string => {
  const n = buf.readUInt32LE(off)
  const start = off + 4
  const end = start + n
  next.off = end
  if (n < 32) {
    let ascii = true
    for (let i = start; i < end; i++) if (buf[i]! >= 0x80) { ascii = false; break }
    if (ascii) return buf.toString("latin1", start, end)
  }
  return buf.toString("utf8", start, end)
}

/** Decodes the values that `encodeValues` wrote at `off`. */
export const decodeValues = (buf: Buffer, off: number): Array<unknown> => {
  const n = buf.readUInt16LE(off)
  const out = new Array<unknown>(n)
  const pos = { off: off + 2 }
  for (let i = 0; i < n; i++) {
    const tag = buf[pos.off++]
    switch (tag) {
      case NULL: out[i] = null; break
      case UNDEFINED: out[i] = undefined; break
      case TRUE: out[i] = true; break
      case FALSE: out[i] = false; break
      case INT32: out[i] = buf.readInt32LE(pos.off); pos.off += 4; break
      case FLOAT64: out[i] = buf.readDoubleLE(pos.off); pos.off += 8; break
      case STRING: out[i] = readStr(buf, pos.off, pos); break
      case BIGINT: out[i] = BigInt(readStr(buf, pos.off, pos)); break
      case BYTES: {
        const len = buf.readUInt32LE(pos.off)
        const start = pos.off + 4
        out[i] = new Uint8Array(buf.subarray(start, start + len))
        pos.off = start + len
        break
      }
      case JSON_VALUE: {
        const parsed: unknown = JSON.parse(readStr(buf, pos.off, pos))
        out[i] = parsed
        break
      }
      default:
        throw new CodecError(`unknown value tag ${String(tag)} at offset ${pos.off - 1}`)
    }
  }
  return out
}
