import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Data, Deferred, Effect, Exit, Fiber } from "effect"
import { atomicReplace, isTempNameOf, syncDirectory } from "../../../core/internal/atomicFile.js"

class WriteFailed extends Data.TaggedError("WriteFailed")<{}> {}

/** A temp folder holding `target` with "old" in it. */
const setup = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const dir = yield* fs.makeTempDirectoryScoped({ prefix: "heron-atomic-" })
  const target = path.join(dir, "state.json")
  yield* fs.writeFileString(target, "old")
  const temps: Array<string> = []
  /** A `write` that puts `content` at the temp path and remembers that path in `temps`. */
  const writing = (content: string) => (tmp: string) => {
    temps.push(tmp)
    return fs.writeFileString(tmp, content)
  }
  /** A `write` that leaves half a file at the temp path, then fails. */
  const failingHalfway = (tmp: string) => fs.writeFileString(tmp, "half").pipe(Effect.zipRight(new WriteFailed()))
  return { fs, path, dir, target, temps, writing, failingHalfway }
})

layer(NodeContext.layer, { excludeTestServices: true })("atomicReplace", (it) => {
  it.scoped("replaces the content through a temp file in the same folder, which is gone afterwards", () =>
    Effect.gen(function*() {
      const { dir, fs, path, target, temps, writing } = yield* setup
      yield* atomicReplace(fs, path, target, writing("new"))
      expect(yield* fs.readFileString(target)).toBe("new")
      expect(temps.length).toBe(1)
      expect(path.dirname(temps[0] ?? "")).toBe(dir)
      expect(path.basename(temps[0] ?? "")).toMatch(/^\.state\.json\..+\.tmp$/)
      expect(isTempNameOf("state.json", path.basename(temps[0] ?? ""))).toBe(true)
      expect(isTempNameOf("state.json", "state.json")).toBe(false)
      expect(isTempNameOf("state.json", ".other.json.1.tmp")).toBe(false)
      expect(yield* fs.readDirectory(dir)).toEqual(["state.json"])
    }))

  it.scoped("keeps the old content and leaves no temp file when the write fails halfway", () =>
    Effect.gen(function*() {
      const { dir, failingHalfway, fs, path, target } = yield* setup
      const exit = yield* atomicReplace(fs, path, target, failingHalfway).pipe(Effect.exit)
      expect(exit).toEqual(Exit.fail(new WriteFailed()))
      expect(yield* fs.readFileString(target)).toBe("old")
      expect(yield* fs.readDirectory(dir)).toEqual(["state.json"])
    }))

  it.scoped("keeps the old content and leaves no temp file when the rename fails", () =>
    Effect.gen(function*() {
      const { dir, fs, path, writing } = yield* setup
      // A file cannot be renamed onto a folder that holds something.
      const folder = path.join(dir, "folder")
      yield* fs.makeDirectory(folder)
      yield* fs.writeFileString(path.join(folder, "inside"), "kept")
      const exit = yield* atomicReplace(fs, path, folder, writing("new")).pipe(Effect.exit)
      expect(Exit.isFailure(exit)).toBe(true)
      expect((yield* fs.readDirectory(dir)).sort()).toEqual(["folder", "state.json"])
      expect(yield* fs.readFileString(path.join(folder, "inside"))).toBe("kept")
    }))

  it.scoped("removes the temp file when the write is interrupted", () =>
    Effect.gen(function*() {
      const { dir, fs, path, target } = yield* setup
      const written = yield* Deferred.make<void>()
      const fiber = yield* atomicReplace(fs, path, target, (tmp) =>
        fs.writeFileString(tmp, "half").pipe(Effect.zipRight(Deferred.succeed(written, undefined)), Effect.zipRight(Effect.never))).pipe(
          Effect.fork
        )
      yield* Deferred.await(written)
      expect((yield* fs.readDirectory(dir)).length).toBe(2)
      yield* Fiber.interrupt(fiber)
      expect(yield* fs.readFileString(target)).toBe("old")
      expect(yield* fs.readDirectory(dir)).toEqual(["state.json"])
    }))

  it.scoped("with fsync and a temp name of the caller's, replaces the content the same way", () =>
    Effect.gen(function*() {
      const { dir, fs, path, target, temps, writing } = yield* setup
      yield* atomicReplace(fs, path, target, writing("new"), { fsync: true, tempName: () => ".tmp-scratch" })
      expect(temps).toEqual([path.join(dir, ".tmp-scratch")])
      expect(yield* fs.readFileString(target)).toBe("new")
      expect(yield* fs.readDirectory(dir)).toEqual(["state.json"])
    }))

  it.scoped("with fsync, still leaves the old content and no temp file when the write fails", () =>
    Effect.gen(function*() {
      const { dir, failingHalfway, fs, path, target } = yield* setup
      const exit = yield* atomicReplace(fs, path, target, failingHalfway, { fsync: true }).pipe(Effect.exit)
      expect(exit).toEqual(Exit.fail(new WriteFailed()))
      expect(yield* fs.readFileString(target)).toBe("old")
      expect(yield* fs.readDirectory(dir)).toEqual(["state.json"])
    }))

  it.scoped("cleans up with the caller's removeTemp when one is given", () =>
    Effect.gen(function*() {
      const { dir, failingHalfway, fs, path, target } = yield* setup
      const removed: Array<string> = []
      const exit = yield* atomicReplace(fs, path, target, failingHalfway, {
        removeTemp: (tmp) => Effect.sync(() => removed.push(tmp)).pipe(Effect.zipRight(Effect.ignore(fs.remove(tmp))))
      }).pipe(Effect.exit)
      expect(exit).toEqual(Exit.fail(new WriteFailed()))
      expect(removed.map((tmp) => path.dirname(tmp))).toEqual([dir])
      expect(yield* fs.readDirectory(dir)).toEqual(["state.json"])
    }))
})

layer(NodeContext.layer, { excludeTestServices: true })("syncDirectory", (it) => {
  it.scoped("is best effort: a folder that cannot be opened is not an error", () =>
    Effect.gen(function*() {
      const { dir, fs, path } = yield* setup
      yield* syncDirectory(fs, dir)
      yield* syncDirectory(fs, path.join(dir, "missing"))
    }))
})
