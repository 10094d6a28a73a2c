/**
 * The Uploader contract as tests, run against every uploader plugin: a package round-trips byte
 * for byte; a second upload keeps the first as the previous package and `undo` restores it; `undo`
 * with no previous package removes the upload; `delete` removes every package of one topology and
 * nothing else; `fetch` replaces its destination atomically and refuses URIs that are not packages
 * of this uploader; progress ends at the package's size.
 */
import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import type { UploaderService } from "../../../core/Uploader.js"

/** An uploader under test, over a backend that lives as long as the scope. */
export interface ContractSubject {
  readonly uploader: UploaderService
  /** What the backend holds for `topology`, by object or file name (`topology.tar.gz`,
   * `previous_topology.tar.gz`, and anything else left behind). */
  readonly stored: (topology: string) => Effect.Effect<ReadonlyMap<string, Uint8Array>, unknown>
  /** URIs this uploader must refuse to fetch (other schemes, other servers, non-packages). */
  readonly foreignUris: ReadonlyArray<string>
}

/** Bytes that are not valid UTF-8, different for each seed, to catch any text round trip. */
export const packageBytes = (seed: number, length = 4096): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) % 256)

const names = (m: ReadonlyMap<string, Uint8Array>) => [...m.keys()].sort()

/** Registers the contract tests for one uploader; `setup` builds a fresh subject per test. */
export const describeUploaderContract = (
  name: string,
  setup: Effect.Effect<ContractSubject, unknown, Scope.Scope | NodeContext.NodeContext>,
  options: {
    readonly skip?: boolean
    readonly timeout?: number
    /** Whether the uploader calls `onProgress` (the optional part of the contract). Default true. */
    readonly reportsProgress?: boolean
  } = {}
) =>
  describe.skipIf(options.skip === true)(`${name} uploader: the Uploader contract`, () => {
    layer(NodeContext.layer, { timeout: options.timeout ?? 30_000 })((it) => {
      const prepare = Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const work = yield* fs.makeTempDirectoryScoped({ prefix: "heron-uploader-contract-" })
        const subject = yield* setup
        const write = (file: string, bytes: Uint8Array) =>
          fs.writeFile(path.join(work, file), bytes).pipe(Effect.as(path.join(work, file)))
        const read = (file: string) => Effect.map(fs.readFile(file), (b) => Uint8Array.from(b))
        return { ...subject, fs, path, work, write, read }
      })

      it.scoped("a package round-trips byte for byte through upload and fetch", () =>
        Effect.gen(function* () {
          const { uploader, stored, path, work, write, read } = yield* prepare
          const uri = yield* uploader.upload("wc", yield* write("v1.tar.gz", packageBytes(1, 70_000)))
          const dest = path.join(work, "container-0", "pkg", "topology.tar.gz")
          yield* uploader.fetch(uri, dest)
          expect(yield* read(dest)).toEqual(packageBytes(1, 70_000))
          expect(names(yield* stored("wc"))).toEqual(["topology.tar.gz"])
        }))

      it.scoped("a second upload keeps the first as the previous package; undo restores it", () =>
        Effect.gen(function* () {
          const { uploader, stored, path, work, write, read } = yield* prepare
          const uri1 = yield* uploader.upload("wc", yield* write("v1", packageBytes(1)))
          const uri2 = yield* uploader.upload("wc", yield* write("v2", packageBytes(2)))
          expect(uri2).toBe(uri1)
          const both = yield* stored("wc")
          expect(names(both)).toEqual(["previous_topology.tar.gz", "topology.tar.gz"])
          expect(both.get("topology.tar.gz")).toEqual(packageBytes(2))
          expect(both.get("previous_topology.tar.gz")).toEqual(packageBytes(1))

          yield* uploader.undo("wc")
          const after = yield* stored("wc")
          expect(names(after)).toEqual(["topology.tar.gz"])
          expect(after.get("topology.tar.gz")).toEqual(packageBytes(1))
          const dest = path.join(work, "dest")
          yield* uploader.fetch(uri1, dest)
          expect(yield* read(dest)).toEqual(packageBytes(1))
        }))

      it.scoped("undo with no previous package removes the upload; undo again is not an error", () =>
        Effect.gen(function* () {
          const { uploader, stored, write } = yield* prepare
          yield* uploader.upload("wc", yield* write("v1", packageBytes(1)))
          yield* uploader.undo("wc")
          expect(names(yield* stored("wc"))).toEqual([])
          yield* uploader.undo("wc")
        }))

      it.scoped("delete removes every package of the topology and nothing else; absent is fine", () =>
        Effect.gen(function* () {
          const { uploader, stored, write } = yield* prepare
          yield* uploader.upload("wc", yield* write("v1", packageBytes(1)))
          yield* uploader.upload("wc", yield* write("v2", packageBytes(2)))
          yield* uploader.upload("wc2", yield* write("v3", packageBytes(3)))
          yield* uploader.delete("wc")
          expect(names(yield* stored("wc"))).toEqual([])
          expect((yield* stored("wc2")).get("topology.tar.gz")).toEqual(packageBytes(3))
          yield* uploader.delete("wc")
        }))

      it.scoped("fetch replaces an existing destination and leaves no temp file beside it", () =>
        Effect.gen(function* () {
          const { uploader, fs, path, work, write, read } = yield* prepare
          const uri = yield* uploader.upload("wc", yield* write("v1", packageBytes(1)))
          const dest = path.join(work, "c0", "topology.tar.gz")
          yield* uploader.fetch(uri, dest)
          yield* uploader.upload("wc", yield* write("v2", packageBytes(2)))
          yield* uploader.fetch(uri, dest)
          expect(yield* read(dest)).toEqual(packageBytes(2))
          expect(yield* fs.readDirectory(path.join(work, "c0"))).toEqual(["topology.tar.gz"])
        }))

      it.scoped("fetch of a deleted package fails and leaves the destination as it was", () =>
        Effect.gen(function* () {
          const { uploader, path, work, write, read } = yield* prepare
          const uri = yield* uploader.upload("wc", yield* write("v1", packageBytes(1)))
          const dest = yield* write("dest", packageBytes(9))
          yield* uploader.delete("wc")
          const err = yield* Effect.flip(uploader.fetch(uri, dest))
          expect(err).toMatchObject({ _tag: "UploadError", op: "fetch" })
          expect(err.message).toContain(uri)
          expect(yield* read(path.join(work, "dest"))).toEqual(packageBytes(9))
        }))

      it.scoped("fetch refuses URIs that are not packages of this uploader", () =>
        Effect.gen(function* () {
          const { uploader, foreignUris, fs, path, work } = yield* prepare
          expect(foreignUris.length).toBeGreaterThan(0)
          for (const uri of foreignUris) {
            const err = yield* Effect.flip(uploader.fetch(uri, path.join(work, "dest")))
            expect(err).toMatchObject({ _tag: "UploadError", op: "fetch" })
            expect(err.message).toContain(uri)
          }
          expect(yield* fs.exists(path.join(work, "dest"))).toBe(false)
        }))

      it.scoped("a failed upload names the file and leaves the current package", () =>
        Effect.gen(function* () {
          const { uploader, stored, path, work, write } = yield* prepare
          yield* uploader.upload("wc", yield* write("v1", packageBytes(1)))
          const missing = path.join(work, "missing.tar.gz")
          const err = yield* Effect.flip(uploader.upload("wc", missing))
          expect(err).toMatchObject({ _tag: "UploadError", op: "upload", topology: "wc" })
          expect(err.message).toContain(missing)
          expect((yield* stored("wc")).get("topology.tar.gz")).toEqual(packageBytes(1))
        }))

      it.scoped("topology names that are not plain folder names are refused by every operation", () =>
        Effect.gen(function* () {
          const { uploader, write } = yield* prepare
          const src = yield* write("v1", packageBytes(1))
          for (const bad of ["../escape", "a/b", "", ".", "..", ".hidden", "with space"]) {
            const err = yield* Effect.flip(uploader.upload(bad, src))
            expect(err).toMatchObject({ _tag: "UploadError", op: "upload", topology: bad })
            expect(err.message).toContain("invalid topology name")
          }
          expect((yield* Effect.flip(uploader.undo("../x"))).op).toBe("undo")
          expect((yield* Effect.flip(uploader.delete("../x"))).op).toBe("delete")
        }))

      it.scoped.skipIf(options.reportsProgress === false)("progress rises to the package's size", () =>
        Effect.gen(function* () {
          const { uploader, write } = yield* prepare
          const calls: Array<readonly [number, number]> = []
          yield* uploader.upload("wc", yield* write("v1", packageBytes(1, 100_000)), {
            onProgress: (sent, total) => calls.push([sent, total])
          })
          expect(calls.length).toBeGreaterThan(0)
          expect(calls.at(-1)).toEqual([100_000, 100_000])
          expect(calls.every(([, total]) => total === 100_000)).toBe(true)
          expect(calls.every(([sent], i) => i === 0 || sent > (calls[i - 1]?.[0] ?? -1))).toBe(true)
        }))
    })
  })
