/**
 * A topology's folder in the scheduler's working directory (on storage every node sees):
 *
 * ```
 * <workingDirectory>/<topology>/
 *   job.json            what runs: the job id and each container's launch (kept across runtimes)
 *   job.sh, job.out     the batch script and its output
 *   job-<id>.txt        `scontrol show job <id>`, refreshed for the job links
 *   container-<i>/      the container's working folder: launch.sh, container.log, `restart` marker
 * ```
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Option, ParseResult, Schema } from "effect"
import { join } from "node:path"
import { atomicReplace } from "../../../../core/internal/atomicFile.js"
import { isValidTopologyName } from "../../../../core/internal/topologyName.js"
import { ContainerLaunch, TopologyRef } from "../../../../core/Scheduler.js"
import { SlurmFailure } from "./Run.js"

export const record = (dir: string): string => join(dir, "job.json")
export const batchScript = (dir: string): string => join(dir, "job.sh")
export const jobOutput = (dir: string): string => join(dir, "job.out")
export const jobDetails = (dir: string, jobId: number): string => join(dir, `job-${jobId}.txt`)
export const containerDir = (dir: string, index: number): string => join(dir, `container-${index}`)
export const launchScript = (dir: string, index: number): string => join(containerDir(dir, index), "launch.sh")
export const containerLog = (dir: string, index: number): string => join(containerDir(dir, index), "container.log")
/** Left by `restart` before it signals a step, so that the batch script relaunches it at once. */
export const restartMarker = (dir: string, index: number): string => join(containerDir(dir, index), "restart")

/** The content of `job.json`. */
export const StoredJob = Schema.Struct({
  topology: TopologyRef,
  jobId: Schema.Int,
  /** The job's size and steps' arguments (see `Script.shapeOf`): an update that keeps it stays in the job. */
  shape: Schema.String,
  containers: Schema.Array(ContainerLaunch)
})
export type StoredJob = typeof StoredJob.Type

const Json = Schema.parseJson(StoredJob, { space: 2 })

const ioFailure = (what: string) => (e: { readonly message: string }) => new SlurmFailure({ message: `${what}: ${e.message}`, retryable: true })

/** A topology name becomes a folder and a job name: refuse anything that could leave the folder. */
export const validateName = (name: string): Effect.Effect<string, SlurmFailure> =>
  isValidTopologyName(name)
    ? Effect.succeed(name)
    : Effect.fail(new SlurmFailure({ message: `invalid topology name ${JSON.stringify(name)}`, retryable: false }))

/** Reads a topology's `job.json`; `None` when there is none. */
export const read = (dir: string): Effect.Effect<Option.Option<StoredJob>, SlurmFailure, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = record(dir)
    if (!(yield* fs.exists(file).pipe(Effect.mapError(ioFailure(`cannot read ${file}`))))) return Option.none()
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(ioFailure(`cannot read ${file}`)))
    return yield* Schema.decodeUnknown(Json)(text).pipe(
      Effect.map(Option.some),
      Effect.mapError((e) => new SlurmFailure({ message: `invalid ${file}: ${ParseResult.TreeFormatter.formatErrorSync(e)}`, retryable: false }))
    )
  })

/** Replaces a file atomically (temp file + rename): a reader on any node sees the old or the new one. */
export const writeText = (file: string, text: string, mode?: number): Effect.Effect<void, SlurmFailure, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(
      Effect.zipRight(atomicReplace(fs, path, file, (tmp) =>
        fs.writeFileString(tmp, text).pipe(Effect.zipRight(mode === undefined ? Effect.void : fs.chmod(tmp, mode))))),
      Effect.mapError(ioFailure(`cannot write ${file}`))
    )
  })

/** Replaces a topology's `job.json`. */
export const write = (dir: string, value: StoredJob): Effect.Effect<void, SlurmFailure, FileSystem.FileSystem | Path.Path> =>
  Schema.encode(Json)(value).pipe(
    Effect.mapError((e) => new SlurmFailure({ message: `cannot encode ${record(dir)}: ${e.message}`, retryable: false })),
    Effect.flatMap((text) => writeText(record(dir), text))
  )

/** Deletes a topology's `job.json` (absent is fine); scripts and logs are kept. */
export const remove = (dir: string): Effect.Effect<void, SlurmFailure, FileSystem.FileSystem> =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => fs.remove(record(dir), { force: true })),
    Effect.mapError(ioFailure(`cannot remove ${record(dir)}`))
  )
