/**
 * What spout and bolt runners share: the output buffer and its flushing, the emitter and its
 * routes, the decoded stream table, the topology context, metrics and error reporting. Runners are
 * plain classes driven by messages (no Effect): they are the hot path of a worker thread.
 */
import type { BuiltTopology, ComponentDef, Metric, TopologyContext } from "../../topology/Api.js"
import { configKeys } from "../../topology/Api.js"
import { POOLED_MIN } from "./BufferPool.js"
import { Emitter } from "./Emitter.js"
import { InstanceMetrics, type Counter } from "./InstanceMetrics.js"
import { Outbox } from "./Outbox.js"
import { routesOf, streamTable } from "./Routes.js"
import { SliceBudget } from "./SliceBudget.js"
import { streamInfo, type StreamInfo } from "./TupleImpl.js"
import { toReport, type FromWorker, type PlanMessage } from "./WorkerProtocol.js"

/** How an instance talks to its stream manager. */
export interface InstanceIO {
  /** Sends a batch of frames: an exact-size buffer the callee may keep or transfer, unless
   * `copies`. */
  readonly send: (batch: Uint8Array<ArrayBuffer>) => void
  /** `send` copies the batch before it returns (into the instance's ring): it is lent a view of
   * the outbox's buffers, valid during the call only. */
  readonly copies?: boolean
  readonly control: (msg: FromWorker) => void
  /** A batch from the stream manager was processed: its memory may be reused (see Ring.ts). */
  readonly release?: (batch: Buffer) => void
  /** User code threw: report it and end the instance (the stream manager starts a new one). */
  readonly die: (error: unknown) => void
}

/** Who this instance is. */
export interface InstanceIdentity {
  readonly topology: BuiltTopology
  readonly component: ComponentDef
  readonly taskId: number
  readonly componentIndex: number
}

const intConfig = (config: Readonly<Record<string, string>>, key: string, fallback: number): number => {
  const raw = config[key]
  const n = raw === undefined ? NaN : Number(raw)
  return Number.isFinite(n) ? n : fallback
}

/** The base of SpoutRunner and BoltRunner. */
export abstract class InstanceBase {
  protected readonly outs = new Outbox()
  protected readonly emitter: Emitter
  protected readonly metrics = new InstanceMetrics()
  /** Indexed by stream id (see `streamTable`). */
  protected readonly streams: ReadonlyArray<StreamInfo>
  protected plan: PlanMessage | undefined
  private metricsTimer: ReturnType<typeof setInterval> | undefined
  private readonly emitCounts = new Map<string, Counter>()
  private lastStream: string | undefined
  private lastCount: Counter = { n: 0 }

  /** The time budget of each slice of input (see SliceBudget.ts). */
  protected readonly budget: SliceBudget

  constructor(protected readonly id: InstanceIdentity, protected readonly io: InstanceIO, budget?: SliceBudget) {
    this.budget = budget ?? new SliceBudget()
    this.streams = streamTable(id.topology).map((s, i) => streamInfo(i, s.component, s.stream, s.fields))
    this.emitter = new Emitter(this.outs, id.taskId, id.component.name, new Map())
  }

  /** At-least-once (Heron's `ATLEAST_ONCE`; the API's spelling is accepted too), from the plan. */
  protected reliable = false

  protected configInt(key: string, fallback: number): number {
    return this.plan === undefined ? fallback : intConfig(this.plan.config, key, fallback)
  }

  /** Takes a (new) physical plan: routes follow the new task lists. */
  protected applyPlan(plan: PlanMessage): void {
    this.plan = plan
    this.outs.setPlan(plan.self, new Map(Object.entries(plan.containers).map(([t, c]) => [Number(t), c])))
    const mode = plan.config[configKeys.reliability]
    this.reliable = mode === "ATLEAST_ONCE" || mode === "at-least-once"
    this.emitter.routes = routesOf(this.id.topology, this.id.component.name, (c) => plan.tasks[c] ?? [])
  }

  /** Starts the periodic metrics report (`topology.metrics.interval.secs`, default 60). */
  protected startMetrics(): void {
    const secs = this.configInt(configKeys.metricsIntervalSecs, 60)
    this.metricsTimer = setInterval(() => this.reportMetrics(), Math.max(0.1, secs) * 1000)
  }

  protected reportMetrics(): void {
    const metrics = this.metrics.collect((name, e) => this.reportError(new Error(`metric ${name} failed: ${toReport(e).message}`)))
    this.io.control({ t: "metrics", metrics })
  }

  protected stopMetrics(): void {
    if (this.metricsTimer !== undefined) clearInterval(this.metricsTimer)
    this.metricsTimer = undefined
  }

  protected countEmit(stream: string): void {
    // Most emits go to the stream of the previous one: no Map lookup then.
    if (stream === this.lastStream) {
      this.lastCount.n++
      return
    }
    let c = this.emitCounts.get(stream)
    if (c === undefined) {
      c = this.metrics.counter(`__emit-count/${stream}`)
      this.emitCounts.set(stream, c)
    }
    this.lastStream = stream
    this.lastCount = c
    c.n++
  }

  /** Writes what a runner holds back (combined acks) into `out`, just before a flush. */
  protected beforeFlush(): void {}

  /** Sends what is buffered. */
  flush(): void {
    this.beforeFlush()
    this.outs.drain(this.io.send, this.io.copies === true)
  }

  /** Reports a batch from the stream manager processed. Nothing may use it afterwards: its room
   * in the ring is released (one that came as a buffer of its own goes back with the report). */
  protected consumed(batch: Buffer): void {
    this.io.release?.(batch)
    const ab = batch.buffer
    this.io.control(ab instanceof ArrayBuffer && ab.byteLength >= POOLED_MIN
      ? { t: "consumed", bytes: batch.length, buffer: ab }
      : { t: "consumed", bytes: batch.length })
  }

  /** Sends early when the batch is full. */
  protected flushIfFull(): void {
    if (this.outs.full) this.flush()
  }

  /** Reported to the Tracker's exceptions; the instance goes on. */
  reportError(e: unknown): void {
    this.io.control({ t: "exception", error: toReport(e), fatal: false })
  }

  protected context(): TopologyContext {
    const plan = this.plan
    if (plan === undefined) throw new Error("no physical plan yet")
    return {
      topologyName: this.id.topology.name,
      topologyId: plan.topologyId,
      componentName: this.id.component.name,
      taskId: this.id.taskId,
      componentIndex: this.id.componentIndex,
      config: plan.config,
      componentTasks: (c) => this.plan?.tasks[c] ?? [],
      registerMetric: <M extends Metric>(name: string, metric: M): M => {
        this.metrics.register(name, metric)
        return metric
      }
    }
  }

  /** Whether what the instance sends waits for room (its stream manager is behind, see
   * BatchSender.ts): it holds back meanwhile. */
  protected outputBlocked = false

  /** What the instance sends starts (true) or stops (false) waiting for room. */
  onOutputBlocked(blocked: boolean): void {
    this.outputBlocked = blocked
    if (!blocked) this.resume()
  }

  /** Goes on after `onOutputBlocked(false)`. */
  protected abstract resume(): void

  /** A new physical plan (the first one starts the instance). */
  abstract onPlan(plan: PlanMessage): void
  /** Backpressure: stop or resume emitting (spouts). */
  abstract onThrottle(on: boolean): void
  /** A batch of frames from the stream manager. */
  abstract onFrames(batch: Buffer): void
  /** Closes the component (close / cleanup); resolves when done. */
  abstract stop(): Promise<void>
}
