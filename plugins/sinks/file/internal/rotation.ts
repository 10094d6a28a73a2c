/**
 * The files of the `file` sink. Each flush writes one numbered file, `<output>.<n>` with `n`
 * cycling over `0 .. maximumFileCount-1`, and points `<output>` at it (a symbolic link, or a hard
 * link where symbolic links are not supported). Disk use is therefore bounded by
 * `maximumFileCount` batches; `<output>` never adds a copy.
 */
import type { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { atomicReplace, isTempNameOf } from "../../../../core/internal/atomicFile.js"

/** The numbered file that flush number `index` (modulo the maximum) writes. */
export const numberedFile = (output: string, index: number): string => `${output}.${index}`

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
  return atomicReplace(fs, path, file, (tmp) => fs.writeFileString(tmp, content)).pipe(
    Effect.zipRight(
      atomicReplace(fs, path, output, (tmp) =>
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
      if (isTempNameOf(base, name)) return true
      if (!name.startsWith(`${base}.`)) return false
      const suffix = name.slice(base.length + 1)
      return /^\d+$/.test(suffix) && Number(suffix) >= maximumFileCount
    }
    const names = yield* fs.readDirectory(folder)
    yield* Effect.forEach(names.filter(stale), (name) => fs.remove(path.join(folder, name), { force: true }), {
      discard: true
    })
  })
