import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Fiber, Option, Queue, Stream } from "effect"
import * as LocalFsStore from "../../../../plugins/state-managers/localfs/LocalFsStore.js"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import type { NodeStore } from "../../../../core/state/NodeStore.js"
import { eventually, kill, spawnChild, tempStore } from "./helpers.js"

const text = (s: string) => new TextEncoder().encode(s)
const decoder = new TextDecoder()

/** Runs the watch in the background; `next` takes the next emission (or dies after 10 s). */
const watching = (store: NodeStore, path: string) =>
  Effect.gen(function* () {
    const seen = yield* Queue.unbounded<Option.Option<string>>()
    const fiber = yield* store.watch(path).pipe(
      Stream.runForEach((v) => Queue.offer(seen, Option.map(v, (b) => decoder.decode(b)))),
      Effect.forkScoped
    )
    const next = Queue.take(seen).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => `no change seen on ${path}` }), Effect.orDie)
    return { next, fiber }
  })

/** Open `fs.watch` handles of this process. */
const fsWatchers = () => process.getActiveResourcesInfo().filter((r) => r === "FSEventWrap").length

layer(NodeContext.layer, { excludeTestServices: true })("LocalFsStore.watch", (it) => {
  it.scoped("emits the current content, then each change (fs events alone, the poll being an hour)", () =>
    Effect.gen(function* () {
      const { store } = yield* tempStore("1 hour")
      yield* store.write("/topologies/wc", text("v0"), { ephemeral: false })
      const w = yield* watching(store, "/topologies/wc")
      expect(yield* w.next).toEqual(Option.some("v0"))
      yield* store.write("/topologies/other", text("unrelated"), { ephemeral: false })
      yield* store.write("/topologies/wc", text("v1"), { ephemeral: false })
      expect(yield* w.next).toEqual(Option.some("v1"))
      yield* store.remove("/topologies/wc")
      expect(yield* w.next).toEqual(Option.none())
      yield* store.write("/topologies/wc", text("v2"), { ephemeral: false })
      expect(yield* w.next).toEqual(Option.some("v2"))
    }))

  it.scoped("sees the writes of another process (fs events alone)", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore("1 hour")
      yield* store.write("/topologies/other", text("makes the folder"), { ephemeral: false })
      const w = yield* watching(store, "/topologies/wc")
      expect(yield* w.next).toEqual(Option.none())
      const child = yield* spawnChild(["write", root, "/topologies/wc", "x", "y", "z"])
      const seen: Array<string> = []
      while (seen.at(-1) !== "z") seen.push(Option.getOrThrow(yield* w.next))
      // In order, without repeats; rapid changes may coalesce, but the last one always shows.
      expect(["x", "y", "z"].filter((v) => seen.includes(v))).toEqual(seen)
      expect(yield* child.exited).toBe(0)
    }), { timeout: 30_000 })

  it.scoped("notices a folder created after the watch began, and the death of an ephemeral node's owner", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore("50 millis")
      const w = yield* watching(store, "/tmanagers/wc")
      expect(yield* w.next).toEqual(Option.none())
      const child = yield* spawnChild(["ephemeral", root, "/tmanagers/wc", "location"])
      expect(yield* w.next).toEqual(Option.some("location"))
      // Killing the owner makes no filesystem event: the poll catches it.
      yield* kill(child)
      expect(yield* w.next).toEqual(Option.none())
    }), { timeout: 30_000 })

  it.scoped("closes its fs watcher when interrupted", () =>
    Effect.gen(function* () {
      const { store } = yield* tempStore("1 hour")
      yield* store.write("/topologies/wc", text("v0"), { ephemeral: false })
      const before = fsWatchers()
      const w = yield* watching(store, "/topologies/wc")
      expect(yield* w.next).toEqual(Option.some("v0"))
      expect(fsWatchers()).toBe(before + 1)
      yield* Fiber.interrupt(w.fiber)
      yield* eventually(() => `the watcher to close (open: ${fsWatchers()})`, Effect.sync(() => (fsWatchers() === before ? Option.some(true) : Option.none())))
    }))

  it.scoped("watchList follows the set of topologies: additions and removals by fs events alone, a dead owner's ephemeral node by the poll", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore("1 hour")
      const sm = makeStateManager(store)
      const seen = yield* Queue.unbounded<ReadonlyArray<string>>()
      yield* sm.watchList("topologies").pipe(Stream.runForEach((names) => Queue.offer(seen, names)), Effect.forkScoped)
      const next = Queue.take(seen).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "no change of the list" }), Effect.orDie)
      // The folder does not exist yet: an empty list, then the first topology once it is created.
      expect(yield* next).toEqual([])
      yield* store.write("/topologies/wc", text("a"), { ephemeral: false })
      expect(yield* next).toEqual(["wc"])
      // A rewrite of a known node changes nothing in the list: no emission.
      yield* store.write("/topologies/wc", text("b"), { ephemeral: false })
      yield* store.write("/topologies/ex", text("c"), { ephemeral: false })
      expect(yield* next).toEqual(["ex", "wc"])
      yield* store.remove("/topologies/wc")
      expect(yield* next).toEqual(["ex"])

      // Ephemeral nodes of another process: gone with it, which no fs event announces (the poll does).
      const polled = yield* LocalFsStore.make({ root, pollInterval: "50 millis" })
      const locations = yield* Queue.unbounded<ReadonlyArray<string>>()
      yield* makeStateManager(polled).watchList("tmanagers").pipe(Stream.runForEach((names) => Queue.offer(locations, names)), Effect.forkScoped)
      const nextLocation = Queue.take(locations).pipe(Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => "no change of the locations" }), Effect.orDie)
      expect(yield* nextLocation).toEqual([])
      const child = yield* spawnChild(["ephemeral", root, "/tmanagers/wc", "here"])
      expect(yield* nextLocation).toEqual(["wc"])
      yield* kill(child)
      expect(yield* nextLocation).toEqual([])
    }), { timeout: 30_000 })
})
