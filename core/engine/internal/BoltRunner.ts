/**
 * Runs one bolt: decodes the DATA frames of each batch into tuples and calls `execute` one tuple
 * at a time, in order (an async `execute` is awaited before the next tuple). Tick tuples
 * (`topology.tick.tuple.freq.secs`) join the same queue. The queue is executed in slices of a few
 * ms (SliceBudget.ts): between two slices the worker's event loop runs its timers and takes new
 * messages, so ticks, metrics reports and the bolt's own timers fire on time under a flood of
 * tuples. After each slice what the bolt emitted and acked is flushed; a batch is reported
 * consumed (the stream manager's backpressure accounting) once its last tuple was executed.
 */
import type { Bolt, BoltCollector, BoltEmitOptions, Tuple, Values } from "../../topology/Api.js"
import { configKeys, DEFAULT_STREAM } from "../../topology/Api.js"
import { AckBuffer } from "./AckBuffer.js"
import { get32 } from "./ByteWriter.js"
import { AckOp, Kind } from "./Frames.js"
import { InstanceBase, type InstanceIdentity, type InstanceIO } from "./InstanceBase.js"
import { record, type Counter, type Latency } from "./InstanceMetrics.js"
import type { SliceBudget } from "./SliceBudget.js"
import { readData, tickTuple, TupleImpl } from "./TupleImpl.js"
import type { PlanMessage } from "./WorkerProtocol.js"

/** The metrics of one input stream, looked up once. */
interface InputNames {
  readonly execute: Counter
  readonly latency: Latency
  /** Heron's `__process-latency`: from `execute` to `ack`/`fail` of the same tuple. */
  readonly process: Latency
  readonly ack: Counter
  readonly fail: Counter
}

const TICK = "tick"

/** Whether every anchor is a tuple this engine made (always, unless user code makes its own):
 * then the anchors go to the emitter as they are, not filtered into a new array per emit. */
const allOurs = (anchors: ReadonlyArray<Tuple>): anchors is ReadonlyArray<TupleImpl> => {
  for (let i = 0; i < anchors.length; i++) if (!(anchors[i] instanceof TupleImpl)) return false
  return true
}

/** Drives one bolt; see the top of this file. */
export class BoltRunner extends InstanceBase {
  private readonly bolt: Bolt
  private readonly queue: Array<Buffer | typeof TICK> = []
  /** The batch being executed, and the offset of its next frame. */
  private current: Buffer | undefined
  private at = 0
  /** A slice is due (setImmediate). */
  private scheduled = false
  private readonly names: Array<InputNames | undefined> = []
  private prepared = false
  private processing = false
  private closing = false
  private tickTimer: ReturnType<typeof setInterval> | undefined
  private executed = 0
  private readonly acks = new AckBuffer()

  protected override beforeFlush(): void {
    this.acks.writeTo(this.outs)
  }

  constructor(id: InstanceIdentity, io: InstanceIO, bolt: Bolt, budget?: SliceBudget) {
    super(id, io, budget)
    this.bolt = bolt
  }

  private namesOf(streamId: number): InputNames {
    let n = this.names[streamId]
    if (n === undefined) {
      const s = this.streams[streamId]
      const key = s === undefined ? `unknown/${streamId}` : `${s.component}/${s.stream}`
      const m = this.metrics
      n = {
        execute: m.counter(`__execute-count/${key}`), latency: m.latencyOf(`__execute-latency/${key}`),
        process: m.latencyOf(`__process-latency/${key}`), ack: m.counter(`__ack-count/${key}`), fail: m.counter(`__fail-count/${key}`)
      }
      this.names[streamId] = n
    }
    return n
  }

  private readonly tickNames: InputNames = {
    execute: this.metrics.counter("__execute-count/__system/__tick"), latency: this.metrics.latencyOf("__execute-latency/__system/__tick"),
    process: { sum: 0, count: 0 }, ack: { n: 0 }, fail: { n: 0 }
  }

  readonly collector: BoltCollector = {
    emit: (values: Values, options?: BoltEmitOptions) => {
      const stream = options?.stream ?? DEFAULT_STREAM
      this.countEmit(stream)
      const anchors = options?.anchors
      const tasks = this.reliable && anchors !== undefined && anchors.length > 0
        ? this.emitter.emitAnchored(stream, values, options?.directTask, allOurs(anchors) ? anchors : anchors.filter((a) => a instanceof TupleImpl))
        : this.emitter.emitUnanchored(stream, values, options?.directTask)
      this.flushIfFull()
      return tasks
    },
    ack: (input: Tuple) => {
      if (!(input instanceof TupleImpl) || input.isTick) return
      const names = this.namesOf(input.info.id)
      names.ack.n++
      if (input.executedAt > 0) record(names.process, performance.now() - input.executedAt)
      this.acks.add(input)
    },
    fail: (input: Tuple) => {
      if (!(input instanceof TupleImpl) || input.isTick) return
      const names = this.namesOf(input.info.id)
      names.fail.n++
      if (input.executedAt > 0) record(names.process, performance.now() - input.executedAt)
      if (input.rootCount === 0) return
      this.failRoot(input.task0, input.hi0, input.lo0)
      const m = input.more
      for (let k = 0; k < m.length; k += 5) this.failRoot(m[k]!, m[k + 1]!, m[k + 2]!)
    },
    reportError: (e) => this.reportError(e)
  }

  /** Root (hi, lo) of spout task `task` fails at once: acks of its tree combined since no longer matter. */
  private failRoot(task: number, hi: number, lo: number): void {
    this.acks.forget(hi, lo)
    this.outs.ack(task, AckOp.FAIL, hi, lo, 0, 0)
  }

  onPlan(plan: PlanMessage): void {
    const first = this.plan === undefined
    this.applyPlan(plan)
    if (first) void this.prepare()
  }

  private async prepare(): Promise<void> {
    try {
      await this.bolt.prepare?.(this.context(), this.collector)
    } catch (e) {
      return this.io.die(e)
    }
    this.prepared = true
    this.startMetrics()
    const tick = this.plan?.config[configKeys.tickFreqSecs]
    const secs = tick === undefined ? 0 : Number(tick)
    if (Number.isFinite(secs) && secs > 0) {
      this.tickTimer = setInterval(() => this.enqueue(TICK), secs * 1000)
    }
    this.flush()
    this.schedule()
  }

  onThrottle(): void {
    // Bolts keep executing under backpressure: only spouts stop.
  }

  protected resume(): void {
    this.schedule()
  }

  onFrames(batch: Buffer): void {
    this.enqueue(batch)
  }

  private enqueue(item: Buffer | typeof TICK): void {
    this.queue.push(item)
    this.schedule()
  }

  /** Runs a slice once the event loop has taken the messages pending (all of their batches go
   * in the slice, and what it emits in one flush), unless one is running or due. Timers due
   * meanwhile run first. */
  private schedule(): void {
    if (this.scheduled || this.processing || !this.prepared || this.closing || this.outputBlocked) return
    this.scheduled = true
    setImmediate(this.slice)
  }

  private readonly slice = (): void => {
    this.scheduled = false
    if (this.processing || this.closing) return
    this.processing = true
    this.budget.start()
    this.run()
  }

  /** Executes queued tuples until none is left or the slice's budget is spent. An async
   * `execute` is awaited, then the same slice goes on if its budget allows. */
  private run(): void {
    try {
      for (;;) {
        // Its stream manager is behind: the bolt waits (its input backs up, and so backpressure
        // reaches the spouts) rather than piling up what it emits.
        if (this.closing || this.outputBlocked) return this.endSlice()
        const t = this.nextTuple()
        if (t === undefined) return this.endSlice()
        const p = this.execute(t, t.isTick ? this.tickNames : this.namesOf(t.info.id))
        if (p !== undefined) {
          p.then(this.afterAsync, this.failed)
          return
        }
        if (this.budget.spent()) return this.endSlice()
      }
    } catch (e) {
      this.failed(e)
    }
  }

  private readonly afterAsync = (): void => {
    if (this.budget.spent()) this.endSlice()
    else this.run()
  }

  private readonly failed = (e: unknown): void => {
    this.processing = false
    this.io.die(e)
  }

  /** Flushes what the slice emitted and acked; the next slice runs after a turn of the event
   * loop (its timers first) if input is left. */
  private endSlice(): void {
    this.processing = false
    this.flush()
    if (this.current !== undefined || this.queue.length > 0) this.schedule()
  }

  /** The next tuple: from the batch being executed, else from the queue (a tick, or the first
   * tuple of the next batch). A batch is reported consumed once its last tuple was executed. */
  private nextTuple(): TupleImpl | undefined {
    for (;;) {
      const buf = this.current
      if (buf !== undefined) {
        const limit = buf.length
        while (limit - this.at >= 4) {
          const o = this.at
          this.at = o + 4 + get32(buf, o)
          if (buf[o + 8] === Kind.DATA) {
            const tuple = readData(buf, o, this.streams)
            if (tuple !== undefined) return tuple
          }
        }
        this.current = undefined
        this.consumed(buf)
      }
      const item = this.queue.shift()
      if (item === undefined) return undefined
      if (item === TICK) return tickTuple()
      this.current = item
      this.at = 0
    }
  }

  /** Executes one tuple. The latency is measured on one tuple in 16 (reading the clock twice per
   * tuple would cost more than many bolts' `execute`); the count is exact. */
  private execute(t: TupleImpl, names: InputNames): Promise<void> | undefined {
    const timed = (this.executed++ & 15) === 0
    const t0 = timed ? performance.now() : 0
    // The same sampled tuples give the process latency, once acked or failed.
    if (timed) t.executedAt = t0
    const r = this.bolt.execute(t)
    if (r instanceof Promise) {
      return r.then(() => {
        names.execute.n++
        if (timed) record(names.latency, performance.now() - t0)
        this.flushIfFull()
      })
    }
    names.execute.n++
    if (timed) record(names.latency, performance.now() - t0)
    this.flushIfFull()
    return undefined
  }

  async stop(): Promise<void> {
    this.closing = true
    this.stopMetrics()
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer)
    if (this.prepared) await this.bolt.cleanup?.()
    this.reportMetrics()
    this.flush()
  }
}
