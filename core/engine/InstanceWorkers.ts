/**
 * The instances of a container, one worker thread each: a spout or bolt gets its own event loop
 * (a container uses more than one core) and its own isolate (user code that throws or leaks ends
 * only its worker; the stream manager counts the failure, logs it and starts a new worker with
 * backoff). One worker per instance costs a few MB of RSS per instance; Heron runs one process per
 * instance, so this is already the lighter choice, and it keeps the restart unit = the instance.
 *
 * Each worker shares two rings with the stream manager (Ring.ts), one per direction: batches are
 * copied in and only their length goes in a message.
 */
import { Deferred, Duration, Effect, FiberSet, type Scope } from "effect"
import { Worker } from "node:worker_threads"
import type { DataPlane } from "./internal/DataPlane.js"
import { makeRing, RING_BYTES, RingReader, RingWriter } from "./internal/Ring.js"
import type { WorkerData } from "./internal/WorkerData.js"
import { isFromWorker, type ExceptionReport, type PlanMessage, type ToWorker } from "./internal/WorkerProtocol.js"

/** One instance of this container. */
export interface InstanceSpec {
  readonly instanceId: string
  readonly component: string
  readonly taskId: number
  readonly componentIndex: number
}

/** Where the workers' metrics and exceptions go. */
export interface InstanceEvents {
  readonly metrics: (spec: InstanceSpec, metrics: ReadonlyArray<readonly [string, number]>) => void
  readonly exception: (spec: InstanceSpec, report: ExceptionReport, fatal: boolean) => void
}

/** The running workers, as the stream manager drives them. */
export interface InstanceWorkers {
  /** Sends the (new) plan to every running worker, and to workers started later. */
  readonly plan: (forTask: (spec: InstanceSpec) => PlanMessage) => void
  /** Backpressure: spouts stop (true) or resume (false). */
  readonly throttle: (on: boolean) => void
  /** How many times each instance was restarted. */
  readonly restarts: () => ReadonlyMap<string, number>
  /** The worker thread running an instance now (`undefined` while it restarts), for the shell. */
  readonly thread: (instanceId: string) => Worker | undefined
}

const workerUrl = new URL("./instance-worker.js", import.meta.url)

const MIN_BACKOFF = Duration.millis(100)
const MAX_BACKOFF_MS = 10_000
/** A worker that ran this long had recovered: its next failure restarts it at once. */
const HEALTHY_MS = 30_000
const STOP_GRACE = Duration.seconds(3)

/** Starts a worker per instance; every worker is stopped (close/cleanup, then terminate) when the
 * scope closes. */
export const start = (o: {
  readonly module: string
  readonly instances: ReadonlyArray<InstanceSpec>
  readonly plane: DataPlane
  readonly events: InstanceEvents
}): Effect.Effect<InstanceWorkers, never, Scope.Scope> =>
  Effect.gen(function* () {
    const run = yield* FiberSet.makeRuntime<never>()
    const live = new Map<number, Worker>()
    const restarts = new Map<string, number>()
    let planFor: ((spec: InstanceSpec) => PlanMessage) | undefined
    let throttled = false
    const post = (w: Worker, m: ToWorker) => w.postMessage(m)

    /** Runs one worker until it exits; returns its exit code. Interruption stops it gracefully. */
    const runWorker = (spec: InstanceSpec) =>
      Effect.acquireUseRelease(
        Effect.gen(function* () {
          const exited = yield* Deferred.make<number>()
          const toWorker = makeRing()
          // Twice as big: an instance stops when its ring is full, and a busy stream manager may
          // take a while to get to what a spout emitted in one burst.
          const fromWorker = makeRing(2 * RING_BYTES)
          const data: WorkerData = { module: o.module, component: spec.component, taskId: spec.taskId, componentIndex: spec.componentIndex, toWorker, fromWorker }
          const ringOut = new RingWriter(toWorker)
          const ringIn = new RingReader(fromWorker)
          const one: Array<Uint8Array> = []
          const worker = new Worker(workerUrl, { workerData: data, stdout: false, stderr: false })
          /** A batch in a buffer of its own (a copy), transferred. */
          const send = (batch: Uint8Array): void => {
            const own = new Uint8Array(batch)
            worker.postMessage(own, [own.buffer])
          }
          const onMessage = (m: unknown): void => {
            // A batch in the ring (its length): routed (copied on), then its room given back at once.
            if (typeof m === "number") {
              o.plane.fromInstance(ringIn.next(m), false)
              if (ringIn.release()) post(worker, { t: "room" })
              return
            }
            // A batch bigger than the ring comes in an ArrayBuffer of its own (transferred).
            if (m instanceof Uint8Array) return o.plane.fromInstance(Buffer.from(m.buffer, m.byteOffset, m.byteLength), true)
            if (!isFromWorker(m)) return
            switch (m.t) {
              case "ready":
                live.set(spec.taskId, worker)
                if (planFor !== undefined) post(worker, planFor(spec))
                if (throttled) post(worker, { t: "throttle", on: true })
                o.plane.attachInstance(spec.taskId, {
                  // Batches are copied into the worker's ring when it has room (else the link keeps
                  // them until the worker consumes some); one bigger than the whole ring goes as a
                  // buffer of its own, transferred.
                  offer: (batch) => {
                    one[0] = batch
                    if (ringOut.write(one, batch.length)) {
                      worker.postMessage(batch.length)
                      return true
                    }
                    if (batch.length <= ringOut.capacity) return false
                    send(batch)
                    return true
                  },
                  send
                })
                return
              case "consumed":
                return o.plane.consumed(spec.taskId, m.bytes, m.buffer)
              case "metrics":
                return o.events.metrics(spec, m.metrics)
              case "exception":
                return o.events.exception(spec, m.error, m.fatal)
              case "log":
                run(m.level === "Error" ? Effect.logError(m.message) : m.level === "Warning" ? Effect.logWarning(m.message) : Effect.logInfo(m.message))
                return
              case "stopped":
                return
            }
          }
          // What the instance sent in one turn comes as one array (MessageBatcher.ts), in order.
          worker.on("message", (m: unknown) => {
            if (!Array.isArray(m)) return onMessage(m)
            for (const x of m) onMessage(x)
          })
          worker.on("error", (e) => o.events.exception(spec, { message: `${e.name}: ${e.message}`, stack: e.stack ?? e.message }, true))
          worker.on("exit", (code) => {
            if (live.get(spec.taskId) === worker) {
              live.delete(spec.taskId)
              o.plane.attachInstance(spec.taskId, undefined)
            }
            Deferred.unsafeDone(exited, Effect.succeed(code))
          })
          return { worker, exited }
        }),
        ({ exited }) => Deferred.await(exited),
        ({ worker, exited }) =>
          Effect.gen(function* () {
            if (yield* Deferred.isDone(exited)) return
            post(worker, { t: "stop" })
            const done = yield* Deferred.await(exited).pipe(Effect.timeout(STOP_GRACE), Effect.option)
            if (done._tag === "None") yield* Effect.promise(() => worker.terminate())
          })
      )

    const supervise = (spec: InstanceSpec) =>
      Effect.gen(function* () {
        let backoff = Duration.toMillis(MIN_BACKOFF)
        for (;;) {
          const started = Date.now()
          const code = yield* runWorker(spec)
          const n = (restarts.get(spec.instanceId) ?? 0) + 1
          restarts.set(spec.instanceId, n)
          if (Date.now() - started > HEALTHY_MS) backoff = Duration.toMillis(MIN_BACKOFF)
          yield* Effect.logWarning(`instance ${spec.instanceId} exited with code ${code}; restart ${n} in ${backoff} ms`)
          yield* Effect.sleep(Duration.millis(backoff))
          backoff = Math.min(MAX_BACKOFF_MS, backoff * 2)
        }
      }).pipe(Effect.annotateLogs({ instance: spec.instanceId }))

    yield* Effect.forEach(o.instances, (spec) => Effect.forkScoped(supervise(spec)), { discard: true })

    return {
      plan: (forTask) => {
        planFor = forTask
        for (const spec of o.instances) {
          const w = live.get(spec.taskId)
          if (w !== undefined) post(w, forTask(spec))
        }
      },
      throttle: (on) => {
        throttled = on
        for (const w of live.values()) post(w, { t: "throttle", on })
      },
      restarts: () => restarts,
      thread: (instanceId) => {
        const spec = o.instances.find((s) => s.instanceId === instanceId)
        return spec === undefined ? undefined : live.get(spec.taskId)
      }
    }
  })
