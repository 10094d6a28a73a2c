/**
 * The files of the `file` sink. Each flush writes one numbered file, `<output>.<n>` with `n`
 * cycling over `0 .. maximumFileCount-1`, and points `<output>` at it (a symbolic link, or a hard
 * link where symbolic links are not supported). Disk use is therefore bounded by
 * `maximumFileCount` batches; `<output>` never adds a copy.
 */
import type { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { randomUUID } from "node:crypto"
import { homedir } from "node:os"

/** Expands a leading `~` (alone or followed by `/`) to the user's home directory. */
export const expandHome = (p: string): string =>
  p === "~" ? homedir() : p.startsWith("~/") ? homedir() + p.slice(1) : p

/** The numbered file that flush number `index` (modulo the maximum) writes. */
export const numberedFile = (output: string, index: number): string => `${output}.${index}`

const tempSibling = (path: Path.Path, target: string) =>
  Effect.sync(() => path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`))

/** Creates `to` through a temp name in its folder and a rename, so readers see the old file or the
 * whole new one. The temp is removed when `create` or the rename fails. */
const replaceAtomically = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  to: string,
  create: (tmp: string) => Effect.Effect<void, PlatformError>
): Effect.Effect<void, PlatformError> =>
  Effect.flatMap(tempSibling(path, to), (tmp) =>
    create(tmp).pipe(
      Effect.zipRight(fs.rename(tmp, to)),
      // Best-effort cleanup: the caller must see the original error.
      Effect.onError(() => Effect.ignore(fs.remove(tmp, { force: true })))
    ))

/**
 * Writes one batch (whole JSON lines) to `<output>.<index>`, replacing what that slot held, then
 * points `<output>` at it. Both steps are atomic renames, so no reader sees a half-written line.
 */
export const writeBatch = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  output: string,
  index: number,
  content: string
): Effect.Effect<void, PlatformError> => {
  const file = numberedFile(output, index)
  return replaceAtomically(fs, path, file, (tmp) => fs.writeFileString(tmp, content)).pipe(
    Effect.zipRight(
      replaceAtomically(fs, path, output, (tmp) =>
        // Relative target: the folder can be moved or mounted elsewhere and the link still holds.
        fs.symlink(path.basename(file), tmp).pipe(Effect.orElse(() => fs.link(file, tmp))))
    )
  )
}

/**
 * Removes what an earlier run may have left next to `output`: numbered files beyond the current
 * maximum (it may have been lowered) and temp files of an interrupted write.
 */
export const pruneStale = (
  fs: FileSystem.FileSystem,
  path: Path.Path,
  output: string,
  maximumFileCount: number
): Effect.Effect<void, PlatformError> =>
  Effect.gen(function* () {
    const folder = path.dirname(output)
    const base = path.basename(output)
    const stale = (name: string): boolean => {
      if (name.startsWith(`.${base}.`) && name.endsWith(".tmp")) return true
      if (!name.startsWith(`${base}.`)) return false
      const suffix = name.slice(base.length + 1)
      return /^\d+$/.test(suffix) && Number(suffix) >= maximumFileCount
    }
    const names = yield* fs.readDirectory(folder)
    yield* Effect.forEach(names.filter(stale), (name) => fs.remove(path.join(folder, name), { force: true }), {
      discard: true
    })
  })
