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

export interface UploaderService {
  /** Uploads the package file at `localPath` for `topology` and returns the URI containers fetch. */
  readonly upload: (topology: string, localPath: string) => Effect.Effect<string, UploadError>
  /** Downloads what `upload` returned to `destination` (a file path), atomically. */
  readonly fetch: (uri: string, destination: string) => Effect.Effect<void, UploadError>
  /** Rolls back the last upload of `topology`: restores the previous package, or removes it when
   * there was none. Called when a submit fails after uploading. */
  readonly undo: (topology: string) => Effect.Effect<void, UploadError>
  /** Removes every package of the topology (on kill). Absent is fine. */
  readonly delete: (topology: string) => Effect.Effect<void, UploadError>
}

export class Uploader extends Context.Tag("heron/Uploader")<Uploader, UploaderService>() {}
