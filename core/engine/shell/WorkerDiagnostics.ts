/**
 * What a container's shell asks an instance's worker thread about itself, over the worker's
 * message port: `{t: "diagnose", id, what: "heap"}` → `{t: "diagnosis", id, heap, spaces}`
 * (`v8.getHeapStatistics()` and `v8.getHeapSpaceStatistics()` of the worker's own isolate, which
 * the main thread cannot read on Node 20). The stream manager ignores the answer (it is not one of
 * its messages); the asking side listens for its own `id`.
 *
 * The worker side ({@link isDiagnoseRequest}, {@link diagnose}) is imported by `instance-worker.ts`
 * and must stay light: only `node:v8`.
 */
import * as v8 from "node:v8"

/** Asked of a worker. */
export interface DiagnoseRequest {
  readonly t: "diagnose"
  readonly id: number
  readonly what: "heap"
}

/** One heap space, as `v8.getHeapSpaceStatistics()` reports it. */
export interface HeapSpace {
  readonly space_name: string
  readonly space_size: number
  readonly space_used_size: number
  readonly space_available_size: number
  readonly physical_space_size: number
}

/** A worker's answer. */
export interface Diagnosis {
  readonly t: "diagnosis"
  readonly id: number
  readonly heap: Readonly<Record<string, number>>
  readonly spaces: ReadonlyArray<HeapSpace>
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

/** Checks a message a worker received. */
export const isDiagnoseRequest = (u: unknown): u is DiagnoseRequest =>
  isRecord(u) && u["t"] === "diagnose" && typeof u["id"] === "number" && u["what"] === "heap"

/** The heap of the calling thread's isolate. */
export const heapOfThisThread = (): Pick<Diagnosis, "heap" | "spaces"> => ({
  heap: { ...v8.getHeapStatistics() },
  spaces: v8.getHeapSpaceStatistics().map((s) => ({
    space_name: s.space_name,
    space_size: s.space_size,
    space_used_size: s.space_used_size,
    space_available_size: s.space_available_size,
    physical_space_size: s.physical_space_size
  }))
})

/** In the worker: the answer to a request. */
export const diagnose = (r: DiagnoseRequest): Diagnosis => ({ t: "diagnosis", id: r.id, ...heapOfThisThread() })

const isSpace = (u: unknown): u is HeapSpace =>
  isRecord(u) && typeof u["space_name"] === "string" &&
  ["space_size", "space_used_size", "space_available_size", "physical_space_size"].every((k) => typeof u[k] === "number")

/** Checks a message from a worker: the answer to request `id`. */
export const isDiagnosis = (u: unknown, id: number): u is Diagnosis =>
  isRecord(u) && u["t"] === "diagnosis" && u["id"] === id &&
  isRecord(u["heap"]) && Object.values(u["heap"]).every((v) => typeof v === "number") &&
  Array.isArray(u["spaces"]) && u["spaces"].every(isSpace)
