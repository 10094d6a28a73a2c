/**
 * Upload and fetch throughput of one package through an uploader plugin, built from its
 * definition the way the plugin loader builds it. Each round uploads under a topology of its own
 * (a first upload: no previous package to keep), fetches it to a fresh file, checks the bytes
 * (outside the timing) and deletes the package.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { NodeContext } from "@effect/platform-node"
import { createHash } from "node:crypto"
import { readFileSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { PluginHost } from "../../core/Plugin.js"
import { Uploader, type UploaderService } from "../../core/Uploader.js"
import * as localfs from "../../plugins/uploaders/localfs/index.js"
import * as s3 from "../../plugins/uploaders/s3/index.js"

export interface TransferRound {
  /** Milliseconds. */
  readonly uploadMs: number
  readonly fetchMs: number
}

const host = (home: string) => Layer.succeed(PluginHost, { cluster: "bench", home })

/** The s3 uploader on an s3rver at `endpoint` (bucket `heron`), alive for the scope. */
export const s3Uploader = (endpoint: string) =>
  Effect.gen(function* () {
    const config = yield* Schema.decodeUnknown(s3.definition.config)({
      bucket: "heron",
      prefix: "heron/packages",
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
    })
    return Context.get(yield* Layer.build(s3.definition.layer(config).pipe(Layer.provide(Layer.merge(host("/nonexistent"), NodeContext.layer)))), Uploader)
  })

/** The localfs uploader keeping packages under `root`, alive for the scope. */
export const localfsUploader = (root: string) =>
  Effect.gen(function* () {
    const config = yield* Schema.decodeUnknown(localfs.definition.config)({ root })
    return Context.get(yield* Layer.build(localfs.definition.layer(config).pipe(Layer.provide(Layer.merge(host(root), NodeContext.layer)))), Uploader)
  })

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex")

/** `rounds` rounds of upload then fetch of `file`; fetched copies go to `work`. */
export const measureTransfer = (label: string, uploader: UploaderService, file: string, work: string, rounds: number) =>
  Effect.gen(function* () {
    const expected = sha256(file)
    const out: Array<TransferRound> = []
    for (let i = 0; i < rounds; i++) {
      const topology = `bench-${label}-${i}`
      const dest = join(work, `fetched-${label}-${i}.tar.gz`)
      const t0 = performance.now()
      const uri = yield* uploader.upload(topology, file)
      const t1 = performance.now()
      yield* uploader.fetch(uri, dest)
      const t2 = performance.now()
      if (statSync(dest).size !== statSync(file).size || sha256(dest) !== expected) {
        return yield* Effect.dieMessage(`${label}: the fetched package differs from the uploaded one`)
      }
      rmSync(dest)
      yield* uploader.delete(topology)
      out.push({ uploadMs: t1 - t0, fetchMs: t2 - t1 })
    }
    return out
  })
