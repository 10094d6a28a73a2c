/**
 * The Tracker's view of one cluster's topologies, kept current by the state manager's watches (a
 * folder watch on localfs, ZooKeeper watches) as Heron's tracker does, instead of reading every
 * node again for each request: a request is answered from memory.
 *
 * A watch of the set of execution states starts one fiber per topology, which follows its seven
 * nodes (execution state, logical plan, packing plan, physical plan, TManager, scheduler and
 * metrics cache locations) and replaces the topology's snapshot on every change. A topology the cache has not
 * seen yet (just submitted, or the watches are still starting) is read directly, so an answer never
 * misses a topology that exists. A failing watch is retried with backoff; meanwhile answers are read
 * directly.
 */
import { Effect, FiberMap, Option, Schedule, Stream, type Scope } from "effect"
import type { ClusterServices } from "../Clusters.js"
import type { StateError } from "../StateManager.js"
import type { TopologySnapshot } from "./wire/Snapshot.js"

/** What the Tracker asks of a cluster's cache. */
export interface TopologyCache {
  /** The snapshot of `name`: `None` when the cache has not seen it (read it directly then). */
  readonly get: (name: string) => Option.Option<TopologySnapshot>
  /** Every topology of the cluster; `None` until the first listing arrived, or while it is failing. */
  readonly list: () => Option.Option<ReadonlyArray<TopologySnapshot>>
}

const retrying = Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))

const optional = <A>(s: Stream.Stream<Option.Option<A>, StateError>): Stream.Stream<A | undefined, StateError> =>
  Stream.map(s, Option.getOrUndefined)

/** Starts following `cluster`'s topologies for the enclosing scope. */
export const make = (cluster: ClusterServices): Effect.Effect<TopologyCache, never, Scope.Scope> =>
  Effect.gen(function*() {
    const sm = cluster.stateManager
    // Every followed topology once its nodes were first read; `null`: not a topology of this cluster.
    const snapshots = new Map<string, TopologySnapshot | null>()
    const followed = new Set<string>()
    let listed = false
    const fibers = yield* FiberMap.make<string>()

    const follow = (name: string) =>
      Stream.zipLatestAll(
        sm.watch("executionstate", name),
        optional(sm.watch("topologies", name)),
        optional(sm.watch("packingplans", name)),
        optional(sm.watch("pplans", name)),
        optional(sm.watch("tmanagers", name)),
        optional(sm.watch("schedulers", name)),
        optional(sm.watch("metricscaches", name))
      ).pipe(
        Stream.runForEach(([es, topology, packingPlan, physicalPlan, tmanager, scheduler, metricsCache]) =>
          Effect.sync(() => {
            // Another cluster's topology in a shared state manager is not this cluster's.
            if (Option.isNone(es) || es.value.cluster !== cluster.name) snapshots.set(name, null)
            else snapshots.set(name, { name, executionState: es.value, topology, packingPlan, physicalPlan, tmanager, scheduler, metricsCache })
          })),
        Effect.tapError((e) => Effect.sync(() => snapshots.delete(name)).pipe(
          Effect.zipRight(Effect.logWarning(`tracker: watching topology ${name} failed: ${e.message}; retrying`))
        )),
        Effect.retry(retrying),
        Effect.ensuring(Effect.sync(() => snapshots.delete(name)))
      )

    yield* sm.watchList("executionstate").pipe(
      Stream.runForEach((names) =>
        Effect.gen(function*() {
          for (const known of [...followed]) {
            if (names.includes(known)) continue
            followed.delete(known)
            yield* FiberMap.remove(fibers, known)
          }
          for (const name of names) {
            followed.add(name)
            yield* FiberMap.run(fibers, name, follow(name), { onlyIfMissing: true })
          }
          listed = true
        })),
      Effect.tapError((e) => Effect.sync(() => (listed = false)).pipe(
        Effect.zipRight(Effect.logWarning(`tracker: watching the topologies of cluster ${cluster.name} failed: ${e.message}; retrying`))
      )),
      Effect.retry(retrying),
      Effect.annotateLogs({ cluster: cluster.name }),
      Effect.forkScoped
    )

    return {
      get: (name) => Option.fromNullable(snapshots.get(name)),
      // Until every listed topology has its first snapshot, the listing is read directly.
      list: () =>
        listed && [...followed].every((n) => snapshots.has(n))
          ? Option.some([...followed].flatMap((n) => { const s = snapshots.get(n); return s === undefined || s === null ? [] : [s] }))
          : Option.none()
    }
  })
