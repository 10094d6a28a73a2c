/**
 * The `s3` uploader: keeps topology packages in an S3 bucket (AWS S3, MinIO, Ceph, s3rver or any
 * S3-compatible server), after Heron's `S3Uploader`. Layout in the bucket:
 *
 * ```
 * <prefix>/<topology>/topology.tar.gz            the current package (URI `s3://<bucket>/<key>`)
 * <prefix>/<topology>/previous_topology.tar.gz   the one it replaced, restored by `undo`
 * ```
 *
 * S3 replaces an object atomically when its upload completes, so a failed or interrupted upload
 * leaves the current package as it was (the parts of a multipart upload are discarded). Each
 * package carries its SHA-256 in its metadata (`x-amz-meta-heron-sha256`): after an upload, the
 * size and metadata the server reports are checked (a mismatch rolls the upload back), and `fetch`
 * checks the bytes it downloaded against the SHA-256.
 */
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3"
import { FileSystem, Path } from "@effect/platform"
import { Effect, Layer, Option, Schema } from "effect"
import { atomicReplace } from "../../../core/internal/atomicFile.js"
import { isValidTopologyName } from "../../../core/internal/topologyName.js"
import { PluginError } from "../../../core/Plugin.js"
import { UploadError, Uploader, type UploadOptions, type UploaderService } from "../../../core/Uploader.js"
import { call, makeClient, secretsOf, type S3CallError } from "./internal/client.js"
import { isNotFound } from "./internal/errors.js"
import { isValidPrefix, keysOf, normalizePrefix, parsePackageUri, uriOf, type TopologyKeys } from "./internal/layout.js"
import { discardBody, sha256MetadataKey, sha256OfFile, uploadFile, writeBody } from "./internal/transfer.js"

const MiB = 1024 * 1024

/** A credential value: given as a string (usually `env("...")`), kept `Redacted` once decoded. */
const Secret = Schema.Redacted(Schema.NonEmptyString)

/** Static credentials. Leave `credentials` out to use the SDK's default chain instead. */
export const S3Credentials = Schema.Struct({
  accessKeyId: Secret,
  secretAccessKey: Secret,
  /** For temporary credentials (STS). */
  sessionToken: Schema.optional(Secret)
})

/** Options of the `s3` uploader in a cluster file. */
export const S3Config = Schema.Struct({
  /** The bucket; it must exist. */
  bucket: Schema.NonEmptyString.pipe(Schema.filter((b) => !b.includes("/") || "a bucket name, without '/'")),
  /** Folder of the packages in the bucket, e.g. `heron/packages`. Default: the bucket's top level. */
  prefix: Schema.optional(Schema.String.pipe(
    Schema.filter((p) => isValidPrefix(normalizePrefix(p)) || "a key prefix without empty, '.' or '..' segments")
  )),
  /** The server's URL, for S3-compatible servers (`http://minio:9000`). Default: AWS S3. */
  endpoint: Schema.optional(Schema.String.pipe(
    Schema.filter((e) => /^https?:\/\/[^/]/.test(e) || "an http:// or https:// URL")
  )),
  /** The region. Default: the SDK's (`AWS_REGION`, the shared config file); `us-east-1` when
   * `endpoint` is set. */
  region: Schema.optional(Schema.NonEmptyString),
  /** Address buckets as `<endpoint>/<bucket>` rather than `<bucket>.<endpoint>`: needed by MinIO
   * and s3rver. Default false. */
  forcePathStyle: Schema.optional(Schema.Boolean),
  /** Static credentials, usually `env(...)`; absent: the SDK's default chain. Never printed. */
  credentials: Schema.optional(S3Credentials),
  /** Bytes per part of a multipart upload (at least 5 MiB, S3's minimum); smaller packages go up
   * in one request. Default 8 MiB. */
  partSize: Schema.optional(Schema.Int.pipe(Schema.between(5 * MiB, 5 * 1024 * MiB))),
  /** Parts uploaded at once. Default 4. Memory use is about `partSize × concurrency`. */
  concurrency: Schema.optional(Schema.Int.pipe(Schema.between(1, 64)))
})
export type S3Config = typeof S3Config.Type

/** The label of this plugin in `PluginError`s. */
export const pluginName = "uploader/s3"

/** The default part size of multipart uploads. */
export const defaultPartSize = 8 * MiB

/** Calls `onProgress` only with increasing counts, capped at `total`. */
const progressOf = (options: UploadOptions | undefined, total: number) => {
  let last = -1
  return (sent: number) => {
    const s = Math.min(sent, total)
    if (s > last && options?.onProgress !== undefined) {
      last = s
      options.onProgress(s, total)
    }
  }
}

/** Builds the uploader on `client` (closed by the caller). */
export const make = (config: S3Config, client: S3Client): Effect.Effect<UploaderService, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const bucket = config.bucket
    const prefix = normalizePrefix(config.prefix)
    const secrets = secretsOf(config)
    const s3 = <A>(f: (signal: AbortSignal) => Promise<A>) => call(secrets, f)
    const uri = (key: string) => uriOf(bucket, key)
    const failure = (op: string, topology: string, what: string) => (e: S3CallError) =>
      new UploadError({ op, topology, message: `${what}: ${e.failure.text}` })

    const keysFor = (op: string, topology: string) =>
      isValidTopologyName(topology)
        ? Effect.succeed(keysOf(prefix, topology))
        : Effect.fail(new UploadError({ op, topology, message: `invalid topology name "${topology}": use letters, digits, '.', '_' and '-'` }))

    /** The object's metadata, or None when there is no such object. */
    const head = (key: string) =>
      s3((abortSignal) => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal })).pipe(
        Effect.map(Option.some),
        Effect.catchIf((e) => isNotFound(e.failure), () => Effect.succeedNone)
      )
    const copy = (from: string, to: string) =>
      s3((abortSignal) =>
        client.send(new CopyObjectCommand({
          Bucket: bucket,
          Key: to,
          CopySource: `${bucket}/${from.split("/").map(encodeURIComponent).join("/")}`,
          MetadataDirective: "COPY"
        }), { abortSignal }))
    const remove = (key: string) =>
      s3((abortSignal) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }))
    /** Every key under `folder`, over all pages of the listing. */
    const keysUnder = (folder: string) =>
      Effect.gen(function* () {
        const keys: Array<string> = []
        let token: string | undefined
        do {
          const page = yield* s3((abortSignal) =>
            client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: folder, ...(token === undefined ? {} : { ContinuationToken: token }) }), { abortSignal }))
          for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key)
          token = page.IsTruncated === true ? page.NextContinuationToken : undefined
        } while (token !== undefined)
        return keys
      })
    const removeAll = (folder: string) => Effect.flatMap(keysUnder(folder), (keys) => Effect.forEach(keys, remove, { concurrency: 8, discard: true }))

    /** Puts the previous package back in place, or removes the topology's folder without one. */
    const rollback = (keys: TopologyKeys) =>
      Effect.flatMap(head(keys.previous), (previous) =>
        Option.isSome(previous)
          ? copy(keys.previous, keys.current).pipe(Effect.zipRight(remove(keys.previous)), Effect.as("restored" as const))
          : removeAll(keys.folder).pipe(Effect.as("removed" as const)))

    const upload = Effect.fn("S3Uploader.upload")(function* (topology: string, localPath: string, options?: UploadOptions) {
      const keys = yield* keysFor("upload", topology)
      const target = uri(keys.current)
      const fail = (why: string) => new UploadError({ op: "upload", topology, message: `cannot upload "${localPath}" to ${target}: ${why}` })
      const step = (what: string) => (e: S3CallError) => fail(`${what}: ${e.failure.text}`)
      const size = yield* fs.stat(localPath).pipe(
        Effect.mapError((e) => fail(e.message)),
        Effect.flatMap((info) => info.type === "File" ? Effect.succeed(Number(info.size)) : Effect.fail(fail("not a file")))
      )
      const sha256 = yield* Effect.tryPromise({
        try: (signal) => sha256OfFile(localPath, signal),
        catch: (e) => fail(e instanceof Error ? e.message : String(e))
      })
      // Keep the package being replaced first (a server-side copy: the current one stays in
      // place). With no current package, a stale previous one must not be restored by `undo`.
      const current = yield* head(keys.current).pipe(Effect.mapError(step("reading the current package")))
      if (Option.isSome(current)) {
        yield* copy(keys.current, keys.previous).pipe(Effect.mapError(step(`keeping it as ${uri(keys.previous)}`)))
      } else {
        yield* remove(keys.previous).pipe(Effect.mapError(step(`removing the stale ${uri(keys.previous)}`)))
      }
      const report = progressOf(options, size)
      report(0)
      yield* s3((signal) =>
        uploadFile({ client, bucket, key: keys.current, file: localPath, sha256, partSize: config.partSize ?? defaultPartSize, concurrency: config.concurrency ?? 4, onSent: report }, signal)
      ).pipe(Effect.mapError((e) => fail(e.failure.text)))
      const stored = Option.getOrUndefined(yield* head(keys.current).pipe(Effect.mapError(step("checking what was stored"))))
      if (stored?.ContentLength !== size || stored.Metadata?.[sha256MetadataKey] !== sha256) {
        const what = `the server stored ${stored?.ContentLength ?? "no"} bytes (SHA-256 ${stored?.Metadata?.[sha256MetadataKey] ?? "missing"}) ` +
          `for ${size} bytes (SHA-256 ${sha256}): it does not keep objects intact`
        const undone = yield* rollback(keys).pipe(Effect.either)
        return yield* fail(undone._tag === "Right"
          ? `${what}; ${undone.right === "restored" ? "the previous package was restored" : "the upload was removed"}`
          : `${what}; rolling back failed too: ${undone.left.failure.text}`)
      }
      report(size)
      yield* Effect.logInfo(`uploaded ${size} bytes to ${target}`)
      return target
    })

    const fetch = Effect.fn("S3Uploader.fetch")(function* (packageUri: string, destination: string) {
      const fail = (topology: string, why: string) =>
        new UploadError({ op: "fetch", topology, message: `cannot fetch "${packageUri}": ${why}` })
      const ref = parsePackageUri(packageUri, prefix)
      if (Option.isNone(ref)) {
        return yield* fail("", `not a package URI under ${uri(prefix === "" ? "" : `${prefix}/`)}`)
      }
      const { key, topology } = ref.value
      if (ref.value.bucket !== bucket) return yield* fail(topology, `the package is not in bucket "${bucket}"`)
      const object = yield* s3((abortSignal) => client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal })).pipe(
        Effect.mapError((e) => fail(topology, isNotFound(e.failure) ? `no such package (${e.failure.text})` : e.failure.text))
      )
      const expected = object.Metadata?.[sha256MetadataKey]
      const download = (tmp: string) =>
        Effect.tryPromise({
          try: (signal) => writeBody(object.Body, tmp, signal),
          catch: (e) => fail(topology, `cannot write "${destination}": ${e instanceof Error ? e.message : String(e)}`)
        }).pipe(Effect.flatMap((written) =>
          object.ContentLength !== undefined && written.bytes !== object.ContentLength
            ? Effect.fail(fail(topology, `received ${written.bytes} of ${object.ContentLength} bytes`))
            : expected !== undefined && written.sha256 !== expected
            ? Effect.fail(fail(topology, `the download's SHA-256 ${written.sha256} is not the package's ${expected}`))
            : Effect.void
        ))
      const dest = path.resolve(destination)
      yield* fs.makeDirectory(path.dirname(dest), { recursive: true }).pipe(
        Effect.zipRight(atomicReplace(fs, path, dest, download)),
        Effect.catchTag("SystemError", "BadArgument", (e) => Effect.fail(fail(topology, e.message))),
        // The body is read to its end or destroyed: an unread body would hold its connection.
        Effect.onExit(() => Effect.sync(() => discardBody(object.Body)))
      )
      yield* Effect.logDebug(`fetched ${packageUri} to ${dest}`)
    })

    const undo = Effect.fn("S3Uploader.undo")(function* (topology: string) {
      const keys = yield* keysFor("undo", topology)
      const done = yield* rollback(keys).pipe(Effect.mapError(failure("undo", topology, `cannot undo the upload to ${uri(keys.current)}`)))
      yield* Effect.logInfo(done === "restored" ? `restored ${uri(keys.current)} from ${uri(keys.previous)}` : `removed ${uri(keys.folder)}`)
    })

    const remove_ = Effect.fn("S3Uploader.delete")(function* (topology: string) {
      const keys = yield* keysFor("delete", topology)
      yield* removeAll(keys.folder).pipe(Effect.mapError(failure("delete", topology, `cannot delete ${uri(keys.folder)}`)))
    })

    return { upload, fetch, undo, delete: remove_ } satisfies UploaderService
  })

/**
 * The uploader as a layer: an S3 client for the configured bucket, closed when the scope ends.
 * Nothing is sent when it starts (containers need only `GetObject`): a wrong bucket, endpoint or
 * credentials show in the first operation's `UploadError`.
 */
export const layer = (config: S3Config): Layer.Layer<Uploader, PluginError, FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(
    Uploader,
    Effect.acquireRelease(Effect.sync(() => makeClient(config)), (client) => Effect.sync(() => client.destroy())).pipe(
      Effect.flatMap((client) => make(config, client))
    )
  )
