import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option, Stream } from "effect"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { collect, freshRoot, openStore, requestsFrom, spawnChild, TestZooKeeper, text, waitForLine, watchesOf, zkLayer } from "./helpers.js"

const decoder = new TextDecoder()
const asText = Option.map((b: Uint8Array) => decoder.decode(b))

describe.skipIf(skipWithoutZooKeeper())("ZkStore.watch and watchChildren", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("watch emits the content, then each change another client makes, through a server-side watch and no polling", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        // A long session: its pings (every third of it) stay out of the request count below.
        const store = yield* openStore(root, { sessionTimeout: "10 seconds" })
        const other = yield* openStore(root)
        const w = yield* collect(Stream.map(store.watch("/topologies/wc"), asText))
        expect(yield* w.next).toEqual(Option.none())
        // Absent: the watch is an existence watch on the server.
        expect(yield* watchesOf(store)).toEqual([`${root}/topologies/wc`])

        yield* other.write("/topologies/wc", text("v1"), { ephemeral: false })
        expect(yield* w.next).toEqual(Option.some("v1"))
        yield* other.write("/topologies/other", text("unrelated"), { ephemeral: false })
        yield* other.write("/topologies/wc", text("v2"), { ephemeral: false })
        expect(yield* w.next).toEqual(Option.some("v2"))
        yield* other.remove("/topologies/wc")
        expect(yield* w.next).toEqual(Option.none())
        yield* other.write("/topologies/wc", text("v3"), { ephemeral: false })
        expect(yield* w.next).toEqual(Option.some("v3"))
        expect(yield* watchesOf(store)).toEqual([`${root}/topologies/wc`])

        // Nothing changes: nothing is asked of the server (a ping at most).
        const before = yield* requestsFrom(store)
        expect(yield* w.quietFor("1200 millis")).toBe(true)
        expect((yield* requestsFrom(store)) - before).toBeLessThanOrEqual(1)
      }))

    it.scoped("watch sees the writes of another process in order, the last one always", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const w = yield* collect(Stream.map(store.watch("/topologies/wc"), asText))
        expect(yield* w.next).toEqual(Option.none())
        const child = yield* spawnChild(["write", zk.connectionString, root, "/topologies/wc", "x", "y", "z"])
        yield* waitForLine(child, "ready")
        const seen: Array<string> = []
        while (seen.at(-1) !== "z") seen.push(Option.getOrThrow(yield* w.next))
        // In order, without repeats; rapid changes may coalesce, but the last one always shows.
        expect(["x", "y", "z"].filter((v) => seen.includes(v))).toEqual(seen)
        expect(yield* child.exited).toBe(0)
      }), { timeout: 180_000 })

    it.scoped("watchList follows the set of topologies: additions and removals, not rewrites", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const store = yield* openStore(root, { sessionTimeout: "10 seconds" })
        const other = yield* openStore(root)
        const sm = makeStateManager(store)
        const names = yield* collect(sm.watchList("topologies"))
        // The folder does not exist yet: an empty list, then the first topology once it appears.
        expect(yield* names.next).toEqual([])
        yield* other.write("/topologies/wc", text("a"), { ephemeral: false })
        expect(yield* names.next).toEqual(["wc"])
        yield* other.write("/topologies/wc", text("b"), { ephemeral: false })
        yield* other.write("/topologies/ex", text("c"), { ephemeral: false })
        expect(yield* names.next).toEqual(["ex", "wc"])
        yield* other.remove("/topologies/wc")
        expect(yield* names.next).toEqual(["ex"])
        // (Child watches do not show in ZooKeeper's four-letter dumps, which list data watches only.)
        const before = yield* requestsFrom(store)
        expect(yield* names.quietFor("1200 millis")).toBe(true)
        expect((yield* requestsFrom(store)) - before).toBeLessThanOrEqual(1)
      }))

    it.scoped("watchChildren sees a folder removed and created again", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const store = yield* openStore(root)
        const other = yield* openStore(root)
        yield* other.write("/f/a", text(""), { ephemeral: false })
        const names = yield* collect(store.watchChildren("/f"))
        expect(yield* names.next).toEqual(["a"])
        yield* other.remove("/f/a")
        expect(yield* names.next).toEqual([])
        yield* other.remove("/f")
        yield* other.write("/f/b", text(""), { ephemeral: false })
        expect(yield* names.next).toEqual(["b"])
      }))
  })
})
