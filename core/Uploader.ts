/**
 * The uploader contract, after Heron's `IUploader`: puts a topology package where every container
 * can fetch it. Packages are kept per topology (`<root>/<topology>/topology.tar.gz`); before one
 * is replaced the old one is kept as `previous`, so that `undo` can restore it.
 */
import { Context, Schema, type Effect } from "effect"

export class UploadError extends Schema.TaggedError<UploadError>()("UploadError", {
  op: Schema.String,
  topology: Schema.String,
  message: Schema.String
}) {}

/** Options of one `upload`. */
export interface UploadOptions {
  /** Called as the package is sent, with the bytes sent so far and the package's size in bytes.
   * Calls come in increasing order of `sentBytes`, the last one (when the upload succeeds) with
   * `sentBytes === totalBytes`; how often depends on the plugin (per part, per chunk, or only at
   * the end). Must not throw. */
  readonly onProgress?: (sentBytes: number, totalBytes: number) => void
}

export interface UploaderService {
  /** Uploads the package file at `localPath` for `topology` and returns the URI containers fetch.
   * `options.onProgress` reports progress (plugins that cannot report it may ignore it). */
  readonly upload: (topology: string, localPath: string, options?: UploadOptions) => Effect.Effect<string, UploadError>
  /** Downloads what `upload` returned to `destination` (a file path), atomically. */
  readonly fetch: (uri: string, destination: string) => Effect.Effect<void, UploadError>
  /** Rolls back the last upload of `topology`: restores the previous package, or removes it when
   * there was none. Called when a submit fails after uploading. */
  readonly undo: (topology: string) => Effect.Effect<void, UploadError>
  /** Removes every package of the topology (on kill). Absent is fine. */
  readonly delete: (topology: string) => Effect.Effect<void, UploadError>
}

export class Uploader extends Context.Tag("heron/Uploader")<Uploader, UploaderService>() {}
