/**
 * File helpers of the localfs uploader: atomic copies.
 */
import type { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { atomicReplace } from "../../../../core/internal/atomicFile.js"

/** Copies `from` to `to` atomically (see {@link atomicReplace}), byte for byte. */
export const atomicCopy = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  from: string,
  to: string
): Effect.Effect<void, PlatformError> => atomicReplace(fs, path, to, (tmp) => fs.copyFile(from, tmp))

/** Like {@link atomicCopy}, but hard-links when it can: the previous package then costs no space.
 * Safe because packages are only ever replaced by rename, never rewritten in place. */
export const atomicSnapshot = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  from: string,
  to: string
): Effect.Effect<void, PlatformError> =>
  atomicReplace(fs, path, to, (tmp) => fs.link(from, tmp).pipe(Effect.orElse(() => fs.copyFile(from, tmp))))
