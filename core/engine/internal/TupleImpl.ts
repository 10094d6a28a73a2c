/**
 * A received tuple, with its acking state: the roots it belongs to (per root: spoutTask, rootHi,
 * rootLo, valHi, valLo; the first inline, the others flattened in `more`) and the XOR of the edge
 * ids of the tuples anchored to it since (`outHi`, `outLo`), sent with its ack.
 */
import { SYSTEM_COMPONENT, TICK_STREAM, type Tuple, type Values } from "../../topology/Api.js"
import { get32, getI32 } from "./ByteWriter.js"
import { decodeValues } from "./Codec.js"
import { DATA_NROOTS, DATA_ROOTS, ROOT_BYTES } from "./Frames.js"

/** A stream as receivers see it: its component, name, fields, and each field's index. */
export interface StreamInfo {
  /** Index in the topology's stream table; -1 for tick tuples. */
  readonly id: number
  readonly component: string
  readonly stream: string
  readonly fields: ReadonlyArray<string>
  readonly index: ReadonlyMap<string, number>
}

/** Describes stream `id` of the topology's stream table. */
export const streamInfo = (id: number, component: string, stream: string, fields: ReadonlyArray<string>): StreamInfo => ({
  id,
  component,
  stream,
  fields,
  index: new Map(fields.map((f, i) => [f, i]))
})

const TICK_INFO = streamInfo(-1, SYSTEM_COMPONENT, TICK_STREAM, [])
const NO_ROOTS: ReadonlyArray<number> = []

/** The `Tuple` bolts receive; `get` looks a field up by its declared name. */
export class TupleImpl implements Tuple {
  outHi = 0
  outLo = 0
  /** When `execute` began, for the tuples whose latency is sampled (0 otherwise). */
  executedAt = 0

  /**
   * Root fields are signed 32-bit integers (small integers to V8: no heap number per field). Most
   * tracked tuples have exactly one root: it is kept in fields of the tuple (`task0` ... `valLo0`),
   * not in an array of its own, which cost an allocation per tuple; any further roots are in
   * `more`, five numbers each.
   */
  constructor(
    readonly info: StreamInfo,
    readonly sourceTask: number,
    readonly values: Values,
    /** How many roots the tuple has (0: untracked). */
    readonly rootCount: number,
    readonly task0: number,
    readonly hi0: number,
    readonly lo0: number,
    readonly valHi0: number,
    readonly valLo0: number,
    readonly more: ReadonlyArray<number>,
    readonly isTick = false
  ) {}

  get sourceComponent(): string {
    return this.info.component
  }

  get stream(): string {
    return this.info.stream
  }

  get fields(): ReadonlyArray<string> {
    return this.info.fields
  }

  /** Every root, flattened (five numbers per root); built on each call, for inspection. */
  get roots(): ReadonlyArray<number> {
    return this.rootCount === 0 ? NO_ROOTS : [this.task0, this.hi0, this.lo0, this.valHi0, this.valLo0, ...this.more]
  }

  get(field: string): unknown {
    const i = this.info.index.get(field)
    if (i === undefined) throw new Error(`stream ${this.info.component}/${this.info.stream} has no field "${field}" (fields: ${this.info.fields.join(", ")})`)
    return this.values[i]
  }
}

/** A tick tuple (stream `__tick` of component `__system`). */
export const tickTuple = (): TupleImpl => new TupleImpl(TICK_INFO, -1, [], 0, 0, 0, 0, 0, 0, NO_ROOTS, true)

/** Decodes the DATA frame at `start` of `buf` (see Frames.ts); undefined for an unknown stream.
 * Roots are copied out: the batch's memory is reused once it is consumed, and a bolt may ack later. */
export const readData = (buf: Buffer, start: number, streams: ReadonlyArray<StreamInfo>): TupleImpl | undefined => {
  const info = streams[buf[start + 13]! | (buf[start + 14]! << 8)]
  if (info === undefined) return undefined
  const n = buf[start + DATA_NROOTS]!
  const values = decodeValues(buf, start + DATA_ROOTS + n * ROOT_BYTES)
  const src = get32(buf, start + 9)
  if (n === 0) return new TupleImpl(info, src, values, 0, 0, 0, 0, 0, 0, NO_ROOTS)
  const o = start + DATA_ROOTS
  let more = NO_ROOTS
  if (n > 1) {
    const r = new Array<number>((n - 1) * 5)
    for (let i = 0; i < r.length; i++) r[i] = getI32(buf, o + ROOT_BYTES + i * 4)
    more = r
  }
  return new TupleImpl(info, src, values, n, getI32(buf, o), getI32(buf, o + 4), getI32(buf, o + 8), getI32(buf, o + 12), getI32(buf, o + 16), more)
}
