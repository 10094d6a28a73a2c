/**
 * A received tuple, with its acking state: the roots it belongs to (flattened, five numbers per
 * root: spoutTask, rootHi, rootLo, valHi, valLo) and the XOR of the edge ids of the tuples
 * anchored to it since (`outHi`, `outLo`), sent with its ack.
 */
import { SYSTEM_COMPONENT, TICK_STREAM, type Tuple, type Values } from "../../topology/Api.js"
import { get32 } from "./ByteWriter.js"
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

  constructor(
    readonly info: StreamInfo,
    readonly sourceTask: number,
    readonly values: Values,
    readonly roots: ReadonlyArray<number>,
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

  get(field: string): unknown {
    const i = this.info.index.get(field)
    if (i === undefined) throw new Error(`stream ${this.info.component}/${this.info.stream} has no field "${field}" (fields: ${this.info.fields.join(", ")})`)
    return this.values[i]
  }
}

/** A tick tuple (stream `__tick` of component `__system`). */
export const tickTuple = (): TupleImpl => new TupleImpl(TICK_INFO, -1, [], NO_ROOTS, true)

/** Decodes the DATA frame at `start` of `buf` (see Frames.ts); undefined for an unknown stream. */
export const readData = (buf: Buffer, start: number, streams: ReadonlyArray<StreamInfo>): TupleImpl | undefined => {
  const info = streams[buf[start + 13]! | (buf[start + 14]! << 8)]
  if (info === undefined) return undefined
  const n = buf[start + DATA_NROOTS]!
  let roots = NO_ROOTS
  if (n > 0) {
    // Copied out: the batch's memory is reused once it is consumed, and a bolt may ack later.
    const r = new Array<number>(n * 5)
    for (let i = 0; i < n * 5; i++) r[i] = get32(buf, start + DATA_ROOTS + i * 4)
    roots = r
  }
  const values = decodeValues(buf, start + DATA_ROOTS + n * ROOT_BYTES)
  return new TupleImpl(info, get32(buf, start + 9), values, roots)
}
