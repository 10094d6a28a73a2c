import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { TManagerLocation } from "../../../../core/model/Locations.js"
import { currentProcess } from "../../../../plugins/state-managers/localfs/internal/Owner.js"
import { kill, readText, spawnChild, tempStore, waitForLine } from "./helpers.js"

/** Writes a node file by hand, as another process would have. */
const forge = (root: string, node: string, owner: object, payload: string) => {
  const file = join(root, ...node.split("/").slice(1))
  mkdirSync(join(file, ".."), { recursive: true })
  writeFileSync(file, `${JSON.stringify({ heron: "localfs/1", owner: { token: "forged", ...owner } })}\n${payload}`)
}

layer(NodeContext.layer, { excludeTestServices: true })("ephemeral nodes", (it) => {
  it.scoped("live with their owner process and read as absent once it is killed", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const child = yield* spawnChild(["ephemeral", root, "/tmanagers/wc", "child-location"])
      yield* waitForLine(child, "written")

      const header: unknown = JSON.parse(readFileSync(join(root, "tmanagers", "wc"), "utf8").split("\n")[0] ?? "")
      expect(header).toMatchObject({ heron: "localfs/1", owner: { pid: child.pid, host: hostname() } })
      expect(yield* readText(store, "/tmanagers/wc")).toEqual(Option.some("child-location"))
      expect(yield* store.children("/tmanagers")).toEqual(["wc"])

      expect(yield* kill(child)).toBe("SIGKILL")
      expect(yield* readText(store, "/tmanagers/wc")).toEqual(Option.none())
      expect(yield* store.children("/tmanagers")).toEqual([])
      // Not deleted behind a writer's back; a new owner simply replaces it.
      expect(existsSync(join(root, "tmanagers", "wc"))).toBe(true)
      yield* store.write("/tmanagers/wc", new TextEncoder().encode("mine"), { ephemeral: true })
      expect(yield* readText(store, "/tmanagers/wc")).toEqual(Option.some("mine"))
    }), { timeout: 30_000 })

  it.scoped("typed locations of a dead owner are absent through the StateManager too", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const location = new TManagerLocation({ topologyName: "wc", topologyId: "wc-1", host: "h", controllerPort: 1, serverPort: 2, statsPort: 3, shellPort: 4 })
      const json = JSON.stringify({ topologyName: "wc", topologyId: "wc-1", host: "h", controllerPort: 1, serverPort: 2, statsPort: 3, shellPort: 4 })
      const child = yield* spawnChild(["ephemeral", root, "/tmanagers/wc", json])
      yield* waitForLine(child, "written")
      const sm = makeStateManager(store)
      expect(yield* sm.get("tmanagers", "wc")).toEqual(Option.some(location))
      yield* kill(child)
      expect(yield* sm.get("tmanagers", "wc")).toEqual(Option.none())
      expect(yield* sm.list("tmanagers")).toEqual([])
    }), { timeout: 30_000 })

  it.scoped("are not mistaken for a live owner's when the pid was reused (start time differs)", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const self = yield* currentProcess(yield* FileSystem.FileSystem)
      expect(self.start).not.toBeNull() // these tests run on Linux, where /proc gives the start time
      // Our own pid, but a process that started at another time: the writer is gone.
      forge(root, "/tmanagers/reused", { pid: process.pid, start: (self.start ?? 0) + 1, host: hostname() }, "old")
      forge(root, "/tmanagers/same", { pid: process.pid, start: self.start, host: hostname() }, "alive")
      // Another host cannot be checked from here: its nodes are taken to be alive.
      forge(root, "/tmanagers/remote", { pid: 1, start: 1, host: `${hostname()}-elsewhere` }, "remote")
      expect(yield* readText(store, "/tmanagers/reused")).toEqual(Option.none())
      expect(yield* readText(store, "/tmanagers/same")).toEqual(Option.some("alive"))
      expect(yield* readText(store, "/tmanagers/remote")).toEqual(Option.some("remote"))
      expect(yield* store.children("/tmanagers")).toEqual(["remote", "same"])
    }))

  it.scoped("fall back to a pid check when the writer recorded no start time", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      // A child that stays alive until killed.
      const child = yield* spawnChild(["ephemeral", root, "/unused/x", ""])
      forge(root, "/schedulers/wc", { pid: child.pid, start: null, host: hostname() }, "pid-only")
      yield* waitForLine(child, "written")
      expect(yield* readText(store, "/schedulers/wc")).toEqual(Option.some("pid-only"))
      yield* kill(child)
      expect(yield* readText(store, "/schedulers/wc")).toEqual(Option.none())
    }), { timeout: 30_000 })
})
