/**
 * The binary codec of tuple values. Primitives (the common case: words, counts, ids) have a tag
 * byte and a fixed or length-prefixed body; anything else (plain objects, arrays, dates) goes as
 * JSON. Strings use a JS fast path for short ASCII, which beats a native call for small words.
 * Layout: `u16 count`, then per value `u8 tag` + body.
 */
import { get32, type ByteWriter } from "./ByteWriter.js"

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

/** Where decoding is in the buffer: one module-level cursor rather than an object per tuple
 * (decoding never re-enters itself). */
let pos = 0

const fcc = String.fromCharCode

/**
 * Reads a `u32`-length-prefixed UTF-8 string at `pos`, and moves past it. Short ASCII strings
 * (words, ids) are built from their bytes in JS: about half the cost of Buffer#toString, whose
 * argument handling and native call dominate for a few bytes (and the result hashes as fast).
 */
const readStr = (buf: Buffer): string => {
  const n = get32(buf, pos)
  const s = pos + 4
  const end = s + n
  pos = end
  if (n <= 8) {
    let ascii = true
    for (let i = s; i < end; i++) if (buf[i]! >= 0x80) { ascii = false; break }
    if (ascii) {
      switch (n) {
        case 0: return ""
        case 1: return fcc(buf[s]!)
        case 2: return fcc(buf[s]!, buf[s + 1]!)
        case 3: return fcc(buf[s]!, buf[s + 1]!, buf[s + 2]!)
        case 4: return fcc(buf[s]!, buf[s + 1]!, buf[s + 2]!, buf[s + 3]!)
        case 5: return fcc(buf[s]!, buf[s + 1]!, buf[s + 2]!, buf[s + 3]!, buf[s + 4]!)
        case 6: return fcc(buf[s]!, buf[s + 1]!, buf[s + 2]!, buf[s + 3]!, buf[s + 4]!, buf[s + 5]!)
        case 7: return fcc(buf[s]!, buf[s + 1]!, buf[s + 2]!, buf[s + 3]!, buf[s + 4]!, buf[s + 5]!, buf[s + 6]!)
        default: return fcc(buf[s]!, buf[s + 1]!, buf[s + 2]!, buf[s + 3]!, buf[s + 4]!, buf[s + 5]!, buf[s + 6]!, buf[s + 7]!)
      }
    }
  } else if (n < 32) {
    let ascii = true
    for (let i = s; i < end; i++) if (buf[i]! >= 0x80) { ascii = false; break }
    if (ascii) return buf.toString("latin1", s, end)
  }
  return buf.toString("utf8", s, end)
}

/** Decodes the values that `encodeValues` wrote at `off`. */
export const decodeValues = (buf: Buffer, off: number): Array<unknown> => {
  const n = buf[off]! | (buf[off + 1]! << 8)
  const out = new Array<unknown>(n)
  pos = off + 2
  for (let i = 0; i < n; i++) {
    const tag = buf[pos++]
    switch (tag) {
      case NULL: out[i] = null; break
      case UNDEFINED: out[i] = undefined; break
      case TRUE: out[i] = true; break
      case FALSE: out[i] = false; break
      case INT32: out[i] = get32(buf, pos) | 0; pos += 4; break
      case FLOAT64: out[i] = buf.readDoubleLE(pos); pos += 8; break
      case STRING: out[i] = readStr(buf); break
      case BIGINT: out[i] = BigInt(readStr(buf)); break
      case BYTES: {
        const len = get32(buf, pos)
        const start = pos + 4
        out[i] = new Uint8Array(buf.subarray(start, start + len))
        pos = start + len
        break
      }
      case JSON_VALUE: {
        const parsed: unknown = JSON.parse(readStr(buf))
        out[i] = parsed
        break
      }
      default:
        throw new CodecError(`unknown value tag ${String(tag)} at offset ${pos - 1}`)
    }
  }
  return out
}
