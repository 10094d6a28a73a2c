/**
 * The state manager contract, after Heron's `IStateManager`: the single source of truth of a
 * cluster. Values are typed by kind and stored as JSON under Heron's layout
 * (`/topologies/<name>`, `/packingplans/<name>`, ...). Plugins usually implement the smaller
 * {@link NodeStore} and get this service from `makeStateManager`.
 */
import { Context, Schema, type Duration, type Effect, type Option, type Scope, type Stream } from "effect"
import { ExecutionState } from "./model/ExecutionState.js"
import { MetricsCacheLocation, RuntimeLocation, SchedulerLocation, TManagerLocation } from "./model/Locations.js"
import { PackingPlan } from "./model/PackingPlan.js"
import { PhysicalPlan } from "./model/PhysicalPlan.js"
import { Topology } from "./model/Topology.js"

/** Each kind of state, named after its folder in Heron's layout, with the schema of its value. */
export const StateKinds = {
  topologies: Topology,
  packingplans: PackingPlan,
  pplans: PhysicalPlan,
  executionstate: ExecutionState,
  tmanagers: TManagerLocation,
  metricscaches: MetricsCacheLocation,
  schedulers: SchedulerLocation,
  /** Keyed by cluster name, not topology: the runtime serving that cluster. */
  runtimes: RuntimeLocation
} as const
export type StateKind = keyof typeof StateKinds
export type StateValue<K extends StateKind> = (typeof StateKinds)[K]["Type"]
export const stateKinds = Object.keys(StateKinds) as ReadonlyArray<StateKind>

/** Locations vanish with the process (or session) that wrote them. */
export const isEphemeralKind = (kind: StateKind): boolean =>
  kind === "tmanagers" || kind === "metricscaches" || kind === "schedulers" || kind === "runtimes"

/** Reading, writing or watching the store failed, or a stored value does not decode. */
export class StateError extends Schema.TaggedError<StateError>()("StateError", {
  op: Schema.String,
  path: Schema.String,
  message: Schema.String
}) {}

/** The per-topology lock could not be taken in time: someone else holds it. */
export class LockError extends Schema.TaggedError<LockError>()("LockError", {
  topology: Schema.String,
  message: Schema.String
}) {}

export interface StateManagerService {
  /** Reads one value. `None` when absent: absence is not an error. Fails with `StateError` when
   * the store cannot be read or the stored bytes do not decode as the kind's schema. */
  readonly get: <K extends StateKind>(kind: K, topology: string) => Effect.Effect<Option.Option<StateValue<K>>, StateError>
  /** Writes one value atomically: a reader sees the old value or the new one, never a mix.
   * Values of ephemeral kinds (locations) are owned by this process and vanish when it dies. */
  readonly set: <K extends StateKind>(kind: K, topology: string, value: StateValue<K>) => Effect.Effect<void, StateError>
  /** Removes one value; removing an absent value succeeds. */
  readonly delete: (kind: StateKind, topology: string) => Effect.Effect<void, StateError>
  /** Names of the topologies that have a value of this kind. */
  readonly list: (kind: StateKind) => Effect.Effect<ReadonlyArray<string>, StateError>
  /** The names of the topologies that have a value of this kind, then every change of that set
   * (deduplicated), until the stream is interrupted: what the supervisors and the Tracker follow. */
  readonly watchList: (kind: StateKind) => Stream.Stream<ReadonlyArray<string>, StateError>
  /**
   * Joins the election of the runtimes serving `cluster` (`/leaders/<cluster>`): `true` when this
   * process leads (only the leader supervises topologies), `false` when it lost leadership (a
   * ZooKeeper session expired); it rejoins by itself. Interrupting the stream withdraws.
   */
  readonly leadership: (cluster: string) => Stream.Stream<boolean, StateError>
  /** The current value, then every change (deduplicated), until the stream is interrupted. */
  readonly watch: <K extends StateKind>(kind: K, topology: string) => Stream.Stream<Option.Option<StateValue<K>>, StateError>
  /** Takes the topology's update lock (`/locks/<topology>__updateTopology`) for the enclosing scope.
   * Waits up to `timeout` (default 10 s), then fails with `LockError`. Safe across processes. */
  readonly lock: (topology: string, timeout?: Duration.DurationInput) => Effect.Effect<void, LockError | StateError, Scope.Scope>
}

export class StateManager extends Context.Tag("heron/StateManager")<StateManager, StateManagerService>() {}
