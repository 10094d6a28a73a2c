/**
 * What the aurora scheduler keeps of a topology, in `<home>/aurora/<topology>/`: the job file it
 * gave `aurora job create` (`<topology>.aurora`, kept for operators) and `launch.json`: the job
 * key, a hash of the task template and one hash per container (argv and full environment), so
 * that `update` knows which instances changed, and the job URL the client printed.
 */
import type { FileSystem, Path } from "@effect/platform"
import { Data, Effect, Option, Schema } from "effect"
import { createHash } from "node:crypto"
import { join } from "node:path"
import { atomicReplace } from "../../../../core/internal/atomicFile.js"
import type { ContainerLaunch } from "../../../../core/Scheduler.js"

/** A file of the record could not be read or written. */
export class RecordFailure extends Data.TaggedError("RecordFailure")<{ readonly message: string }> {}

export const Launched = Schema.Struct({
  job: Schema.String,
  template: Schema.String,
  /** Container index (as text) → hash of its argv and environment. */
  containers: Schema.Record({ key: Schema.String, value: Schema.String }),
  jobUrl: Schema.optional(Schema.String)
})
export type Launched = typeof Launched.Type
const Json = Schema.parseJson(Launched, { space: 2 })

const sha = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)

/** The hash of what one container runs. */
export const containerHash = (c: ContainerLaunch): string => sha([c.argv, Object.entries(c.env).sort(([a], [b]) => (a < b ? -1 : 1))])
/** The hash of a job file's content. */
export const templateHash = (jobFile: string): string => sha(jobFile)

export const jobFilePath = (dir: string, name: string): string => join(dir, `${name}.aurora`)

const io = (what: string) => (e: { readonly message: string }) => new RecordFailure({ message: `${what}: ${e.message}` })

/** The record of the topology in `dir`; None when there is none (never launched from this home). */
export const read = (fs: FileSystem.FileSystem, dir: string): Effect.Effect<Option.Option<Launched>, RecordFailure> =>
  Effect.gen(function*() {
    const file = join(dir, "launch.json")
    if (!(yield* fs.exists(file).pipe(Effect.mapError(io(`cannot read ${file}`))))) return Option.none()
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(io(`cannot read ${file}`)))
    return yield* Schema.decodeUnknown(Json)(text).pipe(
      Effect.map(Option.some),
      Effect.mapError(() => new RecordFailure({ message: `${file} is not a record of the aurora scheduler` }))
    )
  })

/** Writes a file of the record atomically. */
export const writeFile = (fs: FileSystem.FileSystem, path: Path.Path, file: string, text: string): Effect.Effect<void, RecordFailure> =>
  fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(
    Effect.zipRight(atomicReplace(fs, path, file, (tmp) => fs.writeFileString(tmp, text))),
    Effect.mapError(io(`cannot write ${file}`))
  )

/** Writes `launch.json`. */
export const write = (fs: FileSystem.FileSystem, path: Path.Path, dir: string, value: Launched): Effect.Effect<void, RecordFailure> =>
  Schema.encode(Json)(value).pipe(
    Effect.mapError(() => new RecordFailure({ message: `cannot encode the record of ${dir}` })),
    Effect.flatMap((text) => writeFile(fs, path, join(dir, "launch.json"), text))
  )

/** Removes the topology's folder. */
export const remove = (fs: FileSystem.FileSystem, dir: string): Effect.Effect<void, RecordFailure> =>
  fs.remove(dir, { recursive: true, force: true }).pipe(Effect.mapError(io(`cannot remove ${dir}`)))
