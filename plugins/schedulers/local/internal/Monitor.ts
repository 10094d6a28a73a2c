/**
 * The monitor: every `monitorIntervalMs`, checks each container of each topology and relaunches
 * the ones that exited, with an exponential backoff per container. It runs for the life of the
 * layer and never stops on an error: failures are logged and retried on a later tick.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Clock, Effect, HashMap, Option, Schedule, SynchronizedRef } from "effect"
import * as State from "./State.js"
import * as Store from "./Store.js"

/** The settings the monitor needs (from the plugin's config). */
export interface MonitorOptions {
  readonly intervalMs: number
  readonly backoffMs: number
  readonly maxBackoffMs: number
  readonly graceMs: number
}

const nextBackoff = (c: State.Container, o: MonitorOptions): number => Math.min(c.backoffMs * 2, o.maxBackoffMs)

/** One container for one tick: unchanged, marked down, or relaunched. */
const superviseContainer = (t: State.Topology, c: State.Container, o: MonitorOptions, now: number) =>
  Effect.gen(function*() {
    const exited = yield* State.checkExited(c)
    if (Option.isNone(exited)) {
      // Up long enough: the next failure starts again from the initial delay.
      return c.backoffMs !== o.backoffMs && now - c.startedAt >= o.maxBackoffMs ? { ...c, backoffMs: o.backoffMs } : c
    }
    if (Option.isNone(c.downSince)) {
      yield* Effect.logWarning(`container ${c.index} ${exited.value}; relaunching in ${c.backoffMs} ms`)
      return { ...c, downSince: Option.some(now) }
    }
    if (now - c.downSince.value < c.backoffMs) return c
    const relaunch = State.run(t.ref, t.dir, { graceMs: o.graceMs, backoffMs: nextBackoff(c, o), now })(
      State.Action.Start({ spec: c, current: Option.some(c), restarts: c.restarts + 1 })
    )
    const outcome = yield* relaunch
    return yield* Option.match(outcome.failure, {
      onNone: () =>
        Effect.succeed(Option.getOrElse(outcome.entry, () => c)).pipe(
          Effect.tap((n) => Effect.logWarning(`relaunched container ${n.index} (restart ${n.restarts}, pid ${n.pid})`))
        ),
      onSome: (e) =>
        Effect.logError(`cannot relaunch container ${c.index}: ${e.message}`).pipe(
          Effect.as({ ...c, downSince: Option.some(now), backoffMs: nextBackoff(c, o) })
        )
    })
  }).pipe(Effect.annotateLogs({ topology: t.ref.name, container: c.index }))

const superviseTopology = (t: State.Topology, o: MonitorOptions, now: number) =>
  Effect.gen(function*() {
    const containers = yield* Effect.forEach(t.containers, (c) => superviseContainer(t, c, o, now), {
      concurrency: "unbounded"
    })
    const next: State.Topology = { ...t, containers }
    const relaunched = containers.some((c, i) => c.pid !== t.containers[i]?.pid)
    if (relaunched) {
      yield* Store.write(t.dir, State.toStored(next)).pipe(
        Effect.catchTag("LocalFailure", (e) => Effect.logError(e.message)),
        Effect.annotateLogs({ topology: t.ref.name })
      )
    }
    return next
  })

/** One pass over every topology. Holds the state lock, so it never races a `kill` or `restart`. */
export const tick = (
  state: SynchronizedRef.SynchronizedRef<State.Topologies>,
  o: MonitorOptions
): Effect.Effect<void, never, FileSystem.FileSystem | Path.Path> =>
  SynchronizedRef.updateEffect(state, (topologies) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const entries = yield* Effect.forEach(
        HashMap.toEntries(topologies),
        ([name, t]) => superviseTopology(t, o, now).pipe(Effect.map((n) => [name, n] as const))
      )
      return HashMap.fromIterable(entries)
    }))

/** Runs {@link tick} forever. Any failure or defect of a tick is logged; the loop goes on. */
export const run = (
  state: SynchronizedRef.SynchronizedRef<State.Topologies>,
  o: MonitorOptions
): Effect.Effect<never, never, FileSystem.FileSystem | Path.Path> =>
  tick(state, o).pipe(
    // A pass that started a process finishes recording it, even when the layer is shutting down.
    Effect.uninterruptible,
    Effect.catchAllCause((cause) => Effect.logError("local scheduler monitor: tick failed", cause)),
    Effect.repeat(Schedule.spaced(o.intervalMs)),
    Effect.zipRight(Effect.never)
  )
