/**
 * The `hdfs` uploader: keeps topology packages in HDFS through its WebHDFS REST API, after Heron's
 * `HdfsUploader`. Layout under the root (default `/heron/topologies/<cluster>`, Heron's):
 *
 * ```
 * <root>/<topology>/topology.tar.gz            the current package (URI `webhdfs://<namenode>/<path>`)
 * <root>/<topology>/previous_topology.tar.gz   the one it replaced, restored by `undo`
 * ```
 *
 * An upload writes a temp file in the topology's folder (`CREATE`, two steps), then moves the
 * current package to `previous_...` and the temp file into place (`RENAME`), so a failed upload
 * leaves the current package as it was. Between the two renames (milliseconds) there is no
 * current package: a container fetching at that instant fails and is retried by its scheduler.
 */
import { FileSystem, Path } from "@effect/platform"
import { Config, Effect, Layer, Option, Schema } from "effect"
import { createWriteStream } from "node:fs"
import type { IncomingMessage } from "node:http"
import { userInfo } from "node:os"
import { Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import { atomicReplace } from "../../../core/internal/atomicFile.js"
import { isValidTopologyName } from "../../../core/internal/topologyName.js"
import { PluginHost, type PluginError } from "../../../core/Plugin.js"
import { UploadError, Uploader, type UploadOptions, type UploaderService } from "../../../core/Uploader.js"
import { isValidRoot, normalizeRoot, parsePackageUri, pathsOf, uriOf } from "./internal/layout.js"
import { makeWebHdfs, type WebHdfsError } from "./internal/webhdfs.js"

/** Options of the `hdfs` uploader in a cluster file. */
export const HdfsConfig = Schema.Struct({
  /** The namenode's WebHDFS address: `http://<namenode>:9870` (Hadoop 3; 50070 in Hadoop 2), or
   * `https://...:9871`. A path after the host (a gateway such as Knox) is kept. */
  namenode: Schema.String.pipe(Schema.filter((u) => /^https?:\/\/[^/]/.test(u) || "an http:// or https:// URL")),
  /** The HDFS folder of the packages. Default `/heron/topologies/<cluster>`. */
  root: Schema.optional(Schema.String.pipe(
    Schema.filter((r) => isValidRoot(normalizeRoot(r)) || "an absolute HDFS path without empty, '.' or '..' segments")
  )),
  /** The HDFS user (`user.name`, simple authentication). Default: `HADOOP_USER_NAME`, else the
   * user running the process, as Hadoop's own clients do. */
  user: Schema.optional(Schema.NonEmptyString)
})
export type HdfsConfig = typeof HdfsConfig.Type

/** What the uploader runs with, every default resolved. */
export interface HdfsSettings {
  readonly namenode: URL
  readonly root: string
  readonly user: string
}

/** Progress callbacks at most once per this many bytes (and at the end). */
const progressStep = 1024 * 1024

const progressOf = (options: UploadOptions | undefined, total: number) => {
  let last = -1
  return (sent: number, final = false) => {
    const s = Math.min(sent, total)
    if (options?.onProgress !== undefined && s > last && (final || s === total || s - last >= progressStep || last < 0)) {
      last = s
      options.onProgress(s, total)
    }
  }
}

/** Streams an `OPEN` answer into a new file at `path`; resolves with the bytes written. */
const writeBody = async (body: IncomingMessage, path: string, signal: AbortSignal): Promise<number> => {
  let bytes = 0
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      done(null, chunk)
    }
  })
  await pipeline(body, count, createWriteStream(path, { flags: "wx" }), { signal })
  return bytes
}

/** Builds the uploader for `settings`. */
export const make = (settings: HdfsSettings): Effect.Effect<UploaderService, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { namenode, root } = settings
    const hdfs = makeWebHdfs({ namenode, user: settings.user })
    const uri = (p: string) => uriOf(namenode, p)

    const pathsFor = (op: string, topology: string) =>
      isValidTopologyName(topology)
        ? Effect.succeed(pathsOf(root, topology))
        : Effect.fail(new UploadError({ op, topology, message: `invalid topology name "${topology}": use letters, digits, '.', '_' and '-'` }))
    const renamed = (from: string, to: string) =>
      Effect.flatMap(hdfs.rename(from, to), (ok) => ok
        ? Effect.void
        : Effect.fail(`WebHDFS RENAME ${from} to ${to} answered false (the source is gone, or the destination exists)`))
    const why = (e: WebHdfsError | string) => (typeof e === "string" ? e : e.text)

    const upload = Effect.fn("HdfsUploader.upload")(function* (topology: string, localPath: string, options?: UploadOptions) {
      const paths = yield* pathsFor("upload", topology)
      const target = uri(paths.current)
      const fail = (e: WebHdfsError | string) =>
        new UploadError({ op: "upload", topology, message: `cannot upload "${localPath}" to ${target}: ${why(e)}` })
      const size = yield* fs.stat(localPath).pipe(
        Effect.mapError((e) => fail(e.message)),
        Effect.flatMap((info) => info.type === "File" ? Effect.succeed(Number(info.size)) : Effect.fail(fail("not a file")))
      )
      const report = progressOf(options, size)
      report(0)
      const temp = paths.temp()
      yield* Effect.gen(function* () {
        yield* hdfs.create(temp, localPath, size, false, report)
        const written = yield* hdfs.status(temp)
        if (Option.getOrUndefined(written)?.length !== size) {
          return yield* Effect.fail(`HDFS holds ${Option.getOrUndefined(written)?.length ?? "no"} bytes of ${size} at ${temp}`)
        }
        // Keep the package being replaced; with no current package, a stale previous one must
        // not be restored by a later `undo`.
        yield* hdfs.remove(paths.previous, false)
        const hadCurrent = Option.isSome(yield* hdfs.status(paths.current))
        if (hadCurrent) yield* renamed(paths.current, paths.previous)
        yield* renamed(temp, paths.current).pipe(
          Effect.tapError(() => (hadCurrent ? Effect.ignore(hdfs.rename(paths.previous, paths.current)) : Effect.void))
        )
      }).pipe(
        Effect.onError(() => Effect.ignore(hdfs.remove(temp, false))),
        Effect.mapError(fail)
      )
      report(size, true)
      yield* Effect.logInfo(`uploaded ${size} bytes to ${target}`)
      return target
    })

    const fetch = Effect.fn("HdfsUploader.fetch")(function* (packageUri: string, destination: string) {
      const fail = (topology: string, why: string) =>
        new UploadError({ op: "fetch", topology, message: `cannot fetch "${packageUri}": ${why}` })
      const ref = parsePackageUri(packageUri, namenode, root)
      if (Option.isNone(ref)) return yield* fail("", `not a package URI under ${uri(root)}`)
      const { topology } = ref.value
      const dest = path.resolve(destination)
      yield* fs.makeDirectory(path.dirname(dest), { recursive: true }).pipe(Effect.mapError((e) => fail(topology, e.message)))
      yield* atomicReplace(fs, path, dest, (tmp) =>
        hdfs.open(ref.value.path, async (body, length, signal) => ({ bytes: await writeBody(body, tmp, signal), length })).pipe(
          Effect.mapError((e) => fail(topology, e.remote?.exception === "FileNotFoundException" ? `no such package (${e.text})` : e.text)),
          Effect.filterOrFail(
            ({ bytes, length }) => length === undefined || bytes === length,
            ({ bytes, length }) => fail(topology, `received ${bytes} of ${length ?? "?"} bytes`)
          )
        )).pipe(Effect.catchTag("SystemError", "BadArgument", (e) => Effect.fail(fail(topology, e.message))))
      yield* Effect.logDebug(`fetched ${packageUri} to ${dest}`)
    })

    const undo = Effect.fn("HdfsUploader.undo")(function* (topology: string) {
      const paths = yield* pathsFor("undo", topology)
      yield* Effect.gen(function* () {
        if (Option.isSome(yield* hdfs.status(paths.previous))) {
          yield* hdfs.remove(paths.current, false)
          yield* renamed(paths.previous, paths.current)
          yield* Effect.logInfo(`restored ${uri(paths.current)} from ${uri(paths.previous)}`)
        } else {
          yield* hdfs.remove(paths.folder, true)
          yield* Effect.logInfo(`removed ${uri(paths.folder)}`)
        }
      }).pipe(Effect.mapError((e) => new UploadError({ op: "undo", topology, message: `cannot undo the upload to ${uri(paths.current)}: ${why(e)}` })))
    })

    const remove = Effect.fn("HdfsUploader.delete")(function* (topology: string) {
      const paths = yield* pathsFor("delete", topology)
      yield* hdfs.remove(paths.folder, true).pipe(
        Effect.mapError((e) => new UploadError({ op: "delete", topology, message: `cannot delete ${uri(paths.folder)}: ${e.text}` }))
      )
    })

    return { upload, fetch, undo, delete: remove } satisfies UploaderService
  })

/** Resolves the defaults: the root from the cluster's name, the user from `HADOOP_USER_NAME` or
 * the process's user. */
export const resolveSettings = (config: HdfsConfig): Effect.Effect<HdfsSettings, never, PluginHost> =>
  Effect.gen(function* () {
    const host = yield* PluginHost
    const fromEnv = yield* Config.option(Config.nonEmptyString("HADOOP_USER_NAME")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    return {
      namenode: new URL(config.namenode),
      root: normalizeRoot(config.root ?? `/heron/topologies/${host.cluster}`),
      user: config.user ?? Option.getOrElse(fromEnv, () => userInfo().username)
    }
  })

/**
 * The uploader as a layer. Nothing is sent when it starts (containers need only to read): an
 * unreachable namenode or a missing permission shows in the first operation's `UploadError`.
 */
export const layer = (config: HdfsConfig): Layer.Layer<Uploader, PluginError, PluginHost | FileSystem.FileSystem | Path.Path> =>
  Layer.effect(Uploader, Effect.flatMap(resolveSettings(config), make))
