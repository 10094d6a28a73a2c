/**
 * Atomic file replacement: the new content is written to a temp file in the target's folder, which
 * is then renamed over the target (a rename within one file system is atomic). A reader sees the
 * old file or the whole new one, never a part; a crash leaves at worst a temp file.
 */
import type { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"

/** How {@link atomicReplace} works. */
export interface AtomicReplaceOptions {
  /**
   * Also fsync the temp file before the rename and the folder after it, so that the new content
   * survives a power loss, not only a crash of this process. The temp must then be a regular file.
   * Off by default: it costs two disk flushes per replace.
   */
  readonly fsync?: boolean
  /** A fresh file name (not a path) for the temp file, called once per replace. Default: see
   * {@link tempName}. */
  readonly tempName?: () => string
  /** Removes the temp file after a failure. Must not fail: the caller has to see the original error.
   * Default: `remove` with `force`, any failure ignored (a leftover temp file is only clutter). */
  readonly removeTemp?: (tmp: string) => Effect.Effect<void>
}

/** The default temp file name for `target`: `.<name>.<uuid>.tmp`, hidden and unique. */
export const tempName = (path: Path.Path, target: string): string => `.${path.basename(target)}.${randomUUID()}.tmp`

/** Whether `name`, a file in the folder of a target named `targetName`, is one of its default temp
 * names: what an interrupted replace of that target may have left. */
export const isTempNameOf = (targetName: string, name: string): boolean =>
  name.startsWith(`.${targetName}.`) && name.endsWith(".tmp")

/** fsync of a folder, so that a rename or link in it survives a power loss. Best effort: the data is
 * already in place and some file systems cannot sync a folder, so a failure is only logged. */
export const syncDirectory = (fs: FileSystem.FileSystem, dir: string): Effect.Effect<void> =>
  Effect.scoped(Effect.flatMap(fs.open(dir, { flag: "r" }), (f) => f.sync)).pipe(
    Effect.catchAll((e) => Effect.logDebug(`fsync of folder ${dir} failed: ${e.message}`))
  )

const syncFile = (fs: FileSystem.FileSystem, file: string): Effect.Effect<void, PlatformError> =>
  Effect.scoped(Effect.flatMap(fs.open(file, { flag: "r+" }), (f) => f.sync))


/**
 * Replaces `to` atomically: `write` creates the temp path it is given (a file, a link ...), which is
 * then renamed onto `to`. The temp file is removed when `write`, the fsync or the rename fails or
 * is interrupted. Fails with `write`'s error or the rename's; the target then keeps its old content.
 */
export const atomicReplace = <E>(
  fs: FileSystem.FileSystem,
  path: Path.Path,
  to: string,
  write: (tmp: string) => Effect.Effect<void, E>,
  options: AtomicReplaceOptions = {}
): Effect.Effect<void, E | PlatformError> => {
  const { fsync = false, removeTemp = (tmp: string) => Effect.ignore(fs.remove(tmp, { force: true })) } = options
  const dir = path.dirname(to)
  return Effect.flatMap(
    Effect.sync(() => path.join(dir, options.tempName === undefined ? tempName(path, to) : options.tempName())),
    (tmp) =>
      write(tmp).pipe(
        Effect.zipRight(fsync ? syncFile(fs, tmp) : Effect.void),
        Effect.zipRight(fs.rename(tmp, to)),
        Effect.onError(() => removeTemp(tmp)),
        Effect.zipRight(fsync ? syncDirectory(fs, dir) : Effect.void)
      )
  )
}
