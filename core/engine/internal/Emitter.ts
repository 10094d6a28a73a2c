/**
 * Writes an instance's emitted tuples as DATA frames, one per destination task, with their acking
 * roots. Values are encoded once and copied per destination. Plain TypeScript: this is the hot path.
 */
import type { Values } from "../../topology/Api.js"
import { ByteWriter, put32 } from "./ByteWriter.js"
import type { Outbox } from "./Outbox.js"
import { encodeValues } from "./Codec.js"
import { AckOp, DATA_ROOTS, HEADER, Kind, rand32, ROOT_BYTES, rootHiOf, rootLoOf } from "./Frames.js"
import { chooseTasks, EmitError, type Route } from "./Routes.js"
import type { TupleImpl } from "./TupleImpl.js"

const MAX_ROOTS = 255

/** `[task]`, frozen, by task id (see `taken`). */
const singles: Array<ReadonlyArray<number> | undefined> = []

/** The frame writer of one instance; `routes` is replaced when the plan changes. */
export class Emitter {
  private readonly scratch = new ByteWriter(4096)
  /** Roots of the tuple being written, five numbers each (see TupleImpl); `nr` numbers are used.
   * Counters instead of `length = 0`: truncating an array is slow in V8. */
  private readonly roots: Array<number> = []
  private nr = 0
  /** Destination tasks of the tuple being written; `nt` are used. */
  private readonly tasks: Array<number> = []
  private nt = 0
  private readonly collect = (t: number) => {
    this.tasks[this.nt++] = t
  }

  constructor(
    readonly outs: Outbox,
    readonly taskId: number,
    readonly component: string,
    public routes: ReadonlyMap<string, Route>
  ) {}

  /** Resolves the route and the destination tasks, and encodes the values into the scratch buffer. */
  private prepare(stream: string, values: Values, directTask: number | undefined): Route {
    const route = this.routes.get(stream)
    if (route === undefined) throw new EmitError(`${this.component} emits on undeclared stream "${stream}"`)
    if (values.length !== route.fields.length) {
      throw new EmitError(`${this.component} emits ${values.length} values on "${stream}", which declares ${route.fields.length} (${route.fields.join(", ")})`)
    }
    this.nt = 0
    for (const sub of route.subscribers) chooseTasks(sub, values, directTask, this.collect)
    this.scratch.len = 0
    encodeValues(this.scratch, values)
    return route
  }

  private writeData(dest: number, streamId: number, nRoots: number): void {
    const w = this.outs.data(dest)
    const body = 7 + nRoots * ROOT_BYTES + this.scratch.len
    w.ensure(HEADER + body)
    const b = w.buf
    let o = w.len
    put32(b, o, HEADER - 4 + body)
    put32(b, o + 4, dest)
    b[o + 8] = Kind.DATA
    put32(b, o + 9, this.taskId)
    b[o + 13] = streamId
    b[o + 14] = streamId >>> 8
    b[o + 15] = nRoots
    o += DATA_ROOTS
    const r = this.roots
    for (let i = 0; i < nRoots * 5; i++, o += 4) put32(b, o, r[i]!)
    w.len = o
    w.bytes(this.scratch.buf, 0, this.scratch.len)
    this.outs.check(w)
  }

  /** The tasks of the tuple just written, as `emit` returns them. A tuple for one task (most
   * groupings) gets a shared frozen array: no allocation per emit. */
  private taken(): ReadonlyArray<number> {
    if (this.nt === 1) {
      const t = this.tasks[0]!
      return (singles[t] ??= Object.freeze([t]))
    }
    return this.tasks.slice(0, this.nt)
  }

  /** An untracked tuple (at-most-once, or no message id / no anchors). Returns the tasks. */
  emitUnanchored(stream: string, values: Values, directTask: number | undefined): ReadonlyArray<number> {
    const route = this.prepare(stream, values, directTask)
    for (let i = 0; i < this.nt; i++) this.writeData(this.tasks[i]!, route.streamId, 0)
    return this.taken()
  }

  /** A spout tuple tracked under root `rootKey`: each copy gets an edge id, and the XOR of them
   * all opens the root at this task's stream manager (an INIT entry). No destination: nothing opens. */
  emitRooted(stream: string, values: Values, directTask: number | undefined, rootKey: number): ReadonlyArray<number> {
    const route = this.prepare(stream, values, directTask)
    const hi = rootHiOf(rootKey)
    const lo = rootLoOf(rootKey)
    let xHi = 0
    let xLo = 0
    const r = this.roots
    for (let i = 0; i < this.nt; i++) {
      const eHi = rand32()
      const eLo = rand32() | 1 // never a zero edge
      xHi ^= eHi
      xLo ^= eLo
      r[0] = this.taskId
      r[1] = hi
      r[2] = lo
      r[3] = eHi
      r[4] = eLo
      this.writeData(this.tasks[i]!, route.streamId, 1)
    }
    if (this.nt > 0) this.outs.ack(this.taskId, AckOp.INIT, hi, lo, xHi, xLo)
    return this.taken()
  }

  /** A bolt tuple anchored to `anchors`: per copy, a fresh edge id per anchor, XORed into the
   * anchor's out value and into each of the anchor's roots. */
  emitAnchored(stream: string, values: Values, directTask: number | undefined, anchors: ReadonlyArray<TupleImpl>): ReadonlyArray<number> {
    const route = this.prepare(stream, values, directTask)
    for (let i = 0; i < this.nt; i++) {
      this.nr = 0
      for (let j = 0; j < anchors.length; j++) {
        const a = anchors[j]!
        if (a.rootCount === 0) continue
        const eHi = rand32()
        const eLo = rand32() | 1
        a.outHi ^= eHi
        a.outLo ^= eLo
        this.mergeRoot(a.task0, a.hi0, a.lo0, eHi, eLo)
        const m = a.more
        for (let k = 0; k < m.length; k += 5) this.mergeRoot(m[k]!, m[k + 1]!, m[k + 2]!, eHi, eLo)
      }
      const n = this.nr / 5
      if (n > MAX_ROOTS) throw new EmitError(`a tuple may belong to at most ${MAX_ROOTS} spout tuples, got ${n}`)
      this.writeData(this.tasks[i]!, route.streamId, n)
    }
    return this.taken()
  }

  /** Adds an edge to root (task, hi, lo) of the tuple being written, or the root itself. */
  private mergeRoot(task: number, hi: number, lo: number, vHi: number, vLo: number): void {
    const r = this.roots
    for (let i = 0; i < this.nr; i += 5) {
      if (r[i + 1] === hi && r[i + 2] === lo && r[i] === task) {
        r[i + 3] = r[i + 3]! ^ vHi
        r[i + 4] = r[i + 4]! ^ vLo
        return
      }
    }
    r[this.nr] = task
    r[this.nr + 1] = hi
    r[this.nr + 2] = lo
    r[this.nr + 3] = vHi
    r[this.nr + 4] = vLo
    this.nr += 5
  }
}
