/**
 * What a worker thread is started with (`workerData`): which topology module to import, which
 * instance to run, and the rings its batches travel in (see Ring.ts).
 */
import { isRingSpec, type RingSpec } from "./Ring.js"

export interface WorkerData {
  /** Absolute path of the topology module. */
  readonly module: string
  readonly component: string
  readonly taskId: number
  readonly componentIndex: number
  /** Batches from the stream manager to the instance. */
  readonly toWorker: RingSpec
  /** Batches from the instance to the stream manager. */
  readonly fromWorker: RingSpec
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

export const isWorkerData = (u: unknown): u is WorkerData =>
  isRecord(u) && typeof u["module"] === "string" && typeof u["component"] === "string" &&
  typeof u["taskId"] === "number" && typeof u["componentIndex"] === "number" && isRingSpec(u["toWorker"]) && isRingSpec(u["fromWorker"])
