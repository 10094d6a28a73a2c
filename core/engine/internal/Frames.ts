/**
 * The data-plane frame format, shared by instances, stream managers and the wire between stream
 * managers. Every frame starts with a small fixed header, so that a stream manager routes it by
 * destination task without looking at the payload:
 *
 * ```
 * u32 length      bytes after this field
 * u32 destTask    0 = addressed to the stream manager itself (control)
 * u8  kind
 * ... body        per kind, below
 * ```
 *
 * - DATA: `u32 srcTask, u16 stream, u8 nRoots, nRoots × (u32 spoutTask, u32 rootHi, u32 rootLo,
 *   u32 valHi, u32 valLo)`, then the values (see Codec.ts).
 * - ACKS (to a spout's task, handled by its stream manager): `u32 n`, then n acking entries of
 *   `u8 op, u32 rootHi, u32 rootLo, u32 xorHi, u32 xorLo`, applied in order. `op` (AckOp) is
 *   INIT (opens the root with the XOR of its first edges), XOR (XORs acks into the root) or FAIL
 *   (fails the root; XOR zero). Instances write one per spout task and batch (see AckRun.ts),
 *   so a stream manager routes acking work per batch, not per ack, and applies it in one pass.
 * - ACKED / FAILED (stream manager to the spout instance): `u32 rootHi, u32 rootLo, u8 reason`.
 * - HELLO / BP_START / BP_STOP (control, destTask 0): `u32 containerIndex`.
 * - ROUTE (control, destTask 0, first frame of a batch from an instance): `u32 containerIndex`;
 *   the rest of the batch goes to that container's stream manager as is (see Outbox.ts).
 * - RUN (to a task): `u32 tuples`, then that many DATA frames, all for the same task, whole.
 *   Instances write one per destination task; a stream manager forwards it as any frame, and the
 *   task's stream manager hands its body (the DATA frames) to the instance in one piece.
 *
 * Integers are little-endian. Root ids are 53-bit (hi has 21 bits) so they key a JS Map exactly;
 * XOR values are full 64-bit (hi, lo).
 */
import { randomFillSync } from "node:crypto"
import { get32, put32, type ByteWriter } from "./ByteWriter.js"

/** Bytes of the frame header (length, destination task, kind). */
export const HEADER = 9
/** Frame kinds (see the layout above). */
export const Kind = {
  DATA: 1,
  // 2-4: the single acking frames of earlier versions, now entries of ACKS frames (AckOp).
  ACKED: 5,
  FAILED: 6,
  HELLO: 10,
  BP_START: 11,
  BP_STOP: 12,
  ROUTE: 13,
  RUN: 14,
  ACKS: 15
} as const

/** The operations of the entries of an ACKS frame (see the layout above). */
export const AckOp = { INIT: 1, XOR: 2, FAIL: 3 } as const

/** Why a root failed, in FAILED frames. */
export const FailReason = { EXPLICIT: 0, TIMEOUT: 1 } as const

/** Bytes of one root entry in a DATA frame. */
export const ROOT_BYTES = 20
/** Offset of `nRoots` in a DATA frame. */
export const DATA_NROOTS = 15
/** Offset of the first root entry in a DATA frame. */
export const DATA_ROOTS = 16

/** Bytes of a RUN frame before its DATA frames. */
export const RUN_HEAD = HEADER + 4
/** Bytes of an ACKS frame before its entries. */
export const ACKS_HEAD = HEADER + 4
/** Bytes of one entry of an ACKS frame. */
export const ACK_ENTRY = 17

/** Writes the header of a RUN frame of `bytes` bytes (header included) at `at`. */
export const writeRunHead = (b: Buffer, at: number, task: number, tuples: number, bytes: number): void => {
  put32(b, at, bytes - 4)
  put32(b, at + 4, task)
  b[at + 8] = Kind.RUN
  put32(b, at + 9, tuples)
}

/** Starts a frame; returns the offset of its length field, for `end`. */
export const begin = (w: ByteWriter, destTask: number, kind: number): number => {
  w.ensure(HEADER)
  const at = w.len
  w.buf.writeUInt32LE(destTask >>> 0, at + 4)
  w.buf[at + 8] = kind
  w.len += HEADER
  return at
}

/** Patches the length field of the frame started at `at`. */
export const end = (w: ByteWriter, at: number): void => {
  w.buf.writeUInt32LE(w.len - at - 4, at)
}

/** Writes an ACKED or FAILED frame for a spout task. */
export const writeOutcome = (w: ByteWriter, kind: number, spoutTask: number, rootHi: number, rootLo: number, reason: number): void => {
  const size = HEADER + 9
  w.ensure(size)
  const b = w.buf
  const o = w.len
  put32(b, o, size - 4)
  put32(b, o + 4, spoutTask)
  b[o + 8] = kind
  put32(b, o + 9, rootHi >>> 0)
  put32(b, o + 13, rootLo >>> 0)
  b[o + 17] = reason
  w.len += size
}

/** Writes the head of an ACKS frame of `entries` entries for `spoutTask` at `at` of `b`. */
export const writeAcksHead = (b: Uint8Array, at: number, spoutTask: number, entries: number): void => {
  put32(b, at, ACKS_HEAD - 4 + entries * ACK_ENTRY)
  put32(b, at + 4, spoutTask)
  b[at + 8] = Kind.ACKS
  put32(b, at + 9, entries)
}

/** Writes a control frame (HELLO, BP_START, BP_STOP, ROUTE) carrying a container index. */
export const writeControl = (w: ByteWriter, kind: number, container: number): void => {
  w.ensure(HEADER + 4)
  writeControlAt(w.buf, w.len, kind, container)
  w.len += HEADER + 4
}

/** Writes a control frame at `at` of `b`, over whatever is there. */
export const writeControlAt = (b: Buffer, at: number, kind: number, container: number): void => {
  put32(b, at, HEADER + 4 - 4)
  put32(b, at + 4, 0)
  b[at + 8] = kind
  put32(b, at + 9, container)
}

/** The root key of a (hi, lo) root id: exact, since hi has at most 21 bits. */
export const rootKey = (hi: number, lo: number): number => (hi & 0x1fffff) * 0x100000000 + (lo >>> 0)
export const rootHiOf = (key: number): number => Math.floor(key / 0x100000000)
export const rootLoOf = (key: number): number => key >>> 0

// Edge and root ids: xorshift128 with an additive output (the 32-bit analogue of the xorshift128+
// behind V8's Math.random), seeded from the OS per thread. The sum keeps the output nonlinear over
// GF(2): XORs of outputs of a purely linear generator can cancel out by construction, and a tuple
// tree completes when its edges' XOR is zero. Inlined, it costs a fraction of Math.random (a
// double per call, converted) on the anchored-emit hot path.
const seed = new Int32Array(4)
randomFillSync(seed)
let sx = seed[0]! | 1
let sy = seed[1]!
let sz = seed[2]!
let sw = seed[3]!

/** A random 32-bit integer, signed (a small integer to V8). */
export const rand32 = (): number => {
  const t = sx ^ (sx << 11)
  sx = sy
  sy = sz
  sz = sw
  sw = sw ^ (sw >>> 19) ^ t ^ (t >>> 8)
  return (sw + sy) | 0
}
/** A fresh random root key (53 bits). */
export const newRootKey = (): number => rootKey(rand32() & 0x1fffff, rand32())

/** Tuples in the frame at `start`: 1 for DATA, its count for a RUN, else 0. */
export const tuplesIn = (buf: Buffer, start: number): number => {
  const kind = buf[start + 8]
  return kind === Kind.DATA ? 1 : kind === Kind.RUN ? get32(buf, start + 9) : 0
}

/**
 * Calls `onFrame(buf, start, end)` for each complete frame in `buf[off, limit)`; returns the offset
 * of the first incomplete frame (== limit when all were complete). `start` is the frame's first
 * byte (its length field); `end` is one past its last byte.
 */
export const forEachFrame = (buf: Buffer, off: number, limit: number, onFrame: (buf: Buffer, start: number, end: number) => void): number => {
  let o = off
  while (limit - o >= 4) {
    const end = o + 4 + get32(buf, o)
    if (end > limit) break
    onFrame(buf, o, end)
    o = end
  }
  return o
}
