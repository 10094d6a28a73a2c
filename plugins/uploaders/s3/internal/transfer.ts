/**
 * Moving bytes between a local file and the bucket: hashing, the (multipart) upload through
 * `@aws-sdk/lib-storage`, and streaming a `GetObject` body into a file.
 */
import type { S3Client } from "@aws-sdk/client-s3"
import { Upload } from "@aws-sdk/lib-storage"
import { createHash } from "node:crypto"
import { createReadStream, createWriteStream } from "node:fs"
import { Readable, Transform } from "node:stream"
import { pipeline } from "node:stream/promises"

/** The user-metadata key (`x-amz-meta-heron-sha256`) holding the package's SHA-256, in hex. */
export const sha256MetadataKey = "heron-sha256"

/** The SHA-256 (hex) of the file at `path`. */
export const sha256OfFile = async (path: string, signal: AbortSignal): Promise<string> => {
  const hash = createHash("sha256")
  await pipeline(createReadStream(path), async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) hash.update(chunk)
  }, { signal })
  return hash.digest("hex")
}

/** What {@link uploadFile} sends where. */
export interface UploadRequest {
  readonly client: S3Client
  readonly bucket: string
  readonly key: string
  readonly file: string
  readonly sha256: string
  /** Bytes per part; files larger than this go up as a multipart upload. */
  readonly partSize: number
  /** Parts in flight at once. */
  readonly concurrency: number
  /** Bytes sent so far, after each part (once, at the end, for a single-part upload). */
  readonly onSent: (sentBytes: number) => void
}

/**
 * Uploads the file to `key`. The object appears only when the upload completes (S3 replaces an
 * object atomically), so a failure or an abort leaves the old object in place; the parts of a
 * failed multipart upload are discarded (`AbortMultipartUpload`).
 */
export const uploadFile = async (r: UploadRequest, signal: AbortSignal): Promise<void> => {
  const body = createReadStream(r.file)
  const abort = new AbortController()
  const onAbort = () => abort.abort()
  signal.addEventListener("abort", onAbort, { once: true })
  try {
    const upload = new Upload({
      client: r.client,
      params: { Bucket: r.bucket, Key: r.key, Body: body, ContentType: "application/gzip", Metadata: { [sha256MetadataKey]: r.sha256 } },
      partSize: r.partSize,
      queueSize: r.concurrency,
      leavePartsOnError: false,
      abortController: abort
    })
    upload.on("httpUploadProgress", (p) => {
      if (p.loaded !== undefined) r.onSent(p.loaded)
    })
    await upload.done()
  } finally {
    signal.removeEventListener("abort", onAbort)
    body.destroy()
  }
}

/** What {@link writeBody} wrote. */
export interface Written {
  readonly bytes: number
  readonly sha256: string
}

/** Streams a `GetObject` body into a new file at `path`, counting and hashing it on the way. */
export const writeBody = async (body: unknown, path: string, signal: AbortSignal): Promise<Written> => {
  if (!(body instanceof Readable)) throw new Error("the SDK returned no readable body")
  const hash = createHash("sha256")
  let bytes = 0
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      bytes += chunk.length
      done(null, chunk)
    }
  })
  await pipeline(body, tap, createWriteStream(path, { flags: "wx" }), { signal })
  return { bytes, sha256: hash.digest("hex") }
}

/** Releases a `GetObject` body that will not be read (further). */
export const discardBody = (body: unknown): void => {
  if (body instanceof Readable && !body.destroyed) body.destroy()
}
