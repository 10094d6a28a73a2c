/**
 * File helpers of the localfs uploader: name checks, `~` expansion and atomic copies.
 */
import type { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { homedir } from "node:os"

/** Topology names become folder names: letters, digits, '.', '_' and '-', starting with a letter
 * or digit, so that `.`, `..` and `a/../b` can never escape the package root. */
export const isValidTopologyName = (name: string): boolean => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)

/** Expands a leading `~` (alone or followed by `/`) to the user's home directory. */
export const expandHome = (p: string): string =>
  p === "~" ? homedir() : p.startsWith("~/") ? homedir() + p.slice(1) : p

/** A fresh hidden name in `target`'s folder, so that renaming it onto `target` stays on one file
 * system and is atomic. */
export const tempSibling = (path: Path.Path, target: string): Effect.Effect<string> =>
  Effect.sync(() => path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`))

/**
 * Writes `to` through a temp file in its folder and a rename: readers see the old file or the whole
 * new one, never a part. `write` fills the temp path; the temp file is removed when anything fails
 * or is interrupted.
 */
export const atomicReplace = <E>(
  fs: FileSystem.FileSystem,
  path: Path.Path,
  to: string,
  write: (tmp: string) => Effect.Effect<void, E>
): Effect.Effect<void, E | PlatformError> =>
  Effect.flatMap(tempSibling(path, to), (tmp) =>
    write(tmp).pipe(
      Effect.zipRight(fs.rename(tmp, to)),
      // Best-effort cleanup: the original error is what the caller must see.
      Effect.onError(() => Effect.ignore(fs.remove(tmp, { force: true })))
    ))

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
