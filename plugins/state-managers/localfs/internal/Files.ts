/**
 * File primitives of the localfs store: durable atomic replace, exclusive create, scratch names.
 * Every helper fails with the platform's `PlatformError`; the store maps it to `StateError`.
 */
import type { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Option } from "effect"
import { randomBytes } from "node:crypto"
import { atomicReplace, syncDirectory } from "../../../../core/internal/atomicFile.js"
import type { Owner, ProcessId } from "./Owner.js"
import { sameBytes } from "./NodeFile.js"

/** What the internal helpers work with, resolved once when the store is built. */
export interface Env {
  readonly fs: FileSystem.FileSystem
  readonly path: Path.Path
  readonly self: ProcessId
  readonly isAlive: (owner: Owner) => Effect.Effect<boolean>
}

/** ENOENT. */
export const isNotFound = (e: PlatformError): boolean => e._tag === "SystemError" && e.reason === "NotFound"
/** EEXIST. */
export const isAlreadyExists = (e: PlatformError): boolean => e._tag === "SystemError" && e.reason === "AlreadyExists"
/** EISDIR, ENOTDIR, ELOOP. */
export const isBadResource = (e: PlatformError): boolean => e._tag === "SystemError" && e.reason === "BadResource"

/** The errno code (`EPERM`, ...) behind a platform error, when there is one. */
export const errnoCode = (e: PlatformError): string | undefined => {
  const cause: unknown = e.cause
  return typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined
}

/** A scratch file name: the leading dot hides it from readers and `children`; the pid tells a sweep
 * whether its writer may still be running. */
export const scratchName = (pid: number): string => `.tmp-${pid}-${randomBytes(8).toString("hex")}`
const scratchPattern = /^\.tmp-(\d+)-[0-9a-f]+$/
/** The writer pid of a scratch file name, `None` for other names. */
export const scratchPid = (name: string): Option.Option<number> =>
  Option.map(Option.fromNullable(scratchPattern.exec(name)?.[1]), Number)

/** The file's bytes, `None` when it does not exist. */
export const readIfExists = (fs: FileSystem.FileSystem, file: string): Effect.Effect<Option.Option<Uint8Array>, PlatformError> =>
  fs.readFile(file).pipe(Effect.asSome, Effect.catchIf(isNotFound, () => Effect.succeedNone))

/** At most the first `size` bytes of the file, `None` when it does not exist. */
export const readHead = (fs: FileSystem.FileSystem, file: string, size: number): Effect.Effect<Option.Option<Uint8Array>, PlatformError> =>
  Effect.scoped(
    Effect.flatMap(fs.open(file, { flag: "r" }), (f) => Effect.map(f.readAlloc(size), Option.orElseSome(() => new Uint8Array(0))))
  ).pipe(Effect.catchIf(isNotFound, () => Effect.succeedNone))

/** Removes a file; an absent file is fine. */
export const removeIfExists = (fs: FileSystem.FileSystem, file: string): Effect.Effect<void, PlatformError> =>
  fs.remove(file).pipe(Effect.catchIf(isNotFound, () => Effect.void))

/** Removes a scratch file during cleanup: a failure leaves an ignored dot-file behind, so it is
 * logged and not raised. */
export const discard = (fs: FileSystem.FileSystem, file: string): Effect.Effect<void> =>
  removeIfExists(fs, file).pipe(Effect.catchAll((e) => Effect.logWarning(`localfs: could not remove ${file}: ${e.message}`)))

/** Creates `file` (failing if it exists with `wx`) and writes all of `bytes`; fsyncs it when `sync`. */
const writeNew = (fs: FileSystem.FileSystem, file: string, bytes: Uint8Array, sync: boolean): Effect.Effect<void, PlatformError> =>
  Effect.scoped(
    Effect.flatMap(fs.open(file, { flag: "wx", mode: 0o644 }), (f) => (sync ? Effect.zipRight(f.writeAll(bytes), f.sync) : f.writeAll(bytes)))
  )

/** {@link writeNew}, creating the folder of `file` when it does not exist yet. */
const writeNewInFolder = (env: Env, file: string, bytes: Uint8Array, sync: boolean): Effect.Effect<void, PlatformError> =>
  writeNew(env.fs, file, bytes, sync).pipe(
    Effect.catchIf(isNotFound, () =>
      Effect.zipRight(env.fs.makeDirectory(env.path.dirname(file), { recursive: true }), writeNew(env.fs, file, bytes, sync)))
  )

/** Writes a fresh, fsynced scratch file next to `file` (creating the folder if needed) and returns its path. */
const writeScratch = (env: Env, file: string, bytes: Uint8Array): Effect.Effect<string, PlatformError> => {
  const scratch = env.path.join(env.path.dirname(file), scratchName(env.self.pid))
  return writeNewInFolder(env, scratch, bytes, true).pipe(
    Effect.onError(() => discard(env.fs, scratch)),
    Effect.as(scratch)
  )
}

/** Replaces `file` atomically and durably: scratch file in the same folder, fsync, rename over the
 * target, fsync the folder. A reader sees the old bytes or the new ones, never a mix; a crash leaves
 * at worst a scratch file, which readers ignore and a sweep removes once its writer is gone. */
export const replaceAtomically = (env: Env, file: string, bytes: Uint8Array): Effect.Effect<void, PlatformError> =>
  Effect.uninterruptible(
    atomicReplace(env.fs, env.path, file, (scratch) => writeNewInFolder(env, scratch, bytes, false), {
      fsync: true,
      tempName: () => scratchName(env.self.pid),
      removeTemp: (scratch) => discard(env.fs, scratch)
    })
  )

// link(2) answers these on filesystems without hard links.
const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"])

/** Creates `file` with `bytes` only if it does not exist; `false` when it already does.
 * The content is written to a scratch file first and hard-linked into place, so the file never
 * appears empty or half-written (link fails with EEXIST atomically, like O_EXCL, and also over NFS).
 * Where hard links are unsupported it falls back to `open(file, "wx")`; readers then give a file
 * they cannot parse a grace period before judging it stale. */
export const createExclusive = (env: Env, file: string, bytes: Uint8Array): Effect.Effect<boolean, PlatformError> =>
  Effect.uninterruptible(
    Effect.flatMap(writeScratch(env, file, bytes), (scratch) =>
      env.fs.link(scratch, file).pipe(
        Effect.as(true),
        Effect.catchIf(isAlreadyExists, () => Effect.succeed(false)),
        Effect.catchIf((e) => noHardLinks.has(errnoCode(e) ?? ""), () =>
          writeNew(env.fs, file, bytes, true).pipe(
            Effect.as(true),
            Effect.catchIf(isAlreadyExists, () => Effect.succeed(false))
          )),
        Effect.ensuring(discard(env.fs, scratch)),
        Effect.tap((created) => (created ? syncDirectory(env.fs, env.path.dirname(file)) : Effect.void))
      ))
  )

/** Removes `file` only if it still holds `expected`, without ever losing somebody else's newer file:
 * the file is first moved aside (rename is atomic, so we hold exactly one version), then deleted if
 * it is ours, else linked back unless an even newer file took its place meanwhile. */
export const removeIfSame = (env: Env, file: string, expected: Uint8Array): Effect.Effect<void, PlatformError> =>
  Effect.uninterruptible(Effect.gen(function* () {
    const current = yield* readIfExists(env.fs, file)
    if (Option.isNone(current) || !sameBytes(current.value, expected)) return
    const aside = env.path.join(env.path.dirname(file), scratchName(env.self.pid))
    const moved = yield* env.fs.rename(file, aside).pipe(Effect.as(true), Effect.catchIf(isNotFound, () => Effect.succeed(false)))
    if (!moved) return
    const taken = yield* readIfExists(env.fs, aside)
    if (Option.isSome(taken) && !sameBytes(taken.value, expected)) {
      // Somebody rewrote the file between our read and our rename: put their version back.
      yield* env.fs.link(aside, file).pipe(Effect.catchIf(isAlreadyExists, () => Effect.void))
    }
    yield* discard(env.fs, aside)
    yield* syncDirectory(env.fs, env.path.dirname(file))
  }))
