import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Fiber, Option, Ref, Scope, Exit } from "effect"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as LocalFsStore from "../../../../plugins/state-managers/localfs/LocalFsStore.js"
import { checkBigValue, bigValue } from "./fixtures/values.js"
import { readText, spawnChild, tempRoot, tempStore } from "./helpers.js"

const text = (s: string) => new TextEncoder().encode(s)

/** A pid that no process has: one of a process that already exited. */
const deadPid = (): number => {
  const r = spawnSync(process.execPath, ["-e", ""])
  if (r.pid === undefined) throw new Error("could not spawn")
  return r.pid
}

layer(NodeContext.layer, { excludeTestServices: true })("LocalFsStore", (it) => {
  it.scoped("maps node paths to files and folders under the root", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      yield* store.write("/a/b/c", text("deep"), { ephemeral: false })
      expect(existsSync(join(root, "a", "b", "c"))).toBe(true)
      expect(yield* readText(store, "/a/b/c")).toEqual(Option.some("deep"))
      expect(yield* store.children("/")).toEqual(["a"])
      expect(yield* store.children("/a")).toEqual(["b"])
      expect(yield* store.children("/a/b")).toEqual(["c"])
      expect(yield* store.children("/missing")).toEqual([])
      expect(yield* store.children("/a/b/c")).toEqual([]) // a node file has no children
      expect(yield* readText(store, "/a/missing")).toEqual(Option.none())
      yield* store.remove("/a/b/c")
      yield* store.remove("/a/b/c")
      expect(yield* store.children("/a/b")).toEqual([])
    }))

  it.scoped("refuses node paths that could escape the root or hit the store's own files", () =>
    Effect.gen(function* () {
      const { store } = yield* tempStore()
      for (const bad of ["relative", "/a/../../etc", "/..", "/.tmp-1-ab", "/a//b", "/a/", "/a\\b"]) {
        const err = yield* Effect.flip(store.write(bad, text("x"), { ephemeral: false }))
        expect(err._tag).toBe("StateError")
        expect(err.path).toBe(bad)
        expect(err.message).toContain("invalid node path")
        expect((yield* Effect.flip(store.read(bad))).message).toContain("invalid node path")
      }
    }))

  it.scoped("fails with a StateError naming the file when a node file has no header", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      mkdirSync(join(root, "topologies"))
      writeFileSync(join(root, "topologies", "wc"), `{"plain":"json"}`)
      const err = yield* Effect.flip(store.read("/topologies/wc"))
      expect(err.op).toBe("read")
      expect(err.message).toContain(join(root, "topologies", "wc"))
      expect(err.message).toContain("not a localfs node file")
    }))

  it.scoped("ignores scratch files of a crashed writer, and sweeps them once old", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      yield* store.write("/topologies/wc", text("good"), { ephemeral: false })
      const dir = join(root, "topologies")
      // What a writer that died between write and rename leaves: a half-written scratch file.
      const dead = deadPid()
      const old = join(dir, `.tmp-${dead}-0123456789abcdef`)
      writeFileSync(old, `{"heron":"localfs/1"}\n{"trunc`)
      utimesSync(old, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000))
      const young = join(dir, `.tmp-${dead}-fedcba9876543210`)
      writeFileSync(young, "partial")
      const live = join(dir, `.tmp-${process.pid}-00000000000000aa`)
      writeFileSync(live, "mine")
      utimesSync(live, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000))

      expect(yield* readText(store, "/topologies/wc")).toEqual(Option.some("good"))
      expect(yield* store.children("/topologies")).toEqual(["wc"])
      // The old one of a dead writer is gone; a young one or a live writer's one is kept.
      expect(existsSync(old)).toBe(false)
      expect(existsSync(young)).toBe(true)
      expect(existsSync(live)).toBe(true)
      // Writing again leaves no scratch file of its own behind.
      yield* store.write("/topologies/wc", text("better"), { ephemeral: false })
      expect(readdirSync(dir).sort()).toEqual([".tmp-" + process.pid + "-00000000000000aa", `.tmp-${dead}-fedcba9876543210`, "wc"].sort())
    }))

  it.scoped("never shows a reader a torn value while two writers rewrite a large node (one process)", () =>
    Effect.gen(function* () {
      const { store } = yield* tempStore()
      yield* store.write("/pplans/big", bigValue("init", 0), { ephemeral: false })
      const done = yield* Ref.make(0)
      const writer = (tag: string) =>
        Effect.gen(function* () {
          for (let i = 0; i < 40; i++) yield* store.write("/pplans/big", bigValue(tag, i), { ephemeral: false })
          yield* Ref.update(done, (n) => n + 1)
        })
      const reads = yield* Ref.make(0)
      const problems = yield* Ref.make<ReadonlyArray<string>>([])
      const reader = Effect.gen(function* () {
        while ((yield* Ref.get(done)) < 2) {
          const value = yield* store.read("/pplans/big")
          const problem = Option.isNone(value) ? "absent" : checkBigValue(value.value)
          if (problem !== undefined) yield* Ref.update(problems, (p) => [...p, problem])
          yield* Ref.update(reads, (n) => n + 1)
        }
      })
      yield* Effect.all([writer("a"), writer("b"), reader], { concurrency: "unbounded", discard: true })
      expect(yield* Ref.get(problems)).toEqual([])
      expect(yield* Ref.get(reads)).toBeGreaterThan(10)
      const last = Option.getOrThrow(yield* store.read("/pplans/big"))
      expect(checkBigValue(last)).toBeUndefined()
    }))

  it.scoped("never shows a reader a torn value while two other processes rewrite a large node", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const a = yield* spawnChild(["rewrite", root, "/pplans/big", "60", "a"])
      const b = yield* spawnChild(["rewrite", root, "/pplans/big", "60", "b"])
      const exits = yield* Effect.fork(Effect.all([a.exited, b.exited]))
      let reads = 0
      const problems: Array<string> = []
      while (Option.isNone(yield* Fiber.poll(exits))) {
        const value = yield* store.read("/pplans/big")
        if (Option.isSome(value)) {
          reads++
          const problem = checkBigValue(value.value)
          if (problem !== undefined) problems.push(problem)
        }
        yield* Effect.yieldNow()
      }
      expect(yield* Fiber.join(exits)).toEqual([0, 0])
      expect(problems).toEqual([])
      expect(reads).toBeGreaterThan(0)
      const final = new TextDecoder().decode(Option.getOrThrow(yield* store.read("/pplans/big")).subarray(0, 5))
      expect(["a:59:", "b:59:"]).toContain(final)
    }), { timeout: 60_000 })

  it.scoped("removes the ephemeral nodes it wrote when its scope closes, unless rewritten since", () =>
    Effect.gen(function* () {
      const root = yield* tempRoot
      const other = yield* LocalFsStore.make({ root })
      const session = yield* Scope.make()
      const store = yield* LocalFsStore.make({ root }).pipe(Scope.extend(session))
      yield* store.write("/tmanagers/wc", text("tm"), { ephemeral: true })
      yield* store.write("/schedulers/wc", text("mine"), { ephemeral: true })
      yield* store.write("/topologies/wc", text("topology"), { ephemeral: false })
      yield* other.write("/schedulers/wc", text("theirs"), { ephemeral: true })
      expect(yield* readText(other, "/tmanagers/wc")).toEqual(Option.some("tm"))

      yield* Scope.close(session, Exit.void)
      expect(yield* readText(other, "/tmanagers/wc")).toEqual(Option.none())
      expect(existsSync(join(root, "tmanagers", "wc"))).toBe(false)
      expect(yield* readText(other, "/schedulers/wc")).toEqual(Option.some("theirs"))
      expect(yield* readText(other, "/topologies/wc")).toEqual(Option.some("topology"))
      expect(readdirSync(join(root, "tmanagers"))).toEqual([])
      expect(readFileSync(join(root, "topologies", "wc"), "utf8")).toBe(`{"heron":"localfs/1"}\ntopology`)
    }))
})
