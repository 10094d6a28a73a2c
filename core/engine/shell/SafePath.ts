/**
 * The one gate of every file a container's shell serves: a path is taken relative to the
 * container's working directory and refused (403) when it is absolute, has a `..` segment, or
 * resolves (symlinks followed, with `realpath`) to anything outside that directory.
 */
import { Effect } from "effect"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { fsFailure, ShellFailure } from "./ShellFailure.js"

/** A path the shell may serve. */
export interface Resolved {
  /** Absolute, symlinks resolved: what to open. */
  readonly real: string
  /** Relative to the container's directory (`.` for the directory itself): what to show. */
  readonly relative: string
}

/** Whether `real` (already resolved) is `root` or below it. */
export const isInside = (root: string, real: string): boolean =>
  real === root || real.startsWith(root.endsWith(nodePath.sep) ? root : `${root}${nodePath.sep}`)

/** Refuses, without touching the disk, what can only be an escape: absolute paths and `..`. */
export const checkRelative = (requested: string): Effect.Effect<string, ShellFailure> => {
  if (requested.includes("\0")) return Effect.fail(new ShellFailure({ status: 400, message: "the path contains a NUL byte" }))
  const path = requested === "" ? "." : requested
  if (nodePath.isAbsolute(path) || path.startsWith("\\")) {
    return Effect.fail(new ShellFailure({ status: 403, message: `only paths relative to the container's directory are served, not ${requested}` }))
  }
  if (path.split(/[/\\]/).includes("..")) {
    return Effect.fail(new ShellFailure({ status: 403, message: `".." is not allowed in a path: ${requested}` }))
  }
  return Effect.succeed(path)
}

/** The container directory, resolved once per request (it may itself be reached through a symlink). */
export const realRoot = (root: string): Effect.Effect<string, ShellFailure> =>
  Effect.tryPromise({ try: () => fs.realpath(root), catch: fsFailure("the container's directory") })

/**
 * Resolves `requested` inside `root`. Fails with 403 for an absolute path, a `..` segment or a
 * path whose real location is outside `root` (a symlink pointing out), 404 when nothing is there.
 */
export const resolveInside = (root: string, requested: string): Effect.Effect<Resolved, ShellFailure> =>
  Effect.gen(function*() {
    const path = yield* checkRelative(requested)
    const rootReal = yield* realRoot(root)
    const real = yield* Effect.tryPromise({ try: () => fs.realpath(nodePath.join(rootReal, path)), catch: fsFailure(path) })
    if (!isInside(rootReal, real)) {
      return yield* new ShellFailure({ status: 403, message: `${path} leads outside the container's directory` })
    }
    return { real, relative: nodePath.relative(rootReal, real) || "." }
  })
