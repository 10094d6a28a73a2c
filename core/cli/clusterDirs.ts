/**
 * Where cluster files are looked up, in order: `--clusters-dir` (or `HERON_CLUSTERS_DIR`), the
 * `clusters/` folder of the current directory, then the clusters shipped with heron-runtime
 * (the embedded `local`).
 */
import { FileSystem, Path } from "@effect/platform"
import { Config, Effect, Option } from "effect"
import { fileURLToPath } from "node:url"

/** The folder of the heron-runtime package (holding its package.json), from source or dist. */
export const packageRoot = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = path.join(dir, "package.json")
    const text = yield* fs.readFileString(manifest).pipe(Effect.orElseSucceed(() => ""))
    if (/"name"\s*:\s*"heron-runtime"/.test(text)) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return yield* Effect.dieMessage("heron-runtime's package.json not found above its own code")
    dir = parent
  }
})

export const clusterDirs = (explicit: Option.Option<string>) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const fromEnv = yield* Config.option(Config.string("HERON_CLUSTERS_DIR")).pipe(Effect.orElseSucceed(() => Option.none<string>()))
    const first = Option.orElse(explicit, () => fromEnv)
    const builtin = path.join(yield* packageRoot, "clusters")
    const dirs = [...Option.toArray(first), path.resolve("clusters"), builtin].map((d) => path.resolve(d))
    return [...new Set(dirs)]
  })
