// The poll of a localfs watch (plugins/state-managers/localfs/internal/Watch.ts): a tick that finds
// the node's fingerprint unchanged does not read it; one that finds it changed reads and emits.
import { NodeContext } from "@effect/platform-node"
import { FileSystem } from "@effect/platform"
import { expect, layer } from "@effect/vitest"
import { Duration, Effect, Option, Queue, Stream } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { watchNode } from "../../../../plugins/state-managers/localfs/internal/Watch.js"

layer(NodeContext.layer, { excludeTestServices: true })("localfs watch polls", (it) => {
  it.scoped("read again only when the fingerprint moved: an unchanged node costs no read per tick", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = mkdtempSync(join(tmpdir(), "heron-watch-poll-"))
      yield* Effect.addFinalizer(() => Effect.ignore(fs.remove(dir, { recursive: true })))
      let reads = 0
      let fingerprint = "a"
      let content = "v1"
      const seen = yield* Queue.unbounded<Option.Option<string>>()
      yield* watchNode({
        dir, name: "node", pollInterval: Duration.millis(20),
        read: Effect.sync(() => {
          reads++
          return Option.some(new TextEncoder().encode(content))
        }),
        fingerprint: () => fingerprint
      }).pipe(Stream.runForEach((v) => Queue.offer(seen, Option.map(v, (b) => new TextDecoder().decode(b)))), Effect.forkScoped)
      expect(yield* Queue.take(seen)).toEqual(Option.some("v1"))
      yield* Effect.sleep("400 millis") // about 20 poll ticks
      expect(reads).toBe(1)

      content = "v2"
      fingerprint = "b"
      expect(yield* Queue.take(seen)).toEqual(Option.some("v2"))
      expect(reads).toBe(2)
    }))
})
