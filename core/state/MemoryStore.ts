/**
 * An in-memory {@link NodeStore}, for tests and dry runs. Ephemeral nodes live as long as the store.
 */
import { Duration, Effect, HashMap, Layer, Stream, SubscriptionRef } from "effect"
import { LockError, StateManager } from "../StateManager.js"
import type { NodeStore } from "./NodeStore.js"
import { leadershipByLock } from "./leadershipByLock.js"
import { makeStateManager } from "./makeStateManager.js"

const childrenOf = (m: HashMap.HashMap<string, Uint8Array>, path: string): ReadonlyArray<string> =>
  Array.from(HashMap.keys(m))
    .filter((k) => k.startsWith(`${path}/`) && !k.slice(path.length + 1).includes("/"))
    .map((k) => k.slice(path.length + 1))
    .sort()

export const make: Effect.Effect<NodeStore> = Effect.gen(function* () {
  const nodes = yield* SubscriptionRef.make(HashMap.empty<string, Uint8Array>())
  const locks = new Map<string, Effect.Semaphore>()
  const semaphore = (path: string) =>
    Effect.sync(() => {
      const existing = locks.get(path)
      if (existing) return existing
      const created = Effect.unsafeMakeSemaphore(1)
      locks.set(path, created)
      return created
    })
  const lock = (path: string, timeout: Duration.DurationInput) =>
    Effect.gen(function* () {
      const sem = yield* semaphore(path)
      yield* Effect.acquireRelease(
        sem.take(1).pipe(
          Effect.timeoutFail({
            duration: Duration.decode(timeout),
            onTimeout: () => new LockError({ topology: path, message: `lock ${path} is held by someone else` })
          })
        ),
        () => sem.release(1)
      )
    })
  return {
    read: (path) => Effect.map(SubscriptionRef.get(nodes), HashMap.get(path)),
    write: (path, data) => SubscriptionRef.update(nodes, HashMap.set(path, data)),
    remove: (path) => SubscriptionRef.update(nodes, HashMap.remove(path)),
    children: (path) => Effect.map(SubscriptionRef.get(nodes), (m) => childrenOf(m, path)),
    watch: (path) => Stream.map(nodes.changes, HashMap.get(path)),
    watchChildren: (path) => Stream.map(nodes.changes, (m) => childrenOf(m, path)),
    leadership: (path) => leadershipByLock(lock, path),
    lock
  } satisfies NodeStore
})

/** A StateManager over a fresh in-memory store. */
export const layer: Layer.Layer<StateManager> = Layer.effect(StateManager, Effect.map(make, makeStateManager))
