/**
 * State operations per second and their latency: `get` and `set` of one physical plan through a
 * `StateManager`, sequentially (one fiber) or with several fibers at once, each on a topology of
 * its own, for a fixed time. Every operation is timed on its own (`performance.now`), so p50 and
 * p99 include Effect's own overhead, as a runtime's calls do.
 */
import { Effect, type ParseResult, Schema } from "effect"
import { PhysicalPlan } from "../../core/model/PhysicalPlan.js"
import type { StateError, StateManagerService } from "../../core/StateManager.js"
import { quantile } from "../internal/CountFiles.js"
import { registration } from "../tracker/Registry.js"

/** A realistic plan: 30 containers of 10 instances (one spout, 299 bolt tasks). */
export const benchPlan = (): PhysicalPlan =>
  registration({ name: "bench", cluster: "bench", role: "bench", boltParallelism: 299, perContainer: 10, submittedAt: 1_700_000_000 }).physicalPlan

export type Op = "get" | "set"

export interface OpsPass {
  readonly op: Op
  readonly concurrency: number
  readonly ops: number
  readonly seconds: number
  readonly perSec: number
  /** Milliseconds. */
  readonly p50: number
  readonly p99: number
}

const topologyOf = (worker: number) => `bench-${worker}`

/** Writes the plan under every worker's topology, so that `get` finds it. */
export const seed = (sm: StateManagerService, plan: PhysicalPlan, concurrency: number): Effect.Effect<void, StateError> =>
  Effect.forEach(Array.from({ length: concurrency }, (_, w) => w), (w) => sm.set("pplans", topologyOf(w), plan), { discard: true })

/** Calls `call` from `concurrency` fibers for `seconds`, each fiber with its own topology. */
const loop = <E>(op: Op, concurrency: number, seconds: number, call: (topology: string) => Effect.Effect<unknown, E>): Effect.Effect<OpsPass, E> =>
  Effect.gen(function* () {
    const latencies: Array<number> = []
    const started = performance.now()
    const deadline = started + seconds * 1000
    const worker = (w: number) =>
      Effect.gen(function* () {
        const topology = topologyOf(w)
        while (performance.now() < deadline) {
          const t = performance.now()
          yield* call(topology)
          latencies.push(performance.now() - t)
        }
      })
    yield* Effect.forEach(Array.from({ length: concurrency }, (_, w) => w), worker, { concurrency: "unbounded", discard: true })
    const elapsed = (performance.now() - started) / 1000
    return {
      op,
      concurrency,
      ops: latencies.length,
      seconds: elapsed,
      perSec: latencies.length / elapsed,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99)
    }
  })

/** Runs `op` on the state manager from `concurrency` fibers for `seconds`. */
export const measure = (sm: StateManagerService, plan: PhysicalPlan, op: Op, concurrency: number, seconds: number): Effect.Effect<OpsPass, StateError> =>
  loop(op, concurrency, seconds, (topology) => (op === "get" ? sm.get("pplans", topology) : sm.set("pplans", topology, plan)))

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** What `op` costs before any I/O, from one fiber: the codec `makeStateManager` applies (bytes →
 * JSON → schema decode for `get`, the reverse for `set`). */
export const measureCodec = (plan: PhysicalPlan, op: Op, seconds: number): Effect.Effect<OpsPass, ParseResult.ParseError> =>
  Effect.gen(function* () {
    const bytes = encoder.encode(JSON.stringify(yield* Schema.encode(PhysicalPlan)(plan)))
    return yield* loop(op, 1, seconds, () =>
      op === "get"
        ? Schema.decodeUnknown(PhysicalPlan)(JSON.parse(decoder.decode(bytes)))
        : Effect.map(Schema.encode(PhysicalPlan)(plan), (json) => encoder.encode(JSON.stringify(json))))
  })
