/**
 * Runs one spout: calls `nextTuple` while the topology is active, no backpressure is on and fewer
 * than `max.spout.pending` tuples are in flight (at-least-once), in bursts of at most ~2 ms, then
 * yields to the event loop (setImmediate). When `nextTuple` emits nothing it backs off (1 ms,
 * doubling to 16 ms) instead of spinning. ACKED / FAILED frames from the stream manager complete
 * tracked tuples: `ack(messageId)` / `fail(messageId)`, in slices of a few ms as a bolt's input
 * (SliceBudget.ts), so the spout's timers are not held up by a long run of acks.
 */
import type { Spout, SpoutCollector, SpoutEmitOptions, Values } from "../../topology/Api.js"
import { configKeys, DEFAULT_STREAM } from "../../topology/Api.js"
import { get32 } from "./ByteWriter.js"
import { FailReason, Kind, newRootKey, rootHiOf, rootLoOf } from "./Frames.js"
import { InstanceBase, type InstanceIdentity, type InstanceIO } from "./InstanceBase.js"
import { record, type Counter, type Latency } from "./InstanceMetrics.js"
import { PendingRoots } from "./PendingRoots.js"
import type { SliceBudget } from "./SliceBudget.js"
import type { PlanMessage } from "./WorkerProtocol.js"

interface Pending {
  messageId: unknown
  names: StreamNames
  at: number
}

/** The metrics of one output stream, looked up once. */
interface StreamNames {
  readonly ack: Counter
  readonly fail: Counter
  readonly complete: Latency
}

const BURST_MS = 2
const BURST_CALLS = 1024
const MAX_BACKOFF_MS = 16

/** Drives one spout; see the top of this file. */
export class SpoutRunner extends InstanceBase {
  private readonly spout: Spout
  private readonly pending = new PendingRoots<StreamNames>()
  /** What `pending.take` found; reused. */
  private readonly done: Pending = { messageId: undefined, names: { ack: { n: 0 }, fail: { n: 0 }, complete: { sum: 0, count: 0 } }, at: 0 }
  private readonly noTarget: Array<Pending> = []
  /** Batches of ACKED / FAILED frames not handled yet; the offset of the next frame in the first. */
  private readonly inbox: Array<Buffer> = []
  private inAt = 0
  private inputDue = false
  private opened = false
  private active = false
  private throttled = false
  private closing = false
  private running = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private immediate: ReturnType<typeof setImmediate> | undefined
  private backoff = 0
  private emitted = 0
  private maxPending = 0
  /** The clock, read once per `nextTuple` call (the emit time of tracked tuples). */
  private now = 0
  private readonly names = new Map<string, StreamNames>()

  private namesOf(stream: string): StreamNames {
    let n = this.names.get(stream)
    if (n === undefined) {
      const m = this.metrics
      n = { ack: m.counter(`__ack-count/${stream}`), fail: m.counter(`__fail-count/${stream}`), complete: m.latencyOf(`__complete-latency/${stream}`) }
      this.names.set(stream, n)
    }
    return n
  }

  constructor(id: InstanceIdentity, io: InstanceIO, spout: Spout, budget?: SliceBudget) {
    super(id, io, budget)
    this.spout = spout
  }

  /** Tuples emitted with a message id and not yet acked or failed. */
  get inFlight(): number {
    return this.pending.size
  }

  readonly collector: SpoutCollector = {
    emit: (values: Values, options?: SpoutEmitOptions) => {
      const stream = options?.stream ?? DEFAULT_STREAM
      const direct = options?.directTask
      this.emitted++
      this.countEmit(stream)
      let tasks: ReadonlyArray<number>
      if (this.reliable && options?.messageId !== undefined) {
        const key = newRootKey()
        tasks = this.emitter.emitRooted(stream, values, direct, key)
        if (tasks.length === 0) this.noTarget.push({ messageId: options.messageId, names: this.namesOf(stream), at: this.now })
        else this.pending.add(rootHiOf(key), rootLoOf(key), options.messageId, this.namesOf(stream), this.now)
      } else tasks = this.emitter.emitUnanchored(stream, values, direct)
      this.flushIfFull()
      return tasks
    },
    reportError: (e) => this.reportError(e)
  }

  private canEmit(): boolean {
    return this.opened && this.active && !this.throttled && !this.outputBlocked && !this.closing &&
      (this.maxPending <= 0 || !this.reliable || this.pending.size < this.maxPending)
  }

  onPlan(plan: PlanMessage): void {
    const first = this.plan === undefined
    this.applyPlan(plan)
    this.maxPending = this.configInt(configKeys.maxSpoutPending, 1000)
    if (first) {
      this.active = plan.active
      void this.open()
      return
    }
    if (this.opened && plan.active !== this.active) {
      this.active = plan.active
      this.guard(() => (plan.active ? this.spout.activate?.() : this.spout.deactivate?.()))
    }
    this.wake()
  }

  private async open(): Promise<void> {
    try {
      await this.spout.open?.(this.context(), this.collector)
    } catch (e) {
      return this.io.die(e)
    }
    this.opened = true
    this.startMetrics()
    this.flush()
    this.wake()
  }

  onThrottle(on: boolean): void {
    this.throttled = on
    this.wake()
  }

  protected resume(): void {
    this.wake()
  }

  onFrames(batch: Buffer): void {
    this.inbox.push(batch)
    if (this.inputDue) return
    this.inputDue = true
    // Once the event loop has taken the messages pending: their acks in one slice.
    setImmediate(this.takeInput)
  }

  /** Handles queued ACKED / FAILED frames until none is left or the slice's budget is spent
   * (then the rest waits a turn of the event loop), and reports each batch consumed when done. */
  private readonly takeInput = (): void => {
    this.inputDue = false
    if (this.closing) return
    const now = performance.now()
    const p = this.done
    this.budget.start()
    let spent = false
    for (let batch = this.inbox[0]; batch !== undefined; batch = this.inbox[0]) {
      let o = this.inAt
      while (!spent && batch.length - o >= 4) {
        const end = o + 4 + get32(batch, o)
        if (end > batch.length) break
        const kind = batch[o + 8]
        // Unknown roots completed before a restart, or timed out already.
        if ((kind === Kind.ACKED || kind === Kind.FAILED) && this.pending.take(get32(batch, o + 9), get32(batch, o + 13), p)) {
          if (kind === Kind.ACKED) this.acked(p, now)
          else this.failed(p, batch[o + 17] === FailReason.TIMEOUT)
        }
        o = end
        spent = this.budget.spent()
      }
      if (spent && batch.length - o >= 4) {
        this.inAt = o
        break
      }
      this.inbox.shift()
      this.inAt = 0
      this.consumed(batch)
      if (spent) break
    }
    if (this.inbox.length > 0 && !this.inputDue) {
      this.inputDue = true
      setImmediate(this.takeInput)
    }
    // Room was made in max.spout.pending: the next burst runs now rather than a turn later, and
    // its tuples go in the same message as the reports of the batches just handled.
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate)
      this.immediate = undefined
    }
    if (!this.running && this.timer === undefined && this.canEmit()) void this.burst()
    else {
      this.flush()
      this.wake()
    }
  }

  private acked(p: Pending, now: number): void {
    p.names.ack.n++
    record(p.names.complete, now - p.at)
    // No closure for `guard`: this runs per tracked tuple.
    if (this.spout.ack === undefined) return
    try {
      this.spout.ack(p.messageId)
    } catch (e) {
      this.io.die(e)
    }
  }

  private failed(p: Pending, timeout: boolean): void {
    p.names.fail.n++
    if (timeout) this.metrics.count("__timeout-count")
    this.guard(() => this.spout.fail?.(p.messageId))
  }

  /** Runs user code; a throw ends the instance. */
  private guard(f: () => void): void {
    try {
      f()
    } catch (e) {
      this.io.die(e)
    }
  }

  /** Schedules a burst when one can run and none is pending. */
  private wake(): void {
    if (this.running || this.immediate !== undefined || this.timer !== undefined || !this.canEmit()) return
    this.immediate = setImmediate(() => {
      this.immediate = undefined
      void this.burst()
    })
  }

  private async burst(): Promise<void> {
    if (!this.canEmit()) return
    this.running = true
    const t0 = performance.now()
    let calls = 0
    let any = false
    try {
      for (;;) {
        // One clock read per call: the emit time of tracked tuples and the end of the burst.
        const now = performance.now()
        if (calls > 0 && now - t0 > BURST_MS) break
        const before = this.emitted
        this.now = now
        const r = this.spout.nextTuple()
        if (r instanceof Promise) await r
        calls++
        while (this.noTarget.length > 0) this.acked(this.noTarget.shift()!, this.now)
        if (this.emitted === before) break
        any = true
        if (!this.canEmit() || calls >= BURST_CALLS) break
      }
    } catch (e) {
      this.running = false
      return this.io.die(e)
    }
    this.running = false
    this.flush()
    if (any) {
      this.backoff = 0
      this.wake()
    } else if (this.canEmit()) {
      this.backoff = Math.min(MAX_BACKOFF_MS, Math.max(1, this.backoff * 2))
      this.timer = setTimeout(() => {
        this.timer = undefined
        void this.burst()
      }, this.backoff)
    }
  }

  async stop(): Promise<void> {
    this.closing = true
    this.stopMetrics()
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    if (this.opened) await this.spout.close?.()
    this.reportMetrics()
    this.flush()
  }
}
