/**
 * The built-in `s3` uploader plugin: topology packages in an S3 bucket (AWS S3 or any
 * S3-compatible server: MinIO, Ceph, s3rver).
 */
import { definePlugin } from "../../../core/Plugin.js"
import * as S3Uploader from "./S3Uploader.js"

export * as S3Uploader from "./S3Uploader.js"

/** Options of this plugin in a cluster file (same schema as `S3Uploader.S3Config`). */
export const Config = S3Uploader.S3Config
export type Config = typeof Config.Type

/** The version of this plugin. */
export const version = "0.1.0"

/** The `s3` uploader. Keeps one previous package per topology so a failed submit can roll back;
 * large packages go up as multipart uploads. Containers fetch their package through it too. */
export const definition = definePlugin({
  module: import.meta.url,
  kind: "uploader",
  name: "s3",
  version,
  config: Config,
  layer: (c: Config) => S3Uploader.layer(c)
})

/**
 * Chooses the `s3` uploader in a cluster file, e.g.
 * `s3({ bucket: "heron", endpoint: "http://minio:9000", forcePathStyle: true,
 *       credentials: { accessKeyId: env("AWS_ACCESS_KEY_ID"), secretAccessKey: env("AWS_SECRET_ACCESS_KEY") } })`.
 */
export const s3 = (o: typeof Config.Encoded) => definition.configure(o)
