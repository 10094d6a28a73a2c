import { describe, expect, it } from "vitest"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { CodecError, decodeValues, encodeValues } from "../../core/engine/internal/Codec.js"

const viaFrame = (values: ReadonlyArray<unknown>): Array<unknown> => {
  const w = new ByteWriter(16)
  w.u8(0xee)
  encodeValues(w, values)
  const bytes = w.take()
  return decodeValues(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 1)
}

describe("tuple value codec", () => {
  it("round-trips primitives exactly", () => {
    const values = [
      "word", "", "héllo wörld ✓", "x".repeat(100_000), "日本語".repeat(20),
      0, 1, -1, 2147483647, -2147483648, 2147483648, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER,
      true, false, null, undefined, 12345678901234567890n
    ]
    const back = viaFrame(values)
    expect(back).toHaveLength(values.length)
    back.forEach((v, i) => expect(Object.is(v, values[i])).toBe(true))
  })

  it("round-trips bytes and JSON values", () => {
    const values = [new Uint8Array([1, 2, 3, 255]), { a: 1, b: ["x", { c: null }] }, [1, "two", 3]]
    expect(viaFrame(values)).toEqual(values)
  })

  it("round-trips no values", () => {
    expect(viaFrame([])).toEqual([])
  })

  it("grows its buffer past the initial size", () => {
    const w = new ByteWriter(4)
    encodeValues(w, ["a".repeat(1000), 7])
    expect(decodeValues(w.buf, 0)).toEqual(["a".repeat(1000), 7])
  })

  it("refuses values that have no encoding", () => {
    const w = new ByteWriter()
    expect(() => encodeValues(w, [() => 1])).toThrow(CodecError)
    expect(() => encodeValues(w, [Symbol("s")])).toThrow(CodecError)
    const cyclic: Record<string, unknown> = {}
    cyclic["self"] = cyclic
    expect(() => encodeValues(w, [cyclic])).toThrow(/cannot encode a tuple value as JSON/)
  })
})
