/**
 * Reads topologies for the Tracker's handlers: from the cluster's watched cache (`TopologyCache`)
 * when the runtime started one and it has the answer, else from the state manager directly.
 */
import { Effect, Option } from "effect"
import type { ClusterServices, ClustersService } from "../Clusters.js"
import type { StateError, StateKind, StateValue } from "../StateManager.js"
import { TrackerFailure } from "./Envelope.js"
import type { TopologySnapshot } from "./wire/Snapshot.js"

/** How a request names one topology. `role` is optional: some clients never send it. */
export interface TopologyAddress {
  readonly cluster: string
  readonly environ: string
  readonly role: string | undefined
  readonly topology: string
}

/** `local/alice/default/wc`; `*` stands for the role when the request gave none. */
export const formatAddress = (a: TopologyAddress): string => `${a.cluster}/${a.role ?? "*"}/${a.environ}/${a.topology}`

const stateFailure = (cluster: string) => (e: StateError) =>
  new TrackerFailure({ status: 500, message: `State manager of cluster ${cluster} failed to ${e.op} ${e.path}: ${e.message}` })

/**
 * Reads one topology. `None` when it has no execution state, or when the execution state belongs
 * to another cluster (two cluster definitions may share one state manager).
 */
export const load = (cluster: ClusterServices, name: string): Effect.Effect<Option.Option<TopologySnapshot>, TrackerFailure> => {
  const sm = cluster.stateManager
  const get = <K extends StateKind>(kind: K): Effect.Effect<StateValue<K> | undefined, StateError> =>
    Effect.map(sm.get(kind, name), Option.getOrUndefined)
  return Effect.gen(function*() {
    const es = yield* get("executionstate")
    if (es === undefined || es.cluster !== cluster.name) return Option.none()
    const [topology, packingPlan, physicalPlan, tmanager, scheduler] = yield* Effect.all([
      get("topologies"),
      get("packingplans"),
      get("pplans"),
      get("tmanagers"),
      get("schedulers")
    ], { concurrency: "unbounded" })
    return Option.some({ name, executionState: es, topology, packingPlan, physicalPlan, tmanager, scheduler })
  }).pipe(Effect.mapError(stateFailure(cluster.name)))
}

/** Every topology of one cluster, by name. */
export const listCluster = (cluster: ClusterServices): Effect.Effect<ReadonlyArray<TopologySnapshot>, TrackerFailure> => {
  const cached = cluster.topologies?.list() ?? Option.none()
  return Option.isSome(cached) ? Effect.succeed(cached.value) : readCluster(cluster)
}

const readCluster = (cluster: ClusterServices): Effect.Effect<ReadonlyArray<TopologySnapshot>, TrackerFailure> =>
  cluster.stateManager.list("executionstate").pipe(
    Effect.mapError(stateFailure(cluster.name)),
    Effect.flatMap((names) => Effect.forEach(names, (n) => load(cluster, n), { concurrency: 8 })),
    Effect.map((all) => all.flatMap(Option.toArray))
  )

/** Every topology of the given clusters (all when `names` is empty); unknown names match nothing. */
export const listAll = (
  clusters: ClustersService,
  names: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<TopologySnapshot>, TrackerFailure> =>
  Effect.map(
    Effect.forEach(clusters.all.filter((c) => names.length === 0 || names.includes(c.name)), listCluster),
    (perCluster) => perCluster.flat()
  )

/** Whether every node of a running topology is there. */
const complete = (s: TopologySnapshot): boolean =>
  s.topology !== undefined && s.packingPlan !== undefined && s.physicalPlan !== undefined && s.tmanager !== undefined && s.scheduler !== undefined

/** One topology read directly. Listing first keeps names the store would reject (`../x`) an
 * unknown topology, not a store error. */
const read = (cluster: ClusterServices, name: string): Effect.Effect<Option.Option<TopologySnapshot>, TrackerFailure> =>
  Effect.flatMap(Effect.mapError(cluster.stateManager.list("executionstate"), stateFailure(cluster.name)), (names) =>
    names.includes(name) ? load(cluster, name) : Effect.succeedNone)

/**
 * The topology a request names: cluster and name select it, environ (and role, when given) must
 * match its execution state. Fails with 404 `Unknown cluster: x` or `Unknown topology: c/r/e/t`.
 * A watched snapshot is used when `usable` accepts it (by default: when every node of a running
 * topology is there); else the topology is read directly.
 */
export const find = (
  clusters: ClustersService,
  a: TopologyAddress,
  usable: (s: TopologySnapshot) => boolean = complete
): Effect.Effect<TopologySnapshot, TrackerFailure> =>
  Effect.gen(function*() {
    const cluster = yield* Option.match(clusters.get(a.cluster), {
      onNone: () => Effect.fail(new TrackerFailure({ status: 404, message: `Unknown cluster: ${a.cluster}` })),
      onSome: Effect.succeed
    })
    // Built only when needed: an error captures a stack trace, too dear for every request.
    const unknown = () => new TrackerFailure({ status: 404, message: `Unknown topology: ${formatAddress(a)}` })
    // A topology still coming up (no physical plan or locations yet) is read directly: its next
    // node may be written already while the watch has not delivered it.
    const cached = Option.filter(cluster.topologies?.get(a.topology) ?? Option.none(), usable)
    const found = Option.isSome(cached) ? cached : yield* read(cluster, a.topology)
    if (Option.isNone(found)) return yield* unknown()
    const es = found.value.executionState
    if (es.environ !== a.environ || (a.role !== undefined && es.role !== a.role)) return yield* unknown()
    return found.value
  })

/**
 * When `s` is the watched snapshot of its topology: a test that stays true while the watch has
 * delivered no change since (what an answer made from `s` depends on). `None` for a topology read
 * directly, which nothing tells the Tracker about.
 */
export const watchedSince = (clusters: ClustersService, s: TopologySnapshot): Option.Option<() => boolean> => {
  const watched = Option.flatMap(clusters.get(s.executionState.cluster), (c) => Option.fromNullable(c.topologies))
  if (Option.isNone(watched)) return Option.none()
  const cache = watched.value
  const current = () => Option.getOrUndefined(cache.get(s.name)) === s
  return current() ? Option.some(current) : Option.none()
}
