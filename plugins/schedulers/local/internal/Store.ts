/**
 * `<workingDirectory>/<topology>/containers.json`: what the local scheduler runs for a topology,
 * kept on disk so that a restarted runtime adopts its containers instead of starting them twice.
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Option, ParseResult, Schema } from "effect"
import { join } from "node:path"
import { atomicReplace } from "../../../../core/internal/atomicFile.js"
import { isValidTopologyName } from "../../../../core/internal/topologyName.js"
import { TopologyRef } from "../../../../core/Scheduler.js"
import { LocalFailure } from "./Proc.js"

/** One container as recorded on disk. `pid` + `startTime` name the process (see `Proc.isAlive`). */
export const StoredContainer = Schema.Struct({
  index: Schema.Int,
  pid: Schema.Int,
  startTime: Schema.Int,
  argv: Schema.NonEmptyArray(Schema.String),
  /** The launch env (without the variables the scheduler adds), to detect changes on update. */
  env: Schema.Record({ key: Schema.String, value: Schema.String }),
  restarts: Schema.Int
})
export type StoredContainer = typeof StoredContainer.Type

/** The content of `containers.json`. */
export const StoredTopology = Schema.Struct({
  topology: TopologyRef,
  containers: Schema.Array(StoredContainer)
})
export type StoredTopology = typeof StoredTopology.Type

const Json = Schema.parseJson(StoredTopology, { space: 2 })

export const fileName = "containers.json"

/** A topology name becomes a folder name: refuse anything that could leave the working directory. */
export const validateName = (name: string): Effect.Effect<string, LocalFailure> =>
  isValidTopologyName(name)
    ? Effect.succeed(name)
    : Effect.fail(new LocalFailure({ message: `invalid topology name ${JSON.stringify(name)}`, retryable: false }))

const ioFailure = (what: string) => (e: { readonly message: string }) =>
  new LocalFailure({ message: `${what}: ${e.message}`, retryable: true })

/** Reads a topology's record; `None` when the file does not exist. */
export const read = (dir: string): Effect.Effect<Option.Option<StoredTopology>, LocalFailure, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = join(dir, fileName)
    if (!(yield* fs.exists(file).pipe(Effect.mapError(ioFailure(`cannot read ${file}`))))) return Option.none()
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(ioFailure(`cannot read ${file}`)))
    return yield* Schema.decodeUnknown(Json)(text).pipe(
      Effect.map(Option.some),
      Effect.mapError((e) =>
        new LocalFailure({ message: `invalid ${file}: ${ParseResult.TreeFormatter.formatErrorSync(e)}`, retryable: false })
      )
    )
  })

/** Replaces a topology's record atomically (temp file + rename): a crash leaves the old or the new one. */
export const write = (
  dir: string,
  value: StoredTopology
): Effect.Effect<void, LocalFailure, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = join(dir, fileName)
    const text = yield* Schema.encode(Json)(value).pipe(
      Effect.mapError((e) => new LocalFailure({ message: `cannot encode ${file}: ${e.message}`, retryable: false }))
    )
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(
      Effect.zipRight(atomicReplace(fs, path, file, (tmp) => fs.writeFileString(tmp, text))),
      Effect.mapError(ioFailure(`cannot write ${file}`))
    )
  })

/** Deletes a topology's record; absent is fine. Logs and container folders are kept. */
export const remove = (dir: string): Effect.Effect<void, LocalFailure, FileSystem.FileSystem> =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.remove(join(dir, fileName), { force: true })),
    Effect.mapError(ioFailure(`cannot remove ${join(dir, fileName)}`))
  )

/** Every record under the working directory. A record that cannot be read is logged and skipped, so
 * one corrupt file does not keep the runtime from starting; its folder name must match its topology. */
export const readAll = (root: string): Effect.Effect<ReadonlyArray<StoredTopology>, LocalFailure, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const names = yield* fs.readDirectory(root).pipe(Effect.mapError(ioFailure(`cannot list ${root}`)))
    const found = yield* Effect.forEach(names, (name) =>
      read(join(root, name)).pipe(
        Effect.map(Option.filter((s) => s.topology.name === name)),
        Effect.catchTag("LocalFailure", (e) =>
          Effect.logWarning(`local scheduler: not adopting ${name}: ${e.message}`).pipe(Effect.as(Option.none())))
      ))
    return found.flatMap(Option.toArray)
  })
