/**
 * The `localfs` uploader: keeps topology packages in a directory every container can read, after
 * Heron's `LocalFileSystemUploader`. Layout under the root:
 *
 * ```
 * <root>/<topology>/topology.tar.gz            the current package (URI `file://<absolute path>`, a URL: special characters are percent-encoded)
 * <root>/<topology>/previous_topology.tar.gz   the one it replaced, restored by `undo`
 * ```
 *
 * Every write goes to a temp file in the same folder and is renamed into place, so a crash never
 * leaves a truncated package, and `topology.tar.gz` is never missing while it is being replaced.
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Layer, Schema } from "effect"
import { expandHome } from "../../../core/internal/expandHome.js"
import { isValidTopologyName } from "../../../core/internal/topologyName.js"
import { PluginError, PluginHost } from "../../../core/Plugin.js"
import { UploadError, Uploader, type UploaderService } from "../../../core/Uploader.js"
import { atomicCopy, atomicSnapshot } from "./internal/files.js"

/** Options of the `localfs` uploader in a cluster file. */
export const LocalFsConfig = Schema.Struct({
  /** Where packages are kept. Default `<cluster home>/packages`; a leading `~` is the user's home;
   * a relative path is taken from the cluster home. */
  root: Schema.optional(Schema.NonEmptyString)
})
export type LocalFsConfig = typeof LocalFsConfig.Type

/** The label of this plugin in `PluginError`s. */
export const pluginName = "uploader/localfs"

/** The file name of the current package in its topology folder. */
export const packageFile = "topology.tar.gz"
/** The file name of the package that the current one replaced. */
export const previousFile = "previous_topology.tar.gz"

const invalidName = (op: string, topology: string) =>
  new UploadError({
    op,
    topology,
    message: `invalid topology name "${topology}": use letters, digits, '.', '_' and '-'`
  })

const platformFailure = (op: string, topology: string, what: string) => (e: PlatformError) =>
  new UploadError({ op, topology, message: `${what}: ${e.message}` })

/** Builds the uploader over an existing, absolute `root`. */
export const make = (root: string): Effect.Effect<UploaderService, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path

    const folderOf = (op: string, topology: string) =>
      isValidTopologyName(topology) ? Effect.succeed(path.join(root, topology)) : Effect.fail(invalidName(op, topology))

    const isFile = (p: string) =>
      fs.stat(p).pipe(
        Effect.map((info) => info.type === "File"),
        Effect.catchTag("SystemError", (e) => e.reason === "NotFound" ? Effect.succeed(false) : Effect.fail(e))
      )

    const upload = Effect.fn("LocalFsUploader.upload")(function* (topology: string, localPath: string) {
      const folder = yield* folderOf("upload", topology)
      const failed = platformFailure("upload", topology, `cannot upload "${localPath}" to "${folder}"`)
      if (!(yield* isFile(localPath).pipe(Effect.mapError(failed)))) {
        return yield* new UploadError({ op: "upload", topology, message: `cannot upload "${localPath}": not a file` })
      }
      const current = path.join(folder, packageFile)
      const previous = path.join(folder, previousFile)
      yield* Effect.gen(function* () {
        yield* fs.makeDirectory(folder, { recursive: true })
        // Keep the package being replaced as `previous` first: `current` stays in place until the
        // new one is renamed over it. With no current package, a stale `previous` must not be
        // restored by a later `undo`.
        if (yield* isFile(current)) yield* atomicSnapshot(fs, path, current, previous)
        else yield* fs.remove(previous, { force: true })
        yield* atomicCopy(fs, path, localPath, current)
      }).pipe(Effect.mapError(failed))
      const url = yield* path.toFileUrl(current).pipe(
        Effect.mapError((e) => new UploadError({ op: "upload", topology, message: e.message }))
      )
      return url.href
    })

    const fetch = Effect.fn("LocalFsUploader.fetch")(function* (uri: string, destination: string) {
      const fail = (topology: string, why: string) =>
        new UploadError({ op: "fetch", topology, message: `cannot fetch "${uri}": ${why}` })
      const url = yield* Effect.try({ try: () => new URL(uri), catch: () => fail("", "not a URI") })
      if (url.protocol !== "file:") return yield* fail("", "not a file:// URI")
      const file = yield* path.fromFileUrl(url).pipe(Effect.mapError(() => fail("", "not a local file URI")))
      const relative = path.relative(root, path.resolve(file))
      const [topology = "", name, ...rest] = relative.split(path.sep)
      const isPackage = name === packageFile || name === previousFile
      if (!isValidTopologyName(topology) || !isPackage || rest.length > 0) {
        return yield* fail("", `not a package under "${root}"`)
      }
      const failed = (e: PlatformError) => fail(topology, e.message)
      if (!(yield* isFile(file).pipe(Effect.mapError(failed)))) return yield* fail(topology, "no such package")
      yield* fs.makeDirectory(path.dirname(path.resolve(destination)), { recursive: true }).pipe(
        Effect.zipRight(atomicCopy(fs, path, file, destination)),
        Effect.mapError(failed)
      )
    })

    const undo = Effect.fn("LocalFsUploader.undo")(function* (topology: string) {
      const folder = yield* folderOf("undo", topology)
      const previous = path.join(folder, previousFile)
      yield* Effect.gen(function* () {
        if (yield* isFile(previous)) yield* fs.rename(previous, path.join(folder, packageFile))
        else yield* fs.remove(folder, { recursive: true, force: true })
      }).pipe(Effect.mapError(platformFailure("undo", topology, `cannot undo the upload in "${folder}"`)))
    })

    const remove = Effect.fn("LocalFsUploader.delete")(function* (topology: string) {
      const folder = yield* folderOf("delete", topology)
      yield* fs.remove(folder, { recursive: true, force: true }).pipe(
        Effect.mapError(platformFailure("delete", topology, `cannot delete "${folder}"`))
      )
    })

    return { upload, fetch, undo, delete: remove } satisfies UploaderService
  })

/** Resolves the configured root against the cluster home: default, `~`, relative paths. */
export const resolveRoot = (config: LocalFsConfig): Effect.Effect<string, never, PluginHost | Path.Path> =>
  Effect.gen(function* () {
    const host = yield* PluginHost
    const path = yield* Path.Path
    return path.resolve(host.home, expandHome(config.root ?? path.join(host.home, "packages")))
  })

/**
 * The uploader as a layer. Creates the root when it is missing; fails with `PluginError` naming the
 * directory when it cannot be created or is not a directory.
 */
export const layer = (config: LocalFsConfig): Layer.Layer<Uploader, PluginError, PluginHost | FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    Uploader,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const root = yield* resolveRoot(config)
      const cannot = (why: string) =>
        new PluginError({ plugin: pluginName, message: `cannot use package directory "${root}": ${why}` })
      yield* fs.makeDirectory(root, { recursive: true }).pipe(Effect.mapError((e) => cannot(e.message)))
      const info = yield* fs.stat(root).pipe(Effect.mapError((e) => cannot(e.message)))
      if (info.type !== "Directory") return yield* cannot("not a directory")
      return yield* make(root)
    })
  )
