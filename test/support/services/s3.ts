/**
 * A real S3-compatible server for tests: npm `s3rver` (a dev dependency) run in this process on a
 * free port, its objects in a temp directory, stopped and removed with the scope. Clients reach
 * it with {@link S3rverServer.clientOptions} (path-style addressing, s3rver's fixed credentials
 * `S3RVER`/`S3RVER`); the AWS SDK also needs `requestChecksumCalculation` and
 * `responseChecksumValidation` set to `"WHEN_REQUIRED"`, or streamed bodies are stored with their
 * `aws-chunked` framing (see ../../../../shared/BACKENDS.md).
 *
 * `s3rverMissing()` says why s3rver cannot run here; a suite skips then, except under `CI=true`.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Data, Effect, Exit, Scope } from "effect"

export class S3rverError extends Data.TaggedError("S3rverError")<{ readonly message: string }> {}

const s3rverPackage = fileURLToPath(new URL("../../../node_modules/s3rver/package.json", import.meta.url))

/** Why s3rver cannot run here, or undefined when it can. */
export const s3rverMissing = (): string | undefined =>
  existsSync(s3rverPackage) ? undefined : `${s3rverPackage} is missing (the s3rver dev dependency is not installed)`

/** True when a suite should skip for want of s3rver; throws under CI=true, where it must run. */
export const skipWithoutS3rver = (): boolean => {
  const missing = s3rverMissing()
  if (missing !== undefined && process.env.CI === "true") throw new Error(missing)
  return missing !== undefined
}

/** s3rver's only credentials. */
export const s3rverCredentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const

/** A running s3rver. */
export interface S3rverServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string
  readonly port: number
  /** Where it keeps buckets and objects. */
  readonly directory: string
  /** The buckets it was started with. */
  readonly buckets: ReadonlyArray<string>
  /** The options of `new S3Client(...)` that reach it. */
  readonly clientOptions: {
    readonly endpoint: string
    readonly region: string
    readonly forcePathStyle: true
    readonly credentials: typeof s3rverCredentials
    readonly requestChecksumCalculation: "WHEN_REQUIRED"
    readonly responseChecksumValidation: "WHEN_REQUIRED"
  }
  /** Creates another (empty) bucket. */
  readonly createBucket: (name: string) => Effect.Effect<void>
  /** Every request it received so far, in order (to tell who fetched what). */
  readonly requests: () => ReadonlyArray<S3rverRequest>
}

/** One request s3rver received. */
export interface S3rverRequest {
  readonly method: string
  /** Path and query, e.g. `/heron/packages/wc/topology.tar.gz`. */
  readonly url: string
}

/** Starts s3rver on a free port of 127.0.0.1 with `buckets` created (default `["heron"]`). */
export const startS3rver = (buckets: ReadonlyArray<string> = ["heron"]): Effect.Effect<S3rverServer, S3rverError, Scope.Scope> =>
  Effect.gen(function* () {
    const missing = s3rverMissing()
    if (missing !== undefined) return yield* new S3rverError({ message: missing })
    const directory = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "heron-s3rver-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    const { default: S3rver } = yield* Effect.tryPromise({
      try: () => import("s3rver"),
      catch: (e) => new S3rverError({ message: `cannot load s3rver: ${String(e)}` })
    })
    const server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      directory,
      silent: true,
      configureBuckets: buckets.map((name) => ({ name, configs: [] }))
    })
    const address = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => server.run(), catch: (e) => new S3rverError({ message: `s3rver did not start: ${String(e)}` }) }),
      () =>
        Effect.promise(() => {
          // Clients keep connections alive; close them or `close` waits for their idle timeout.
          server.httpServer?.closeAllConnections()
          return server.close().catch(() => undefined)
        })
    )
    const received: Array<S3rverRequest> = []
    server.httpServer?.on("request", (req) => received.push({ method: req.method ?? "", url: req.url ?? "" }))
    const endpoint = `http://127.0.0.1:${address.port}`
    const clientOptions = {
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: s3rverCredentials,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED"
    } as const
    const createBucket = (name: string) =>
      Effect.acquireUseRelease(
        Effect.sync(() => new S3Client(clientOptions)),
        (client) => Effect.promise(() => client.send(new CreateBucketCommand({ Bucket: name }))),
        (client) => Effect.sync(() => client.destroy())
      ).pipe(Effect.asVoid)
    return { endpoint, port: address.port, directory, buckets, clientOptions, createBucket, requests: () => [...received] }
  })

/** The same server for code outside Effect (a plain `beforeAll`): `close()` stops it and removes
 * its files. */
export const launchS3rver = async (buckets?: ReadonlyArray<string>): Promise<S3rverServer & { readonly close: () => Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(startS3rver(buckets).pipe(Scope.extend(scope), Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))))
  return { ...server, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
