import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Stream } from "effect"
import { StateManager } from "../../core/StateManager.js"
import * as MemoryStore from "../../core/state/MemoryStore.js"
import { TManagerLocation } from "../../core/model/Locations.js"

const loc = (port: number) =>
  new TManagerLocation({ topologyName: "wc", topologyId: "wc-1", host: "h", controllerPort: port, serverPort: 2, statsPort: 3, shellPort: 4 })

describe("makeStateManager over the memory store", () => {
  it.effect("round-trips typed values and lists them", () =>
    Effect.gen(function* () {
      const sm = yield* StateManager
      expect(yield* sm.get("tmanagers", "wc")).toEqual(Option.none())
      yield* sm.set("tmanagers", "wc", loc(1))
      const got = yield* sm.get("tmanagers", "wc")
      expect(Option.getOrThrow(got).controllerPort).toBe(1)
      expect(yield* sm.list("tmanagers")).toEqual(["wc"])
      yield* sm.delete("tmanagers", "wc")
      expect(yield* sm.list("tmanagers")).toEqual([])
    }).pipe(Effect.provide(MemoryStore.layer)))

  it.effect("rejects a topology name that would escape its folder", () =>
    Effect.gen(function* () {
      const sm = yield* StateManager
      const err = yield* Effect.flip(sm.get("topologies", "../etc"))
      expect(err.message).toContain('invalid topology name "../etc"')
    }).pipe(Effect.provide(MemoryStore.layer)))

  it.live("watch emits the current value then each distinct change", () =>
    Effect.gen(function* () {
      const sm = yield* StateManager
      const fiber = yield* sm.watch("tmanagers", "wc").pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      yield* Effect.sleep("10 millis")
      yield* sm.set("tmanagers", "wc", loc(1))
      yield* sm.set("tmanagers", "wc", loc(1))
      yield* sm.set("tmanagers", "wc", loc(2))
      const seen = Array.from(yield* Fiber.join(fiber))
      expect(seen.map(Option.map((l) => l.controllerPort))).toEqual([Option.none(), Option.some(1), Option.some(2)])
    }).pipe(Effect.provide(MemoryStore.layer)), { timeout: 5000 })

  it.live("watchList emits the names of a kind, then each change of the set, without repeats", () =>
    Effect.gen(function* () {
      const sm = yield* StateManager
      const fiber = yield* sm.watchList("tmanagers").pipe(Stream.take(3), Stream.runCollect, Effect.fork)
      yield* Effect.sleep("20 millis")
      yield* sm.set("tmanagers", "wc", loc(1))
      yield* Effect.sleep("20 millis")
      yield* sm.set("tmanagers", "wc", loc(2)) // same set of names: no emission
      yield* sm.set("tmanagers", "ex", loc(3))
      const lists = yield* Fiber.join(fiber)
      expect(Array.from(lists)).toEqual([[], ["wc"], ["ex", "wc"]])
    }).pipe(Effect.provide(MemoryStore.layer)))

  it.live("leadership: the first candidate leads; when it withdraws, the next one does", () =>
    Effect.gen(function* () {
      const sm = yield* StateManager
      const first = yield* sm.leadership("local").pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      expect(Array.from(yield* Fiber.join(first))).toEqual([true])
      const holder = yield* sm.leadership("local").pipe(Stream.runDrain, Effect.fork)
      yield* Effect.sleep("50 millis")
      const second = yield* sm.leadership("local").pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* Effect.sleep("300 millis")
      expect(second.unsafePoll()).toBeNull() // waits while the holder leads
      yield* Fiber.interrupt(holder)
      expect(Array.from(yield* Fiber.join(second))).toEqual([true])
      // Another cluster has its own election.
      expect(Array.from(yield* sm.leadership("prod").pipe(Stream.take(1), Stream.runCollect))).toEqual([true])
    }).pipe(Effect.provide(MemoryStore.layer)))
})
