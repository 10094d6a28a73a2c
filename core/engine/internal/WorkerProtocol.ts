/**
 * Messages between a stream manager (main thread) and an instance (worker thread). Batches of
 * frames travel in the instance's rings (Ring.ts), a message naming each by its length (a number),
 * or, when bigger than a ring, as bare `Uint8Array`s (transferred, not copied); several in one
 * message come as an array, in order. Everything else is a small object with a `t` tag. Both
 * sides check what they receive with the guards below.
 */

/** What an instance needs to know of the physical plan. */
export interface PlanMessage {
  readonly t: "plan"
  /** Task ids per component, ascending. */
  readonly tasks: Readonly<Record<string, ReadonlyArray<number>>>
  /** The container of every task (keys are task ids). */
  readonly containers: Readonly<Record<string, number>>
  /** This instance's container. */
  readonly self: number
  /** RUNNING: spouts emit; PAUSED: they do not. */
  readonly active: boolean
  /** Topology config then the component's, as strings. */
  readonly config: Readonly<Record<string, string>>
  readonly topologyId: string
}

/** From the stream manager to an instance (besides frame batches). */
export type ToWorker =
  | PlanMessage
  | { readonly t: "throttle"; readonly on: boolean }
  /** The stream manager freed room in the ring the instance was waiting on (see BatchSender.ts). */
  | { readonly t: "room" }
  | { readonly t: "stop" }

/** An exception as the metrics manager reports it. */
export interface ExceptionReport {
  readonly message: string
  readonly stack: string
}

/** From an instance to the stream manager (besides frame batches). */
export type FromWorker =
  | { readonly t: "ready" }
  /** A batch was processed. `buffer`: the batch's ArrayBuffer, transferred back for reuse (see
   * BufferPool.ts), when it is big enough to be worth it. */
  | { readonly t: "consumed"; readonly bytes: number; readonly buffer?: ArrayBuffer }
  | { readonly t: "metrics"; readonly metrics: ReadonlyArray<readonly [string, number]> }
  | { readonly t: "exception"; readonly error: ExceptionReport; readonly fatal: boolean }
  | { readonly t: "log"; readonly level: "Info" | "Warning" | "Error"; readonly message: string }
  | { readonly t: "stopped" }

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

const isNumberArray = (u: unknown): u is ReadonlyArray<number> => Array.isArray(u) && u.every((n) => typeof n === "number")

const isStringRecord = (u: unknown): u is Readonly<Record<string, string>> =>
  isRecord(u) && Object.values(u).every((v) => typeof v === "string")

const isMetricPair = (u: unknown): u is readonly [string, number] =>
  Array.isArray(u) && u.length === 2 && typeof u[0] === "string" && typeof u[1] === "number"

/** Checks a message from the stream manager. */
export const isToWorker = (u: unknown): u is ToWorker => {
  if (!isRecord(u)) return false
  switch (u["t"]) {
    case "plan":
      return typeof u["active"] === "boolean" && typeof u["topologyId"] === "string" && isStringRecord(u["config"]) &&
        typeof u["self"] === "number" && isRecord(u["containers"]) && Object.values(u["containers"]).every((c) => typeof c === "number") &&
        isRecord(u["tasks"]) && Object.values(u["tasks"]).every(isNumberArray)
    case "throttle":
      return typeof u["on"] === "boolean"
    case "room":
    case "stop":
      return true
    default:
      return false
  }
}

/** Checks a message from an instance. */
export const isFromWorker = (u: unknown): u is FromWorker => {
  if (!isRecord(u)) return false
  switch (u["t"]) {
    case "ready":
    case "stopped":
      return true
    case "consumed":
      return typeof u["bytes"] === "number" && (u["buffer"] === undefined || u["buffer"] instanceof ArrayBuffer)
    case "metrics":
      return Array.isArray(u["metrics"]) && u["metrics"].every(isMetricPair)
    case "exception": {
      const e = u["error"]
      return typeof u["fatal"] === "boolean" && isRecord(e) && typeof e["message"] === "string" && typeof e["stack"] === "string"
    }
    case "log":
      return (u["level"] === "Info" || u["level"] === "Warning" || u["level"] === "Error") && typeof u["message"] === "string"
    default:
      return false
  }
}

/** Describes an unknown thrown value. */
export const toReport = (e: unknown): ExceptionReport =>
  e instanceof Error
    ? { message: `${e.name}: ${e.message}`, stack: e.stack ?? `${e.name}: ${e.message}` }
    : { message: String(e), stack: String(e) }
