import { describe, expect, it } from "vitest"
import { AckRun } from "../../core/engine/internal/AckRun.js"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { FrameReader } from "../../core/engine/internal/FrameReader.js"
import {
  ACK_ENTRY, AckOp, ACKS_HEAD, begin, end, forEachFrame, Kind, newRootKey, rootHiOf, rootKey, rootLoOf, writeControl, writeOutcome
} from "../../core/engine/internal/Frames.js"

const sample = (): Buffer => {
  const w = new ByteWriter(8)
  const at = begin(w, 7, Kind.DATA)
  w.str("payload")
  end(w, at)
  const acks = new AckRun(3)
  acks.add(AckOp.XOR, 0x1fffff, 0xffffffff, 0x80000000, 1)
  acks.add(AckOp.FAIL, 1, 2, 0, 0)
  acks.writeTo(w)
  writeOutcome(w, Kind.FAILED, 5, 9, 10, 1)
  writeControl(w, Kind.BP_START, 2)
  const bytes = w.take()
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

const headers = (buf: Buffer, start: number, stop: number) => ({ len: stop - start, dest: buf.readUInt32LE(start + 4), kind: buf[start + 8] })

describe("frames", () => {
  it("carry destination and kind in a fixed header, and their bodies", () => {
    const buf = sample()
    const seen: Array<ReturnType<typeof headers>> = []
    const starts: Array<number> = []
    expect(forEachFrame(buf, 0, buf.length, (b, s, e) => {
      starts.push(s)
      seen.push(headers(b, s, e))
    })).toBe(buf.length)
    expect(seen.map((h) => [h.dest, h.kind])).toEqual([[7, Kind.DATA], [3, Kind.ACKS], [5, Kind.FAILED], [0, Kind.BP_START]])
    // ACKS body: the entry count, then per entry its op, root hi/lo and xor hi/lo, unsigned.
    const acks = starts[1]!
    expect(seen[1]!.len).toBe(ACKS_HEAD + 2 * ACK_ENTRY)
    expect(buf.readUInt32LE(acks + 9)).toBe(2)
    const [xor, fail] = [acks + ACKS_HEAD, acks + ACKS_HEAD + ACK_ENTRY]
    expect([buf[xor], buf.readUInt32LE(xor + 1), buf.readUInt32LE(xor + 5), buf.readUInt32LE(xor + 9), buf.readUInt32LE(xor + 13)])
      .toEqual([AckOp.XOR, 0x1fffff, 0xffffffff, 0x80000000, 1])
    expect([buf[fail], buf.readUInt32LE(fail + 1), buf.readUInt32LE(fail + 5)]).toEqual([AckOp.FAIL, 1, 2])
  })

  it("are reassembled from a stream cut at any byte", () => {
    const buf = sample()
    const whole: Array<string> = []
    forEachFrame(buf, 0, buf.length, (b, s, e) => whole.push(b.subarray(s, e).toString("hex")))
    for (let cut = 0; cut <= buf.length; cut++) {
      const got: Array<string> = []
      const reader = new FrameReader((b, s, e) => got.push(b.subarray(s, e).toString("hex")))
      reader.push(buf.subarray(0, cut))
      reader.push(buf.subarray(cut))
      expect(got).toEqual(whole)
      expect(reader.pending).toBe(0)
    }
    // One byte at a time.
    const got: Array<string> = []
    const reader = new FrameReader((b, s, e) => got.push(b.subarray(s, e).toString("hex")))
    for (let i = 0; i < buf.length; i++) reader.push(buf.subarray(i, i + 1))
    expect(got).toEqual(whole)
  })

  it("refuse a frame longer than the limit", () => {
    const reader = new FrameReader(() => {}, 1024)
    const big = Buffer.alloc(8)
    big.writeUInt32LE(4096, 0)
    expect(() => reader.push(big)).toThrow(/exceeds the limit/)
  })

  it("key roots exactly with 53 bits", () => {
    for (let i = 0; i < 1000; i++) {
      const key = newRootKey()
      expect(Number.isSafeInteger(key)).toBe(true)
      expect(rootKey(rootHiOf(key), rootLoOf(key))).toBe(key)
    }
  })
})
