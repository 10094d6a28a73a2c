/**
 * The byte-level store a state-manager plugin implements (a directory, ZooKeeper, ...).
 * Paths are absolute slash-separated node paths under the plugin's root, e.g. `/topologies/wc`.
 */
import type { Duration, Effect, Option, Scope, Stream } from "effect"
import type { LockError, StateError } from "../StateManager.js"

export interface NodeStore {
  /** `None` when the node does not exist (or is ephemeral and its owner is gone). */
  readonly read: (path: string) => Effect.Effect<Option.Option<Uint8Array>, StateError>
  /** Creates or replaces a node atomically. Ephemeral nodes vanish with their writer. */
  readonly write: (path: string, data: Uint8Array, options: { readonly ephemeral: boolean }) => Effect.Effect<void, StateError>
  /** Removes a node; absent is fine. */
  readonly remove: (path: string) => Effect.Effect<void, StateError>
  /** Names of the direct children of a folder node; none when it does not exist. */
  readonly children: (path: string) => Effect.Effect<ReadonlyArray<string>, StateError>
  /** The node's current content, then each change, until interrupted. */
  readonly watch: (path: string) => Stream.Stream<Option.Option<Uint8Array>, StateError>
  /** The names of a folder node's children (as `children`), then each change, until interrupted. */
  readonly watchChildren: (path: string) => Stream.Stream<ReadonlyArray<string>, StateError>
  /**
   * Joins the election at `path`: emits `true` when this process becomes the leader and `false`
   * when it loses leadership (a ZooKeeper session expired), rejoining by itself; interrupting the
   * stream withdraws the candidacy. Stores without sessions can use `leadershipByLock`.
   */
  readonly leadership: (path: string) => Stream.Stream<boolean, StateError>
  /** An exclusive lock for the scope, across processes. */
  readonly lock: (path: string, timeout: Duration.DurationInput) => Effect.Effect<void, LockError | StateError, Scope.Scope>
}
