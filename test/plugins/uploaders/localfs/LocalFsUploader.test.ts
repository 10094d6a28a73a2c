import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { homedir } from "node:os"
import { PluginHost } from "../../../../core/Plugin.js"
import { Uploader } from "../../../../core/Uploader.js"
import { definition, localfs } from "../../../../plugins/uploaders/localfs/index.js"
import * as LocalFsUploader from "../../../../plugins/uploaders/localfs/LocalFsUploader.js"

const hostLayer = (home: string) => Layer.succeed(PluginHost, { cluster: "test", home })

/** A fresh cluster home (removed with the test's scope) and an uploader built from `options`,
 * decoded the way the plugin loader does. */
const setup = (options: typeof LocalFsUploader.LocalFsConfig.Encoded = {}) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const home = yield* fs.makeTempDirectoryScoped({ prefix: "heron-localfs-" })
    const config = yield* Schema.decodeUnknown(definition.config)(options)
    const uploader = yield* Effect.provide(Uploader, definition.layer(config).pipe(Layer.provide(hostLayer(home))))
    const write = (name: string, bytes: Uint8Array) =>
      fs.writeFile(path.join(home, name), bytes).pipe(Effect.as(path.join(home, name)))
    return { fs, path, home, uploader, write }
  })

/** Bytes that are not valid UTF-8, to catch any text round trip. */
const bytes = (seed: number) => Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + seed * 7) % 256)

describe("localfs uploader", () => {
  layer(NodeContext.layer)((it) => {
    it("is declared as the uploader plugin `localfs`", () => {
      expect(definition.kind).toBe("uploader")
      expect(definition.name).toBe("localfs")
      expect(localfs({ root: "/x" }).options).toEqual({ root: "/x" })
    })

    it.scoped("upload stores the file as topology.tar.gz and returns its file:// URI", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup()
        const src = yield* write("wc.pkg", bytes(1))
        const uri = yield* uploader.upload("wc", src)
        const stored = path.join(home, "packages", "wc", "topology.tar.gz")
        expect(uri).toBe(`file://${stored}`)
        expect(Uint8Array.from(yield* fs.readFile(stored))).toEqual(bytes(1))
        expect(yield* fs.readDirectory(path.join(home, "packages", "wc"))).toEqual(["topology.tar.gz"])
      }))

    it.scoped("a second upload keeps the previous package and undo restores it byte for byte", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup({ root: "pkgs" })
        const folder = path.join(home, "pkgs", "wc")
        yield* uploader.upload("wc", yield* write("v1", bytes(1)))
        yield* uploader.upload("wc", yield* write("v2", bytes(2)))
        expect(Uint8Array.from(yield* fs.readFile(path.join(folder, "topology.tar.gz")))).toEqual(bytes(2))
        expect(Uint8Array.from(yield* fs.readFile(path.join(folder, "previous_topology.tar.gz")))).toEqual(bytes(1))

        yield* uploader.undo("wc")
        expect(Uint8Array.from(yield* fs.readFile(path.join(folder, "topology.tar.gz")))).toEqual(bytes(1))
        expect((yield* fs.readDirectory(folder)).sort()).toEqual(["topology.tar.gz"])
      }))

    it.scoped("undo with no previous package removes the package and its folder", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup()
        yield* uploader.upload("wc", yield* write("v1", bytes(1)))
        yield* uploader.undo("wc")
        expect(yield* fs.exists(path.join(home, "packages", "wc"))).toBe(false)
        expect(yield* fs.exists(path.join(home, "packages"))).toBe(true)
        // Nothing to roll back is not an error.
        yield* uploader.undo("wc")
      }))

    it.scoped("a failed upload leaves the current package and no temp file", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup()
        yield* uploader.upload("wc", yield* write("v1", bytes(1)))
        const err = yield* Effect.flip(uploader.upload("wc", path.join(home, "missing.pkg")))
        expect(err._tag).toBe("UploadError")
        expect(err.message).toContain("missing.pkg")
        const folder = path.join(home, "packages", "wc")
        expect(yield* fs.readDirectory(folder)).toEqual(["topology.tar.gz"])
        expect(Uint8Array.from(yield* fs.readFile(path.join(folder, "topology.tar.gz")))).toEqual(bytes(1))
      }))

    it.scoped("fetch copies the package to a destination, creating its folder", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup()
        const uri = yield* uploader.upload("wc", yield* write("v1", bytes(3)))
        const dest = path.join(home, "container-0", "work", "topology.tar.gz")
        yield* uploader.fetch(uri, dest)
        expect(Uint8Array.from(yield* fs.readFile(dest))).toEqual(bytes(3))
        expect(yield* fs.readDirectory(path.dirname(dest))).toEqual(["topology.tar.gz"])
        // Fetching again replaces the destination.
        yield* uploader.upload("wc", yield* write("v2", bytes(4)))
        yield* uploader.fetch(uri, dest)
        expect(Uint8Array.from(yield* fs.readFile(dest))).toEqual(bytes(4))
      }))

    it.scoped("fetch of a bad URI fails with an UploadError naming it", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup()
        yield* write("outside.pkg", bytes(1))
        const root = path.join(home, "packages")
        const bad = [
          "http://example.com/wc/topology.tar.gz",
          "not a uri",
          `file://${path.join(home, "outside.pkg")}`,
          `file://${path.join(root, "wc", "topology.tar.gz")}`,
          `file://${path.join(root, "wc", "..", "..", "outside.pkg")}`,
          `file://${path.join(root, "wc", "notes.txt")}`
        ]
        for (const uri of bad) {
          const err = yield* Effect.flip(uploader.fetch(uri, path.join(home, "dest")))
          expect(err._tag).toBe("UploadError")
          expect(err.op).toBe("fetch")
          expect(err.message).toContain(uri)
        }
        expect(yield* fs.exists(path.join(home, "dest"))).toBe(false)
      }))

    it.scoped("delete removes every package of the topology; absent is fine", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup()
        yield* uploader.upload("wc", yield* write("v1", bytes(1)))
        yield* uploader.upload("wc", yield* write("v2", bytes(2)))
        yield* uploader.upload("other", yield* write("v3", bytes(3)))
        yield* uploader.delete("wc")
        expect(yield* fs.readDirectory(path.join(home, "packages"))).toEqual(["other"])
        yield* uploader.delete("wc")
      }))

    it.scoped("rejects topology names that are not plain folder names", () =>
      Effect.gen(function* () {
        const { fs, path, home, uploader, write } = yield* setup()
        const src = yield* write("v1", bytes(1))
        for (const name of ["../escape", "a/b", "", ".", "..", ".hidden", "with space"]) {
          const err = yield* Effect.flip(uploader.upload(name, src))
          expect(err).toMatchObject({ _tag: "UploadError", op: "upload", topology: name })
          expect(err.message).toContain("invalid topology name")
        }
        expect((yield* Effect.flip(uploader.undo("../x"))).op).toBe("undo")
        expect((yield* Effect.flip(uploader.delete("../x"))).op).toBe("delete")
        expect(yield* fs.readDirectory(path.join(home, "packages"))).toEqual([])
        expect(yield* fs.exists(path.join(home, "escape"))).toBe(false)
      }))

    it.scoped("the layer fails with a PluginError naming the root when it cannot be created", () =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        const home = yield* fs.makeTempDirectoryScoped({ prefix: "heron-localfs-" })
        yield* fs.writeFileString(path.join(home, "blocker"), "a regular file")
        const root = path.join(home, "blocker", "packages")
        const err = yield* Effect.flip(
          Effect.provide(Uploader, LocalFsUploader.layer({ root }).pipe(Layer.provide(hostLayer(home))))
        )
        expect(err._tag).toBe("PluginError")
        expect(err.plugin).toBe("uploader/localfs")
        expect(err.message).toContain(root)
      }))

    it.effect("resolves the root: default under home, `~` expanded, relative from home", () =>
      Effect.gen(function* () {
        const path = yield* Path.Path
        const resolve = (root?: string) =>
          LocalFsUploader.resolveRoot(root === undefined ? {} : { root }).pipe(Effect.provide(hostLayer("/data/c1")))
        expect(yield* resolve()).toBe("/data/c1/packages")
        expect(yield* resolve("~/heron/pkgs")).toBe(path.join(homedir(), "heron", "pkgs"))
        expect(yield* resolve("~")).toBe(homedir())
        expect(yield* resolve("pkgs")).toBe("/data/c1/pkgs")
        expect(yield* resolve("/abs/pkgs")).toBe("/abs/pkgs")
      }))
  })
})
