/**
 * A micro-benchmark of the stream manager to stream manager data plane (not a test: no timing is
 * asserted anywhere). Two processes on loopback, as two containers would be:
 *
 * - `raw`: a plain `net.Socket` pair; the sender writes the same batch bytes again and again
 *   (keeping at most the high watermark queued), the receiver counts them. The physical ceiling.
 * - `stmgr`: the engine's pieces on both ends. The sender is a `DataPlane` fed instance batches
 *   (as an instance's `Emitter` and `Outbox` build them) that it forwards whole on the connection
 *   the receiver opened to it (`acceptPeer`); the receiver is a `DataPlane` reading its
 *   `PeerClient` connection as `StreamManager` does, whose local instances are real worker threads
 *   that receive the batches (transferred: this probe leaves out the instances' rings, it measures
 *   the socket path), count the DATA frames, and report each batch consumed.
 *
 *   node --import tsx test/engine/perf/dataplane-probe.ts [--sizes 37,16384] [--tasks 1] [--repeat 3]
 *     [--seconds 3] [--warmup 1] [--modes raw,stmgr] [--sink worker|count|check] [--prof <dir>]
 *
 * `--sink count` counts in the receiving stream manager's thread instead (as bench/ does); `--sink check`
 * also walks every frame in the workers and checks the count. `--tasks n` spreads the frames of each batch round-robin over n tasks of the receiving container
 * (1: whole batches for one instance). `--prof` writes a V8 CPU profile of each stmgr process.
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { DataPlane } from "../../../core/engine/internal/DataPlane.js"
import { Emitter } from "../../../core/engine/internal/Emitter.js"
import { Kind } from "../../../core/engine/internal/Frames.js"
import { Outbox, ROUTE_BYTES } from "../../../core/engine/internal/Outbox.js"
import { PeerClient } from "../../../core/engine/internal/PeerClient.js"
import type { Route } from "../../../core/engine/internal/Routes.js"
import { watermarksOf } from "../../../core/engine/internal/StmgrConfig.js"
import { listenForReceiver } from "../../../bench/internal/WireServer.js"

const HOST = "127.0.0.1"
const SRC_TASK = 1
const FIRST_DEST = 2
const watermarks = watermarksOf({})
const self = fileURLToPath(import.meta.url)

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] ?? fallback : fallback
}

/** One instance batch as a real `Emitter` and `Outbox` build it: a ROUTE frame to container 2,
 * then `size`-byte tuples shuffled over tasks 2.. (`tasks` of them) until the flush size. */
const instanceBatch = (size: number, tasks: number): { readonly batch: Buffer; readonly frames: number } => {
  const outs = new Outbox()
  const dests = Array.from({ length: tasks }, (_, i) => FIRST_DEST + i)
  outs.setPlan(1, new Map([[SRC_TASK, 1], ...dests.map((t) => [t, 2] as const)]))
  // 37-byte frames are word count's (["moon", <float>]); anything else is one byte array.
  const values: ReadonlyArray<unknown> = size <= 37 ? ["moon", 1234.5678] : [new Uint8Array(size).fill(7)]
  const route: Route = {
    streamId: 0, stream: "default", fields: values.map((_, i) => `f${i}`),
    subscribers: [{ bolt: "sink", grouping: "shuffle", tasks: dests, fieldIndexes: [], custom: undefined, next: 0 }]
  }
  const emitter = new Emitter(outs, SRC_TASK, "probe", new Map([["default", route]]))
  let frames = 0
  while (!outs.full) {
    emitter.emitUnanchored("default", values, undefined)
    frames++
  }
  let batch: Uint8Array | undefined
  outs.drain((x) => (batch = x))
  if (batch === undefined) throw new Error("no batch")
  return { batch: Buffer.from(batch.buffer, batch.byteOffset, batch.byteLength), frames }
}

/** The instance's side: reports each transferred batch consumed (its bytes and, with `check`,
 * its DATA frames for task `task`, walking the frames as a bolt would). */
const sinkWorker = (check: boolean, task: number) => `
const { parentPort } = require("node:worker_threads")
const one = (m) => {
  let n = 0
  if (${check}) {
    const v = new DataView(m.buffer, m.byteOffset, m.byteLength)
    let o = 0
    while (m.byteLength - o >= 9) {
      if (m[o + 8] !== ${Kind.DATA} || v.getUint32(o + 4, true) !== ${task}) throw new Error("not a DATA frame for ${task}")
      n++
      o += 4 + v.getUint32(o, true)
    }
    if (o !== m.byteLength) throw new Error("a batch ends inside a frame")
  }
  // The batch's memory goes back for reuse, as an instance's runner does (BufferPool.ts).
  const back = m.buffer.byteLength >= 16384
  parentPort.postMessage([m.byteLength, n, back ? m.buffer : undefined], back ? [m.buffer] : [])
}
parentPort.on("message", (m) => (Array.isArray(m) ? m.forEach(one) : one(m)))`

const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`)

const receive = (stmgr: boolean, tasks: number, warmupMs: number, measureMs: number, sink: string, port: number) => {
  const check = sink === "check"
  let bytes = 0
  let tuples = 0
  let started = false
  const begin = () => {
    if (started) return
    started = true
    setTimeout(() => {
      out({ start: 1 })
      const b0 = bytes
      const n0 = tuples
      const t0 = performance.now()
      setTimeout(() => {
        const seconds = (performance.now() - t0) / 1000
        out({ bytes: bytes - b0, tuples: tuples - n0, seconds })
        // Flushes a CPU profile (--cpu-prof) on a normal exit.
        process.exit(0)
      }, measureMs)
    }, warmupMs)
  }
  let onSocket: (socket: net.Socket) => void
  if (stmgr) {
    const local = Array.from({ length: tasks }, (_, i) => FIRST_DEST + i)
    const plane = new DataPlane({ container: 2, localTasks: local, watermarks, messageTimeoutMs: 30_000, onPaused: () => {} })
    plane.setPlan(new Map([[SRC_TASK, 1]]))
    for (const task of local) {
      if (sink === "count") {
        // The bench's outlet: counts in the stream manager's thread, consumed on the next turn.
        plane.attachInstance(task, {
          send: (batch) => {
            bytes += batch.length
            begin()
            setImmediate(() => plane.consumed(task, batch.length, batch.buffer instanceof ArrayBuffer ? batch.buffer : undefined))
          }
        })
        continue
      }
      const worker = new Worker(sinkWorker(check, task), { eval: true })
      worker.on("error", (e) => {
        process.stderr.write(`sink of task ${task}: ${e.message}\n`)
        process.exit(1)
      })
      worker.on("message", (m: [number, number, ArrayBuffer | undefined]) => {
        bytes += m[0]
        tuples += m[1]
        begin()
        plane.consumed(task, m[0], m[2])
      })
      worker.unref()
      // As InstanceWorkers does: each batch transferred, several of one turn in one message.
      const own = (b: Uint8Array): Array<ArrayBuffer> => (b.buffer instanceof ArrayBuffer ? [b.buffer] : [])
      plane.attachInstance(task, {
        send: (batch) => worker.postMessage(batch, own(batch)),
        sendAll: (batches) => worker.postMessage(batches, [...new Set(batches.flatMap(own))])
      })
    }
    // The receiving stream manager reads on the connection it opens to the sender (PeerClient.ts).
    new PeerClient(1, HOST, port, plane, () => {})
    return
  } else {
    onSocket = (socket) =>
      socket.on("data", (chunk: Buffer) => {
        bytes += chunk.length
        begin()
      })
  }
  const server = net.createServer((socket) => {
    socket.setNoDelay(true)
    socket.on("error", () => socket.destroy())
    onSocket(socket)
  })
  server.listen(0, HOST, () => {
    const address = server.address()
    out({ port: typeof address === "object" && address !== null ? address.port : 0 })
  })
}

const send = (stmgr: boolean, batch: Buffer, port: number) => {
  process.on("SIGINT", () => process.exit(0))
  let scheduled = false
  const schedule = (pump: () => void) => {
    if (scheduled) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      pump()
    })
  }
  if (stmgr) {
    let paused = false
    const plane: DataPlane = new DataPlane({
      container: 1, localTasks: [SRC_TASK], watermarks, messageTimeoutMs: 30_000,
      onPaused: (p) => {
        paused = p
        if (!p) schedule(pump)
      }
    })
    const remote = new Map<number, number>()
    for (let t = FIRST_DEST; t < FIRST_DEST + 64; t++) remote.set(t, 2)
    plane.setPlan(remote)
    // The receiver connects; that connection carries what this one sends it (PeerSocket.ts).
    listenForReceiver(plane, HOST, (port) => out({ port }))
    // As a spout's bursts: batches until backpressure, then yield to the event loop.
    const pump = (): void => {
      for (let i = 0; i < 16 && !paused; i++) plane.fromInstance(batch)
      if (!paused) schedule(pump)
    }
    schedule(pump)
    return
  }
  const payload = batch.subarray(ROUTE_BYTES)
  const socket = net.connect({ host: HOST, port })
  socket.setNoDelay(true)
  const pump = (): void => {
    for (let i = 0; i < 16; i++) {
      if (socket.writableLength > watermarks.high) return // 'drain' resumes
      socket.write(payload)
    }
    schedule(pump)
  }
  socket.on("connect", () => schedule(pump))
  socket.on("drain", () => schedule(pump))
  socket.on("error", () => process.exit(0))
}

/** CPU ticks (utime + stime, 1/100 s) of a process's main thread (its tid is its pid), or of the
 * whole process. */
const ticks = (pid: number, main: boolean): number => {
  try {
    const f = readFileSync(main ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
    return Number(f[11]) + Number(f[12])
  } catch {
    return Number.NaN
  }
}

/** Runs this file as a child in `role`; resolves its JSON lines one key at a time. */
const child = (args: ReadonlyArray<string>, prof: string | undefined) => {
  const flags = prof === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${prof}`]
  const proc = spawn(process.execPath, [...process.execArgv, ...flags, self, ...args], { stdio: ["ignore", "pipe", "inherit"] })
  const lines: Array<Record<string, number>> = []
  let rest = ""
  let wake = () => {}
  proc.stdout.on("data", (d: Buffer) => {
    const parts = (rest + d.toString()).split("\n")
    rest = parts.pop() ?? ""
    for (const p of parts) if (p.startsWith("{")) lines.push(JSON.parse(p) as Record<string, number>)
    wake()
  })
  const next = async (key: string): Promise<Record<string, number>> => {
    for (;;) {
      const line = lines.find((l) => key in l)
      if (line !== undefined) return line
      if (proc.exitCode !== null) throw new Error(`probe child ${args.join(" ")} exited`)
      await new Promise<void>((r) => (wake = r))
    }
  }
  proc.on("exit", () => wake())
  return { proc, next }
}

interface Result {
  readonly mbps: number
  readonly tuples: number
  /** Share of a core used by the sender's and the receiver's main threads. */
  readonly txMain: number
  readonly rxMain: number
  /** CPU seconds of both processes (all threads) per GB moved: what contention on a busy machine
   * changes least. */
  readonly cpuPerGb: number
}

interface Setup {
  readonly size: number
  readonly tasks: number
  readonly warmup: number
  readonly seconds: number
  readonly sink: string
  readonly prof: string | undefined
}

const run = async (mode: string, o: Setup): Promise<Result> => {
  const prof = mode === "stmgr" ? o.prof : undefined
  // Raw sockets: the receiver listens; stream managers: the receiver connects to the sender.
  const receiver = (port: number) => child(["receive", mode, String(o.size), String(o.tasks), String(o.warmup * 1000), String(o.seconds * 1000), o.sink, String(port)], prof)
  const sender = (port: number) => child(["send", mode, String(o.size), String(o.tasks), String(port)], prof)
  let rx: ReturnType<typeof child>
  let tx: ReturnType<typeof child>
  if (mode === "raw") {
    rx = receiver(0)
    tx = sender((await rx.next("port"))["port"]!)
  } else {
    tx = sender(0)
    rx = receiver((await tx.next("port"))["port"]!)
  }
  try {
    await rx.next("start")
    const pids = [tx.proc.pid ?? 0, rx.proc.pid ?? 0]
    const t0 = pids.map((p) => ticks(p, true))
    const all0 = pids.map((p) => ticks(p, false))
    const w0 = performance.now()
    const r = await rx.next("bytes")
    const load = pids.map((p, i) => (ticks(p, true) - t0[i]!) / 100 / ((performance.now() - w0) / 1000))
    const cpu = pids.reduce((sum, p, i) => sum + (ticks(p, false) - all0[i]!) / 100, 0)
    const { frames, batch } = instanceBatch(o.size, o.tasks)
    // Tuples from bytes, as batches hold them (a run header, if any, is counted in: < 0.1%).
    const expected = (r["bytes"]! * frames) / (batch.length - ROUTE_BYTES)
    if (o.sink === "check" && mode === "stmgr" && Math.abs(r["tuples"]! - expected) > frames + expected / 1000) {
      throw new Error(`the sinks counted ${r["tuples"]} DATA frames in ${r["bytes"]} bytes, expected ${Math.round(expected)}`)
    }
    return {
      mbps: r["bytes"]! / r["seconds"]! / 1e6, tuples: expected / r["seconds"]!, txMain: load[0]!, rxMain: load[1]!,
      cpuPerGb: cpu / ((r["bytes"]! / 1e9) * ((performance.now() - w0) / 1000 / r["seconds"]!))
    }
  } finally {
    // SIGINT: a --cpu-prof sender writes its profile on the way out (see `send`); the receiver
    // exits by itself once it printed, and must be let write its profile too.
    tx.proc.kill(prof === undefined ? "SIGKILL" : "SIGINT")
    if (prof === undefined) rx.proc.kill("SIGKILL")
    else if (rx.proc.exitCode === null) await new Promise((r) => rx.proc.once("exit", r))
  }
}

const median = (xs: ReadonlyArray<Result>): Result => [...xs].sort((a, b) => a.mbps - b.mbps)[Math.floor(xs.length / 2)]!

const pct = (x: number) => `${(100 * x).toFixed(0)}%`.padStart(8)

const main = async () => {
  const modes = arg("modes", "raw,stmgr").split(",")
  const repeat = Number(arg("repeat", "3"))
  const base = {
    tasks: Number(arg("tasks", "1")),
    warmup: Number(arg("warmup", "1")),
    seconds: Number(arg("seconds", "3")),
    sink: arg("sink", "worker"),
    prof: process.argv.includes("--prof") ? arg("prof", "/tmp/dataplane-prof") : undefined
  }
  console.log(`median of ${repeat} runs of ${base.seconds} s; sink: ${base.sink}`)
  console.log(`mode       size  tasks       MB/s       tuples/s  tx main  rx main  CPU s/GB  vs raw`)
  for (const size of arg("sizes", "37,16384").split(",").map(Number)) {
    const runs = new Map<string, Array<Result>>(modes.map((m) => [m, []]))
    // Modes alternate, so that a slow spell of the machine hits all of them alike.
    for (let i = 0; i < repeat; i++) for (const mode of modes) runs.get(mode)!.push(await run(mode, { ...base, size }))
    const raw = runs.has("raw") ? median(runs.get("raw")!).mbps : undefined
    for (const mode of modes) {
      const r = median(runs.get(mode)!)
      const ratio = raw === undefined || mode === "raw" ? "" : `${((100 * r.mbps) / raw).toFixed(0)}%`
      console.log(`${mode.padEnd(6)} ${String(size).padStart(8)} ${String(base.tasks).padStart(6)} ${r.mbps.toFixed(0).padStart(10)} ${Math.round(r.tuples).toLocaleString("en").padStart(14)} ${pct(r.txMain)} ${pct(r.rxMain)} ${r.cpuPerGb.toFixed(2).padStart(9)} ${ratio.padStart(7)}`)
    }
  }
}

const [role, mode, size, tasks, a, b, sink, port] = process.argv.slice(2)
if (role === "receive") receive(mode === "stmgr", Number(tasks), Number(a), Number(b), sink ?? "worker", Number(port))
else if (role === "send") send(mode === "stmgr", instanceBatch(Number(size), Number(tasks)).batch, Number(a))
else void main()
