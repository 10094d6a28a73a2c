import { describe, expect, layer } from "@effect/vitest"
import { Effect, Exit, Option, Ref, Scope } from "effect"
import { checkBigValue, bigValue } from "../localfs/fixtures/values.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { freshRoot, openStore, rawClient, readText, statOf, TestZooKeeper, text, textOf, zkLayer } from "./helpers.js"

describe.skipIf(skipWithoutZooKeeper())("ZkStore", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("maps node paths to znodes under the root, creating parents", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const raw = yield* rawClient(zk.connectionString)
        yield* store.write("/a/b/c", text("deep"), { ephemeral: false })
        expect(yield* textOf(raw, `${root}/a/b/c`)).toEqual(Option.some("deep"))
        expect(yield* readText(store, "/a/b/c")).toEqual(Option.some("deep"))
        expect(yield* store.children("/")).toEqual(["a"])
        expect(yield* store.children("/a")).toEqual(["b"])
        expect(yield* store.children("/a/b")).toEqual(["c"])
        expect(yield* store.children("/missing")).toEqual([])
        expect(yield* store.children("/a/b/c")).toEqual([])
        expect(yield* readText(store, "/a/missing")).toEqual(Option.none())
        // Overwrite in place; remove twice.
        yield* store.write("/a/b/c", text("deeper"), { ephemeral: false })
        expect(yield* readText(store, "/a/b/c")).toEqual(Option.some("deeper"))
        yield* store.remove("/a/b/c")
        yield* store.remove("/a/b/c")
        expect(yield* store.children("/a/b")).toEqual([])
        expect(yield* statOf(raw, `${root}/a/b/c`)).toEqual(Option.none())
      }))

    it.scoped("refuses invalid node paths with a StateError naming them", () =>
      Effect.gen(function* () {
        const store = yield* openStore(freshRoot())
        for (const bad of ["relative", "/a/../b", "/.", "/a//b", "/a/", "/a\u0001b"]) {
          const err = yield* Effect.flip(store.write(bad, text("x"), { ephemeral: false }))
          expect(err._tag).toBe("StateError")
          expect(err.path).toBe(bad)
          expect(err.message).toContain("invalid node path")
          expect((yield* Effect.flip(store.read(bad))).message).toContain("invalid node path")
        }
      }))

    it.scoped("writes ephemeral nodes of its session and persistent ones without an owner, converting either way", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const other = yield* openStore(root)
        const raw = yield* rawClient(zk.connectionString)
        const session = Option.getOrThrow(yield* store.sessionCredentials).id.toString("hex")
        const owner = (path: string) => Effect.map(statOf(raw, `${root}${path}`), Option.map((s) => s.ephemeralOwner.toString("hex")))

        yield* store.write("/tmanagers/wc", text("one"), { ephemeral: true })
        expect(yield* owner("/tmanagers/wc")).toEqual(Option.some(session))
        yield* store.write("/tmanagers/wc", text("two"), { ephemeral: true })
        expect(yield* owner("/tmanagers/wc")).toEqual(Option.some(session))
        expect(yield* readText(other, "/tmanagers/wc")).toEqual(Option.some("two"))

        // Another session's write takes the node over (atomically: remove at version + create).
        yield* other.write("/tmanagers/wc", text("theirs"), { ephemeral: true })
        const otherSession = Option.getOrThrow(yield* other.sessionCredentials).id.toString("hex")
        expect(yield* owner("/tmanagers/wc")).toEqual(Option.some(otherSession))
        expect(yield* readText(store, "/tmanagers/wc")).toEqual(Option.some("theirs"))

        // Persistent over ephemeral, and back.
        yield* store.write("/tmanagers/wc", text("kept"), { ephemeral: false })
        expect(yield* owner("/tmanagers/wc")).toEqual(Option.some("0000000000000000"))
        yield* store.write("/tmanagers/wc", text("mine again"), { ephemeral: true })
        expect(yield* owner("/tmanagers/wc")).toEqual(Option.some(session))
        expect(yield* readText(other, "/tmanagers/wc")).toEqual(Option.some("mine again"))
      }))

    it.scoped("closing the store closes its session: its ephemeral nodes go at once, persistent ones stay", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const other = yield* openStore(root)
        const session = yield* Scope.make()
        // A session far longer than the check may take: closing, not timing out, must remove them.
        const store = yield* openStore(root, { sessionTimeout: "10 seconds" }).pipe(Scope.extend(session))
        yield* store.write("/tmanagers/wc", text("tm"), { ephemeral: true })
        yield* store.write("/topologies/wc", text("topology"), { ephemeral: false })
        expect(yield* readText(other, "/tmanagers/wc")).toEqual(Option.some("tm"))
        const closedAt = Date.now()
        yield* Scope.close(session, Exit.void)
        // Gone without waiting for the session timeout.
        expect(yield* readText(other, "/tmanagers/wc")).toEqual(Option.none())
        expect(Date.now() - closedAt).toBeLessThan(8000)
        expect(yield* readText(other, "/topologies/wc")).toEqual(Option.some("topology"))
      }))

    it.scoped("refuses a value larger than a znode holds, naming the node and the limit", () =>
      Effect.gen(function* () {
        const store = yield* openStore(freshRoot())
        const err = yield* Effect.flip(store.write("/pplans/huge", new Uint8Array(2 * 1024 * 1024), { ephemeral: false }))
        expect(err.op).toBe("write")
        expect(err.path).toBe("/pplans/huge")
        expect(err.message).toContain("jute.maxbuffer")
        expect(yield* store.read("/pplans/huge")).toEqual(Option.none())
      }))

    it.scoped("never shows a reader a torn value while two writers rewrite a large node", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const a = yield* openStore(root)
        const b = yield* openStore(root)
        const reader = yield* openStore(root)
        yield* a.write("/pplans/big", bigValue("init", 0), { ephemeral: false })
        const done = yield* Ref.make(0)
        const writer = (store: typeof a, tag: string) =>
          Effect.gen(function* () {
            for (let i = 0; i < 15; i++) yield* store.write("/pplans/big", bigValue(tag, i), { ephemeral: false })
            yield* Ref.update(done, (n) => n + 1)
          })
        const problems: Array<string> = []
        let reads = 0
        const read = Effect.gen(function* () {
          while ((yield* Ref.get(done)) < 2) {
            const value = yield* reader.read("/pplans/big")
            const problem = Option.isNone(value) ? "absent" : checkBigValue(value.value)
            if (problem !== undefined) problems.push(problem)
            reads++
          }
        })
        yield* Effect.all([writer(a, "a"), writer(b, "b"), read], { concurrency: "unbounded", discard: true })
        expect(problems).toEqual([])
        expect(reads).toBeGreaterThan(0)
        const last = new TextDecoder().decode(Option.getOrThrow(yield* reader.read("/pplans/big")).subarray(0, 5))
        expect(["a:14:", "b:14:"]).toContain(last)
      }))

    it.scoped("fails with a StateError naming the path and ZooKeeper's code when the server refuses", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const store = yield* openStore(root)
        yield* store.write("/folder/child", text("x"), { ephemeral: false })
        const err = yield* Effect.flip(store.remove("/folder"))
        expect(err.op).toBe("remove")
        expect(err.path).toBe("/folder")
        expect(err.message).toContain(`${root}/folder`)
        expect(err.message).toContain("NOT_EMPTY (-111)")
        // Ephemeral nodes cannot have children: ZooKeeper's code says so.
        yield* store.write("/eph", text("x"), { ephemeral: true })
        const under = yield* Effect.flip(store.write("/eph/child", text("y"), { ephemeral: false }))
        expect(under.message).toContain(`${root}/eph/child`)
        expect(under.message).toContain("NO_CHILDREN_FOR_EPHEMERALS (-108)")
      }))
  })
})
