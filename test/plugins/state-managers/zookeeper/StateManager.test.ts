import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { isEphemeralKind, stateKinds } from "../../../../core/StateManager.js"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { samples } from "../samples.js"
import { freshRoot, openStore, rawClient, statOf, TestZooKeeper, textOf, zkLayer } from "./helpers.js"

describe.skipIf(skipWithoutZooKeeper())("zookeeper through makeStateManager", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("round-trips every kind of state under Heron's layout, locations as ephemeral znodes", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const raw = yield* rawClient(zk.connectionString)
        const sm = makeStateManager(store)
        for (const kind of stateKinds) {
          expect(yield* sm.get(kind, "wc")).toEqual(Option.none())
          yield* sm.set(kind, "wc", samples[kind])
          expect(yield* sm.get(kind, "wc")).toEqual(Option.some(samples[kind]))
          expect(yield* sm.list(kind)).toEqual(["wc"])

          // Heron's layout: one znode per topology in the kind's folder under the root, holding JSON.
          const stat = Option.getOrThrow(yield* statOf(raw, `${root}/${kind}/wc`))
          expect(stat.ephemeralOwner.some((b) => b !== 0), kind).toBe(isEphemeralKind(kind))
          const json = Option.getOrThrow(yield* textOf(raw, `${root}/${kind}/wc`))
          expect(() => JSON.parse(json)).not.toThrow()

          yield* sm.delete(kind, "wc")
          expect(yield* sm.get(kind, "wc")).toEqual(Option.none())
          expect(yield* sm.list(kind)).toEqual([])
          yield* sm.delete(kind, "wc")
        }
      }))

    it.scoped("takes the update lock at /locks/<topology>__updateTopology and removes it on release", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const sm = makeStateManager(yield* openStore(root))
        const raw = yield* rawClient(zk.connectionString)
        yield* Effect.scoped(Effect.gen(function* () {
          yield* sm.lock("wc", "5 seconds")
          expect(Option.isSome(yield* statOf(raw, `${root}/locks/wc__updateTopology`))).toBe(true)
        }))
        expect(yield* statOf(raw, `${root}/locks/wc__updateTopology`)).toEqual(Option.none())
      }))
  })
})
