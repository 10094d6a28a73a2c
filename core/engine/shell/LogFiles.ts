/**
 * The log files of this container process: where its stdout and stderr go, when that is a file
 * inside its working directory (the local scheduler's `container.log`; a Slurm output file).
 * Found through `/proc/self/fd` (Linux); elsewhere, or when output goes to a pipe or a terminal
 * (Kubernetes), there is none and the physical plan carries no log links.
 */
import { Effect, Option } from "effect"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { isInside } from "./SafePath.js"

/** The paths (relative to `cwd`, distinct, stdout's first) of the files stdout and stderr write to. */
export const discover = (cwd: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.gen(function*() {
    const root = yield* Effect.option(Effect.tryPromise(() => fs.realpath(cwd)))
    if (Option.isNone(root)) return []
    const found: Array<string> = []
    for (const fd of [1, 2]) {
      const target = yield* Effect.option(Effect.tryPromise(() => fs.realpath(`/proc/self/fd/${fd}`)))
      if (Option.isNone(target) || !isInside(root.value, target.value)) continue
      const st = yield* Effect.option(Effect.tryPromise(() => fs.stat(target.value)))
      if (Option.isNone(st) || !st.value.isFile()) continue
      const rel = nodePath.relative(root.value, target.value)
      if (!found.includes(rel)) found.push(rel)
    }
    return found
  })
