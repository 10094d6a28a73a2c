/**
 * The entry of an instance's worker thread: imports the topology module, creates the spout or
 * bolt (`spec.create()`), and runs it against its stream manager over the worker's message port.
 * User code that throws ends this worker with exit code 1 after reporting the error; the stream
 * manager counts it and starts a new worker. Started by `InstanceWorkers.ts`, never directly.
 * What the instance sends in one turn goes as one message (MessageBatcher.ts); batches both ways
 * go through the rings the stream manager gave it (Ring.ts).
 */
import { parentPort, workerData } from "node:worker_threads"
import { BoltRunner } from "./internal/BoltRunner.js"
import { importTopology } from "./internal/importTopology.js"
import type { InstanceBase, InstanceIO } from "./internal/InstanceBase.js"
import { BatchSender } from "./internal/BatchSender.js"
import { MessageBatcher } from "./internal/MessageBatcher.js"
import { RingReader, RingWriter } from "./internal/Ring.js"
import { SpoutRunner } from "./internal/SpoutRunner.js"
import { isWorkerData } from "./internal/WorkerData.js"
import { diagnose, isDiagnoseRequest } from "./shell/WorkerDiagnostics.js"
import { isToWorker, toReport, type FromWorker } from "./internal/WorkerProtocol.js"

const port = parentPort
if (port === null) throw new Error("instance-worker runs as a worker thread")
// What goes as a buffer (a batch bigger than the ring, a consumed batch's buffer) is transferred.
const out = new MessageBatcher((m, transfer) => port.postMessage(m, transfer))
const post = (m: FromWorker) => out.control(m)

const die = (error: unknown): void => {
  post({ t: "exception", error: toReport(error), fatal: true })
  out.flush()
  process.exit(1)
}

process.on("uncaughtException", die)
process.on("unhandledRejection", die)

const main = async () => {
  if (!isWorkerData(workerData)) throw new Error("instance-worker: bad workerData")
  const data = workerData
  const topology = await importTopology(data.module)
  const component = topology.components.find((c) => c.name === data.component)
  if (component === undefined) throw new Error(`topology ${topology.name} has no component ${data.component}`)
  const toWorker = new RingReader(data.toWorker)
  const sender = new BatchSender(new RingWriter(data.fromWorker), out, (blocked) => runner.onOutputBlocked(blocked))
  const io: InstanceIO = {
    send: (batch) => sender.send(batch),
    copies: true,
    control: post,
    release: (batch) => {
      if (toWorker.holds(batch)) toWorker.release()
    },
    die
  }
  const take = (m: unknown): void => {
    if (typeof m === "number") runner.onFrames(toWorker.next(m))
    else if (m instanceof Uint8Array) runner.onFrames(Buffer.from(m.buffer, m.byteOffset, m.byteLength))
  }
  const id = { topology, component, taskId: data.taskId, componentIndex: data.componentIndex }
  const spec = component.spec
  const runner: InstanceBase = spec.kind === "spout" ? new SpoutRunner(id, io, spec.create()) : new BoltRunner(id, io, spec.create())
  port.on("message", (m: unknown) => {
    // A batch: its length when it is in the ring, else a buffer of its own (see Ring.ts).
    if (typeof m === "number" || m instanceof Uint8Array) return take(m)
    // Several batches in one message, in order.
    if (Array.isArray(m)) {
      for (const b of m) take(b)
      return
    }
    // The container's shell asking for this isolate's heap statistics (see shell/WorkerDiagnostics.ts).
    if (isDiagnoseRequest(m)) return port.postMessage(diagnose(m))
    if (!isToWorker(m)) return
    switch (m.t) {
      case "plan":
        return runner.onPlan(m)
      case "throttle":
        return runner.onThrottle(m.on)
      case "room":
        return sender.resume()
      case "stop":
        return void runner.stop().then(
          () => {
            sender.flush()
            post({ t: "stopped" })
            out.flush()
            process.exit(0)
          },
          die
        )
    }
  })
  post({ t: "ready" })
}

main().catch(die)
