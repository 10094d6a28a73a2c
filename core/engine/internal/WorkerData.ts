/**
 * What a worker thread is started with (`workerData`): which topology module to import and which
 * instance to run.
 */
export interface WorkerData {
  /** Absolute path of the topology module. */
  readonly module: string
  readonly component: string
  readonly taskId: number
  readonly componentIndex: number
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

export const isWorkerData = (u: unknown): u is WorkerData =>
  isRecord(u) && typeof u["module"] === "string" && typeof u["component"] === "string" &&
  typeof u["taskId"] === "number" && typeof u["componentIndex"] === "number"
