import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TManagerLocation } from "../../../../core/model/Locations.js"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { collect, freshRoot, kill, openStore, readText, spawnChild, TestZooKeeper, waitForLine, zkLayer } from "./helpers.js"

describe.skipIf(skipWithoutZooKeeper())("zookeeper ephemeral nodes", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("live with their owner's session and vanish once the SIGKILLed owner's session times out", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const sm = makeStateManager(store)
        const location = new TManagerLocation({ topologyName: "wc", topologyId: "wc-1", host: "h", controllerPort: 1, serverPort: 2, statsPort: 3, shellPort: 4 })
        const json = JSON.stringify({ topologyName: "wc", topologyId: "wc-1", host: "h", controllerPort: 1, serverPort: 2, statsPort: 3, shellPort: 4 })
        const child = yield* spawnChild(["ephemeral", zk.connectionString, root, "/tmanagers/wc", json])
        yield* waitForLine(child, "written")

        expect(yield* sm.get("tmanagers", "wc")).toEqual(Option.some(location))
        const value = yield* collect(sm.watch("tmanagers", "wc"), "20 seconds")
        const names = yield* collect(sm.watchList("tmanagers"), "20 seconds")
        expect(yield* value.next).toEqual(Option.some(location))
        expect(yield* names.next).toEqual(["wc"])

        // SIGKILL: the child cannot close its session; the server expires it after its timeout (2 s).
        const killedAt = Date.now()
        expect(yield* kill(child)).toBe("SIGKILL")
        expect(yield* readText(store, "/tmanagers/wc")).toEqual(Option.some(json))
        expect(yield* value.next).toEqual(Option.none())
        const gone = Date.now() - killedAt
        expect(yield* names.next).toEqual([])
        expect(yield* sm.get("tmanagers", "wc")).toEqual(Option.none())
        expect(gone).toBeGreaterThanOrEqual(1000)
        expect(gone).toBeLessThan(15_000)
      }), { timeout: 180_000 })
  })
})
