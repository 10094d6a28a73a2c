/**
 * Heron's jstack / jmap / histo / pid, answered with Node's equivalents for one container process.
 * Instances are worker threads of that process: their pid is the container's, told apart by
 * `thread_id`. Every answer keeps heron-shell's `{command, stdout}` (what Heron's UI prints) and
 * adds structured fields.
 *
 * - pid: the process id, and the thread of each instance.
 * - jstack: `process.report.getReport()`: the JS stack of the main thread and of every worker
 *   (Node interrupts each worker to take it, busy or not), environment variables left out.
 * - jmap: a V8 heap snapshot written into the container's directory (`worker.getHeapSnapshot()`
 *   for an instance, `v8.writeHeapSnapshot()` for the main thread); the answer names the file.
 *   The thread pauses meanwhile, as a JVM does for jmap: under a second for an instance, seconds
 *   for a stream manager's main thread (whose routing stops meanwhile). Files are mode 0600: a
 *   heap holds whatever the process holds.
 * - histo: `v8.getHeapStatistics()` and `v8.getHeapSpaceStatistics()` (asked of the worker itself).
 */
import { Duration, Effect, Either, Schema } from "effect"
import { createWriteStream } from "node:fs"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { pipeline } from "node:stream/promises"
import * as v8 from "node:v8"
import type { Worker } from "node:worker_threads"
import { fsFailure, ShellFailure } from "./ShellFailure.js"
import { type Diagnosis, type HeapSpace, heapOfThisThread, isDiagnosis, type DiagnoseRequest } from "./WorkerDiagnostics.js"

/** An instance of the container, as the shell sees it. */
export interface ShellInstance {
  readonly instanceId: string
  readonly component: string
  readonly taskId: number
  /** The worker thread running the instance now; `undefined` while it restarts. */
  readonly worker: () => Worker | undefined
}

/** The container the shell runs in. */
export interface ContainerInfo {
  readonly container: number
  /** What the main thread does, for the reports: "stream manager", "tmanager". */
  readonly role: string
  readonly cwd: string
  readonly instances: ReadonlyArray<ShellInstance>
}

/** How long a worker has to answer a heap-statistics request. */
const WORKER_ANSWER = Duration.seconds(10)

const restarting = (i: ShellInstance) =>
  new ShellFailure({ status: 503, message: `instance ${i.instanceId} is restarting: no worker thread to ask; try again` })

const describe = (i: ShellInstance) => `${i.instanceId} (${i.component}, task ${i.taskId})`

/** `pid`: the container's process id; for an instance, also the worker thread it runs on. */
export const pid = (c: ContainerInfo, instance: ShellInstance | undefined) => {
  const base = { stdout: `${process.pid}\n`, pid: process.pid, container: c.container }
  if (instance === undefined) {
    return {
      command: "process.pid",
      ...base,
      thread_id: 0,
      instances: Object.fromEntries(c.instances.map((i) => [i.instanceId, {
        component: i.component, task_id: i.taskId, thread_id: i.worker()?.threadId ?? null
      }]))
    }
  }
  const threadId = instance.worker()?.threadId ?? null
  return {
    command: `process.pid (instance ${instance.instanceId} is worker thread ${threadId ?? "-, restarting,"} of container ${c.container}'s process)`,
    ...base,
    thread_id: threadId,
    instance: instance.instanceId
  }
}

const Stack = Schema.Struct({ message: Schema.String, stack: Schema.Array(Schema.String) })
const ThreadReport = Schema.Struct({ header: Schema.Struct({ threadId: Schema.Number }), javascriptStack: Stack })
const ProcessReport = Schema.Struct({ ...ThreadReport.fields, workers: Schema.Array(ThreadReport) })

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The report without environment variables (they may hold secrets), in the workers' reports too. */
export const withoutEnvironment = (report: unknown): unknown => {
  if (!isRecord(report)) return report
  const { environmentVariables: _env, workers, ...rest } = report
  return Array.isArray(workers) ? { ...rest, workers: workers.map(withoutEnvironment) } : rest
}

/** A stack as `jstack` prints it; Node says "Unavailable." for a thread with no JS running. */
const stackText = (stack: ReadonlyArray<string>): string =>
  stack.length === 0 || (stack.length === 1 && stack[0] === "Unavailable.")
    ? "    (no JavaScript running: idle in its event loop)"
    : stack.map((l) => `    ${l}`).join("\n")

/** `jstack`: every thread's JS stack; the instance's thread first when one is asked for. */
export const jstack = (c: ContainerInfo, instance: ShellInstance | undefined) =>
  Effect.gen(function*() {
    const raw: unknown = process.report.getReport()
    const report = yield* Schema.decodeUnknown(ProcessReport)(raw).pipe(
      Effect.mapError((e) => new ShellFailure({ status: 500, message: `unexpected diagnostic report: ${e.message}` }))
    )
    const byThread = new Map(c.instances.flatMap((i) => {
      const w = i.worker()
      return w === undefined ? [] : [[w.threadId, i] as const]
    }))
    const threads = [
      // The main thread is the one running this request: its stack is the shell taking the report.
      { thread_id: report.header.threadId, name: "main", role: `${c.role}; here: the shell taking this report`, stack: report.javascriptStack.stack },
      ...report.workers.map((w) => {
        const i = byThread.get(w.header.threadId)
        return { thread_id: w.header.threadId, name: i?.instanceId ?? "worker", role: i === undefined ? "worker" : `${i.component}, task ${i.taskId}`, stack: w.javascriptStack.stack }
      })
    ]
    const wanted = instance?.worker()?.threadId
    if (instance !== undefined && wanted === undefined) return yield* restarting(instance)
    threads.sort((a, b) => Number(b.thread_id === wanted) - Number(a.thread_id === wanted))
    const text = threads.map((t) => `"${t.name}" thread ${t.thread_id} (${t.role})\n${stackText(t.stack)}`)
    return {
      command: "process.report.getReport()",
      stdout: `container ${c.container}, pid ${process.pid}, node ${process.version}: ${threads.length} thread(s)\n\n${text.join("\n\n")}\n`,
      pid: process.pid,
      thread_id: wanted ?? 0,
      container: c.container,
      ...(instance === undefined ? {} : { instance: instance.instanceId }),
      threads,
      report: withoutEnvironment(raw)
    }
  })

/** A file name made of the safe characters of `s`. */
const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_")

/** `jmap`: writes a V8 heap snapshot into the container's directory and names the file. One file
 * per instance (and one for the main thread), replaced by the next dump, as Heron's heap.bin. */
export const jmap = (c: ContainerInfo, instance: ShellInstance | undefined) =>
  Effect.gen(function*() {
    const name = `heapdump-${instance === undefined ? `container-${c.container}` : safeName(instance.instanceId)}.heapsnapshot`
    const partial = nodePath.join(c.cwd, `.${name}.${process.pid}-${Date.now()}.partial`)
    const worker = instance?.worker()
    if (instance !== undefined && worker === undefined) return yield* restarting(instance)
    const write = worker === undefined
      ? Effect.try({ try: () => void v8.writeHeapSnapshot(partial), catch: fsFailure(name) })
      : Effect.tryPromise({ try: async () => pipeline(await worker.getHeapSnapshot(), createWriteStream(partial, { mode: 0o600 })), catch: fsFailure(name) })
    yield* write.pipe(
      Effect.zipRight(Effect.tryPromise({ try: () => fs.rename(partial, nodePath.join(c.cwd, name)), catch: fsFailure(name) })),
      Effect.tapError(() => Effect.promise(() => fs.rm(partial, { force: true })))
    )
    const size = (yield* Effect.tryPromise({ try: () => fs.stat(nodePath.join(c.cwd, name)), catch: fsFailure(name) })).size
    const who = instance === undefined ? `the main thread (${c.role}) of container ${c.container}` : `instance ${describe(instance)}`
    return {
      command: worker === undefined ? "v8.writeHeapSnapshot()" : "worker.getHeapSnapshot()",
      stdout: `V8 heap snapshot of ${who} written to ${name} (${size} bytes) in container ${c.container}'s directory; ` +
        `download it with /topologies/containerfiledownload?container=${c.container}&path=${name} ` +
        "and open it in Chrome DevTools (Memory tab).\n",
      pid: process.pid,
      container: c.container,
      ...(instance === undefined ? {} : { instance: instance.instanceId }),
      file: name,
      size
    }
  })

let nextRequest = 1

/** Asks a worker for its own heap statistics; 503 when it exits first, 504 when it does not answer. */
export const askWorker = (instance: ShellInstance, worker: Worker): Effect.Effect<Diagnosis, ShellFailure> =>
  Effect.async<Diagnosis, ShellFailure>((resume) => {
    const id = nextRequest++
    const onMessage = (m: unknown) => {
      if (!isDiagnosis(m, id)) return
      cleanup()
      resume(Effect.succeed(m))
    }
    const onExit = () => {
      cleanup()
      resume(Effect.fail(restarting(instance)))
    }
    const cleanup = () => {
      worker.off("message", onMessage)
      worker.off("exit", onExit)
    }
    worker.on("message", onMessage)
    worker.once("exit", onExit)
    const request: DiagnoseRequest = { t: "diagnose", id, what: "heap" }
    worker.postMessage(request)
    return Effect.sync(cleanup)
  }).pipe(Effect.timeoutFail({
    duration: WORKER_ANSWER,
    onTimeout: () => new ShellFailure({ status: 504, message: `instance ${instance.instanceId} did not answer within ${Duration.format(WORKER_ANSWER)} (busy in user code?)` })
  }))

const n = (v: number) => String(v).padStart(14)

/** The heap-space table of `histo`, after `jmap -histo`'s layout: one row per space, then totals. */
export const heapTable = (heap: Readonly<Record<string, number>>, spaces: ReadonlyArray<HeapSpace>): string => {
  const rows = spaces.map((s) => `${s.space_name.padEnd(28)}${n(s.space_size)}${n(s.space_used_size)}${n(s.space_available_size)}${n(s.physical_space_size)}`)
  const sum = (k: keyof Omit<HeapSpace, "space_name">) => spaces.reduce((acc, s) => acc + s[k], 0)
  const total = `${"total".padEnd(28)}${n(sum("space_size"))}${n(sum("space_used_size"))}${n(sum("space_available_size"))}${n(sum("physical_space_size"))}`
  const header = `${"space".padEnd(28)}${"size".padStart(14)}${"used".padStart(14)}${"available".padStart(14)}${"physical".padStart(14)}`
  const stats = Object.entries(heap).map(([k, v]) => `${k}: ${v}`)
  return `${header}\n${rows.join("\n")}\n${total}\n\n${stats.join("\n")}\n`
}

/** `histo`: the heap spaces of the instance's isolate (or of the main thread's). */
export const histo = (c: ContainerInfo, instance: ShellInstance | undefined) =>
  Effect.gen(function*() {
    const worker = instance?.worker()
    if (instance !== undefined && worker === undefined) return yield* restarting(instance)
    const { heap, spaces } = instance === undefined || worker === undefined ? heapOfThisThread() : yield* askWorker(instance, worker)
    return {
      command: "v8.getHeapSpaceStatistics()",
      stdout: heapTable(heap, spaces),
      pid: process.pid,
      thread_id: worker?.threadId ?? 0,
      container: c.container,
      ...(instance === undefined ? {} : { instance: instance.instanceId }),
      heap,
      spaces
    }
  })

/** Picks the instance a request names; 404 when the container has none of that id. */
export const findInstance = (c: ContainerInfo, id: string): Either.Either<ShellInstance, ShellFailure> => {
  const found = c.instances.find((i) => i.instanceId === id)
  return found === undefined
    ? Either.left(new ShellFailure({ status: 404, message: `container ${c.container} runs no instance ${id}` }))
    : Either.right(found)
}
