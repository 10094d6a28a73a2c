import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3"
import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer, Logger, LogLevel, Redacted, Schema } from "effect"
import { PluginHost } from "../../../../core/Plugin.js"
import { Uploader } from "../../../../core/Uploader.js"
import { definition, s3 } from "../../../../plugins/uploaders/s3/index.js"
import * as S3Uploader from "../../../../plugins/uploaders/s3/S3Uploader.js"
import { skipWithoutS3rver, startS3rver, type S3rverServer } from "../../../support/services/s3.js"
import { describeUploaderContract, packageBytes } from "../contract.js"

const skip = skipWithoutS3rver()
const MiB = 1024 * 1024

/** A client of the server under test, for looking behind the uploader's back. */
const rawClient = (server: S3rverServer) => clientOf(server)

/** A client of `server` (with `extra` options), set up by `configure`, destroyed with the scope. */
const clientOf = (server: S3rverServer, extra: Partial<S3ClientConfig> = {}, configure: (c: S3Client) => void = () => undefined) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const c = new S3Client({ ...server.clientOptions, ...extra })
      configure(c)
      return c
    }),
    (c) => Effect.sync(() => c.destroy())
  )

/** The uploader built from `options` (decoded as the plugin loader does), alive for the scope. */
const uploaderFrom = (options: typeof S3Uploader.S3Config.Encoded) =>
  Effect.gen(function* () {
    const config = yield* Schema.decodeUnknown(definition.config)(options)
    const host = Layer.succeed(PluginHost, { cluster: "test", home: "/nonexistent" })
    return Context.get(yield* Layer.build(definition.layer(config).pipe(Layer.provide(host))), Uploader)
  })

const s3rverOptions = (server: S3rverServer, extra: Partial<typeof S3Uploader.S3Config.Encoded> = {}) => ({
  bucket: "heron",
  endpoint: server.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  ...extra
})

/** Every object under `prefix`, by the part of its key after the prefix. */
const objectsUnder = (client: S3Client, bucket: string, prefix: string) =>
  Effect.gen(function* () {
    const list = yield* Effect.promise(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })))
    const out = new Map<string, Uint8Array>()
    for (const o of list.Contents ?? []) {
      const key = o.Key ?? ""
      const got = yield* Effect.promise(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })))
      out.set(key.slice(prefix.length), yield* Effect.promise(() => got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())))
    }
    return out
  })

describeUploaderContract("s3", Effect.gen(function* () {
  const server = yield* startS3rver(["heron"])
  const client = yield* rawClient(server)
  const uploader = yield* uploaderFrom(s3rverOptions(server, { prefix: "/heron/packages/" }))
  return {
    uploader,
    stored: (topology: string) => objectsUnder(client, "heron", `heron/packages/${topology}/`),
    foreignUris: [
      "s3://other-bucket/heron/packages/wc/topology.tar.gz",
      "s3://heron/elsewhere/wc/topology.tar.gz",
      "s3://heron/heron/packages/wc/notes.txt",
      "s3://heron/heron/packages/wc/sub/topology.tar.gz",
      "s3://heron/heron/packages/../wc/topology.tar.gz",
      "http://127.0.0.1/heron/packages/wc/topology.tar.gz",
      "not a uri"
    ]
  }
}), { skip })

/** A log of everything logged at Debug and above while `effect` runs. */
const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const logger = Logger.map(Logger.logfmtLogger, (line) => {
      lines.push(line)
    })
    const exit = yield* effect.pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.Debug),
      Effect.exit
    )
    return { exit, lines }
  })

describe.skipIf(skip)("s3 uploader", () => {
  layer(NodeContext.layer, { timeout: 60_000 })((it) => {
    const setup = Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const work = yield* fs.makeTempDirectoryScoped({ prefix: "heron-s3-" })
      const server = yield* startS3rver(["heron"])
      const client = yield* rawClient(server)
      const write = (name: string, bytes: Uint8Array) => fs.writeFile(path.join(work, name), bytes).pipe(Effect.as(path.join(work, name)))
      const read = (file: string) => Effect.map(fs.readFile(file), (b) => Uint8Array.from(b))
      return { fs, path, work, server, client, write, read }
    })

    it("is declared as the uploader plugin `s3`, loadable from its module", () => {
      expect(definition.kind).toBe("uploader")
      expect(definition.name).toBe("s3")
      expect(definition.module).toMatch(/plugins\/uploaders\/s3\/index\.(ts|js)$/)
      expect(s3({ bucket: "b", prefix: "p" }).options).toEqual({ bucket: "b", prefix: "p" })
    })

    it.effect("decodes credentials as Redacted and refuses bad options, naming them", () =>
      Effect.gen(function* () {
        const decode = Schema.decodeUnknown(definition.config, { errors: "all", onExcessProperty: "error" })
        const config = yield* decode({ bucket: "b", credentials: { accessKeyId: "AKIA-SHOWN-NOWHERE", secretAccessKey: "s3cr3t-shown-nowhere" } })
        expect(Redacted.isRedacted(config.credentials?.secretAccessKey)).toBe(true)
        expect(Redacted.value(config.credentials?.secretAccessKey ?? Redacted.make(""))).toBe("s3cr3t-shown-nowhere")
        expect(`${String(config.credentials?.accessKeyId)} ${JSON.stringify(config)}`).not.toMatch(/SHOWN-NOWHERE|shown-nowhere/)
        const bad = [
          [{ bucket: "" }, "bucket"],
          [{ bucket: "a/b" }, "bucket"],
          [{ bucket: "b", prefix: "a//b" }, "prefix"],
          [{ bucket: "b", prefix: "a/../b" }, "prefix"],
          [{ bucket: "b", endpoint: "minio:9000" }, "endpoint"],
          [{ bucket: "b", partSize: 1024 }, "partSize"],
          [{ bucket: "b", concurrency: 0 }, "concurrency"],
          [{ bucket: "b", credentials: { accessKeyId: "x" } }, "secretAccessKey"],
          [{ bucket: "b", region: "us-east-1", extra: 1 }, "extra"]
        ] as const
        for (const [options, key] of bad) {
          const err = yield* Effect.flip(decode(options))
          expect(err.message).toContain(key)
        }
      }))

    it.scoped("returns s3://<bucket>/<prefix>/<topology>/topology.tar.gz and stores the package's SHA-256", () =>
      Effect.gen(function* () {
        const { server, client, write } = yield* setup
        const uploader = yield* uploaderFrom(s3rverOptions(server, { prefix: "pkgs" }))
        const uri = yield* uploader.upload("word-count", yield* write("p", packageBytes(1)))
        expect(uri).toBe("s3://heron/pkgs/word-count/topology.tar.gz")
        const head = yield* Effect.promise(() => client.send(new HeadObjectCommand({ Bucket: "heron", Key: "pkgs/word-count/topology.tar.gz" })))
        expect(head.ContentLength).toBe(4096)
        expect(head.Metadata?.["heron-sha256"]).toMatch(/^[0-9a-f]{64}$/)
      }))

    it.scoped("a 12 MiB package goes up in 5 MiB parts, reports progress per part and round-trips", () =>
      Effect.gen(function* () {
        const { server, path, work, write, read } = yield* setup
        const commands: Array<string> = []
        const recording = yield* clientOf(server, {}, (c) =>
          c.middlewareStack.add((next, context) => (args) => {
            commands.push(context.commandName ?? "?")
            return next(args)
          }, { step: "initialize" }))
        const config = yield* Schema.decodeUnknown(S3Uploader.S3Config)(s3rverOptions(server, { partSize: 5 * MiB, concurrency: 2 }))
        const uploader = yield* S3Uploader.make(config, recording)
        const size = 12 * MiB
        const calls: Array<readonly [number, number]> = []
        const uri = yield* uploader.upload("big", yield* write("big", packageBytes(5, size)), {
          onProgress: (sent, total) => calls.push([sent, total])
        })
        expect(commands.filter((c) => c === "CreateMultipartUploadCommand")).toHaveLength(1)
        expect(commands.filter((c) => c === "UploadPartCommand")).toHaveLength(3)
        expect(commands.filter((c) => c === "CompleteMultipartUploadCommand")).toHaveLength(1)
        expect(commands).not.toContain("PutObjectCommand")
        // 0, then one call per finished part (5, 10 and 12 MiB, in whatever order the parts end).
        expect(calls.length).toBeGreaterThanOrEqual(3)
        expect(calls[0]).toEqual([0, size])
        expect(calls.at(-1)).toEqual([size, size])
        expect(calls.every(([sent], i) => i === 0 || sent > (calls[i - 1]?.[0] ?? -1))).toBe(true)
        const dest = path.join(work, "fetched")
        yield* uploader.fetch(uri, dest)
        expect(Buffer.from(yield* read(dest)).equals(Buffer.from(packageBytes(5, size)))).toBe(true)
      }), 120_000)

    it.scoped("a wrong bucket fails with the bucket, the key and S3's code, and no credential", () =>
      Effect.gen(function* () {
        const { server, write } = yield* setup
        // s3rver checks the access key id, not the secret: a distinctive secret must stay hidden.
        const secret = "SECRET-do-not-print-4711"
        const uploader = yield* uploaderFrom(s3rverOptions(server, {
          bucket: "no-such-bucket",
          credentials: { accessKeyId: "S3RVER", secretAccessKey: secret }
        }))
        const src = yield* write("p", packageBytes(1))
        const { exit, lines } = yield* capturingLogs(uploader.upload("wc", src))
        expect(exit._tag).toBe("Failure")
        const err = yield* Effect.flip(exit)
        expect(err.message).toContain(`"${src}" to s3://no-such-bucket/wc/topology.tar.gz`)
        expect(err.message).toContain("NoSuchBucket (HTTP 404)")
        const everything = `${err.message} ${JSON.stringify(err)} ${lines.join("\n")}`
        expect(everything).not.toContain(secret)
        expect(everything).not.toContain("S3RVER")
      }))

    it.scoped("wrong credentials fail clearly, write nothing and print no credential", () =>
      Effect.gen(function* () {
        const { server, client, write } = yield* setup
        const keyId = "AKIAHERONTESTKEY0001"
        const secret = "wrong-secret-8f3a9c"
        const uploader = yield* uploaderFrom(s3rverOptions(server, { credentials: { accessKeyId: keyId, secretAccessKey: secret, sessionToken: "token-77aa" } }))
        const { exit, lines } = yield* capturingLogs(uploader.upload("wc", yield* write("p", packageBytes(1, 6 * MiB))))
        const err = yield* Effect.flip(exit)
        expect(err).toMatchObject({ _tag: "UploadError", op: "upload", topology: "wc" })
        expect(err.message).toContain("s3://heron/wc/topology.tar.gz")
        // The first request is a HEAD, whose answer has no body: S3's code is not known then.
        expect(err.message).toContain("Forbidden (HTTP 403): access denied")
        const everything = `${err.message} ${JSON.stringify(err)} ${lines.join("\n")}`
        for (const s of [keyId, secret, "token-77aa"]) expect(everything).not.toContain(s)
        const listed = yield* Effect.promise(() => client.send(new ListObjectsV2Command({ Bucket: "heron" })))
        expect(listed.Contents ?? []).toEqual([])
      }))

    it.scoped("logs name what happened but never a credential", () =>
      Effect.gen(function* () {
        const { server, path, work, write } = yield* setup
        const secret = "SECRET-in-no-log-5150"
        const uploader = yield* uploaderFrom(s3rverOptions(server, { credentials: { accessKeyId: "S3RVER", secretAccessKey: secret } }))
        const src = yield* write("p", packageBytes(1))
        const { exit, lines } = yield* capturingLogs(Effect.gen(function* () {
          const uri = yield* uploader.upload("wc", src)
          yield* uploader.upload("wc", src)
          yield* uploader.fetch(uri, path.join(work, "dest"))
          yield* uploader.undo("wc")
          yield* uploader.delete("wc")
        }))
        expect(exit._tag).toBe("Success")
        expect(lines.some((l) => l.includes("s3://heron/wc/topology.tar.gz"))).toBe(true)
        expect(lines.join("\n")).not.toContain(secret)
      }))

    it.scoped("without credentials the SDK's default chain is used (here: AWS_* variables)", () =>
      Effect.gen(function* () {
        const { server, write } = yield* setup
        const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY }
        yield* Effect.addFinalizer(() => Effect.sync(() => {
          for (const [k, v] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret]] as const) {
            if (v === undefined) delete process.env[k]
            else process.env[k] = v
          }
        }))
        const { credentials: _none, ...options } = s3rverOptions(server)
        process.env.AWS_ACCESS_KEY_ID = "S3RVER"
        process.env.AWS_SECRET_ACCESS_KEY = "S3RVER"
        const src = yield* write("p", packageBytes(1))
        expect(yield* (yield* uploaderFrom(options)).upload("wc", src)).toBe("s3://heron/wc/topology.tar.gz")
        // Proof that the variables, not something else, were used: another id is refused.
        process.env.AWS_ACCESS_KEY_ID = "AKIAFROMTHEENVIRON01"
        const err = yield* Effect.flip((yield* uploaderFrom(options)).upload("wc", src))
        expect(err.message).toContain("HTTP 403")
        expect(err.message).not.toContain("AKIAFROMTHEENVIRON01")
      }))

    it.scoped("fetch refuses a package whose bytes no longer match its SHA-256", () =>
      Effect.gen(function* () {
        const { server, client, fs, path, work, write } = yield* setup
        const uploader = yield* uploaderFrom(s3rverOptions(server))
        const uri = yield* uploader.upload("wc", yield* write("p", packageBytes(1)))
        const head = yield* Effect.promise(() => client.send(new HeadObjectCommand({ Bucket: "heron", Key: "wc/topology.tar.gz" })))
        // Same size and metadata, other bytes: what a corrupting store or a tampered object looks like.
        yield* Effect.promise(() => client.send(new PutObjectCommand({
          Bucket: "heron", Key: "wc/topology.tar.gz", Body: packageBytes(2), Metadata: head.Metadata ?? {}
        })))
        const err = yield* Effect.flip(uploader.fetch(uri, path.join(work, "c0", "pkg")))
        expect(err.message).toContain("SHA-256")
        expect(yield* fs.readDirectory(path.join(work, "c0"))).toEqual([])
      }))

    it.scoped("an upload stored with another size is detected and rolled back to the previous package", () =>
      Effect.gen(function* () {
        const { server, client, write } = yield* setup
        const config = yield* Schema.decodeUnknown(S3Uploader.S3Config)(s3rverOptions(server))
        yield* (yield* S3Uploader.make(config, client)).upload("wc", yield* write("v1", packageBytes(1)))
        // A client that appends a byte to every body it sends: what happens when a server keeps the
        // SDK's `aws-chunked` framing as content, or a proxy alters the body.
        const corrupting = yield* clientOf(server, {}, (c) =>
          c.middlewareStack.add((next) => (args) => {
            const request: unknown = args.request
            if (typeof request === "object" && request !== null && "body" in request && "headers" in request) {
              const { body, headers } = request
              if (body instanceof Uint8Array && typeof headers === "object" && headers !== null) {
                Reflect.set(request, "body", Buffer.concat([body, Buffer.from("!")]))
                Reflect.set(headers, "content-length", String(body.length + 1))
              }
            }
            return next(args)
          }, { step: "build" }))
        const err = yield* Effect.flip((yield* S3Uploader.make(config, corrupting)).upload("wc", yield* write("v2", packageBytes(2))))
        expect(err.message).toContain("s3://heron/wc/topology.tar.gz")
        expect(err.message).toContain("the server stored 4097 bytes")
        expect(err.message).toContain("does not keep objects intact; the previous package was restored")
        const left = yield* objectsUnder(client, "heron", "wc/")
        expect([...left.keys()]).toEqual(["topology.tar.gz"])
        expect(left.get("topology.tar.gz")).toEqual(packageBytes(1))
      }))
  })
})
