/**
 * A {@link NodeStore} over a directory, safe to share between processes on one host.
 *
 * - Node `/topologies/wc` is the file `<root>/topologies/wc`; folders are directories. Node names
 *   may not start with `.`: dot-files are the store's own (scratch files, lock-break guards).
 * - Each file is a header line plus the payload (see `internal/NodeFile.ts`). Writes are atomic
 *   and durable (scratch file, fsync, rename, fsync of the folder): concurrent writers never
 *   produce a mixed file, and a crash leaves at most a scratch file, which readers ignore.
 * - Ephemeral nodes record their owner (pid, process start time, host). Once the owner is dead they
 *   read as absent and are left out of `children`; the stale file stays until it is overwritten or
 *   removed (it is never deleted behind a writer's back). When the store's scope closes, the
 *   ephemeral nodes it wrote are removed, like a ZooKeeper session's.
 * - Locks are lock files taken by exclusive creation; see `internal/FileLock.ts`. A lock is held
 *   for the taker's scope and no longer than the store's; leadership is the election's lock held
 *   (`leadershipByLock`), so closing the store hands it over, as closing a ZooKeeper session does.
 */
import { FileSystem, Path } from "@effect/platform"
import * as nodeFs from "node:fs"
import type { PlatformError } from "@effect/platform/Error"
import { Deferred, Duration, Effect, Either, ExecutionStrategy, Exit, HashMap, Option, Ref, Scope, Stream } from "effect"
import { syncDirectory } from "../../../core/internal/atomicFile.js"
import { StateError } from "../../../core/StateManager.js"
import { leadershipByLock } from "../../../core/state/leadershipByLock.js"
import type { NodeStore } from "../../../core/state/NodeStore.js"
import * as FileLock from "./internal/FileLock.js"
import { discard, type Env, isBadResource, isNotFound, readHead, readIfExists, removeIfExists, removeIfSame, replaceAtomically, scratchPid } from "./internal/Files.js"
import * as NodeFile from "./internal/NodeFile.js"
import { currentProcess, isAlive, newOwner, type Owner, pidIsRunning } from "./internal/Owner.js"
import { watchChildren as watchFolderChildren, watchNode } from "./internal/Watch.js"

export interface LocalFsStoreOptions {
  /** The directory that holds the nodes; created on the first write if missing. */
  readonly root: string
  /** How often watches re-read as a safety net for missed fs events and dead owners. Default 1 s. */
  readonly pollInterval?: Duration.DurationInput
}

/** Scratch files older than this whose writer is gone are swept by `children`. */
const SCRATCH_MAX_AGE_MS = 60_000
/** `children` reads only this much of each file: enough for the header. */
const HEADER_READ_BYTES = 4096

/**
 * Builds a store over `options.root`. The scope is the store's session: when it closes, the
 * ephemeral nodes this store wrote (and still owns) are removed.
 */
export const make = (options: LocalFsStoreOptions): Effect.Effect<NodeStore, never, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const self = yield* currentProcess(fs)
    const env: Env = { fs, path, self, isAlive: isAlive(fs, self) }
    const root = path.resolve(options.root)
    const pollInterval = Duration.decode(options.pollInterval ?? "1 second")
    /** Ephemeral files this store wrote, with their bytes: removed when the scope closes. */
    const owned = yield* Ref.make(HashMap.empty<string, Uint8Array>())

    const fail = (op: string, nodePath: string) => (e: PlatformError | string) =>
      new StateError({ op, path: nodePath, message: typeof e === "string" ? e : e.message })

    /** The file of a node path, refusing anything that could leave the root or hit a dot-file. */
    const fileOf = (op: string, nodePath: string): Effect.Effect<string, StateError> => {
      const segments = nodePath === "/" ? [] : nodePath.split("/").slice(1)
      const bad = !nodePath.startsWith("/") ||
        segments.some((s) => s.length === 0 || s.startsWith(".") || s.includes("\\") || s.includes("\0"))
      return bad
        ? Effect.fail(fail(op, nodePath)(`invalid node path "${nodePath}": absolute, '/'-separated, no empty or dot-leading segments`))
        : Effect.succeed(path.join(root, ...segments))
    }

    /** The owner of each ephemeral node file as last read, for {@link fingerprint}. */
    const owners = new Map<string, Owner>()

    /** The payload if the file is a live node; `None` if absent or its owner is dead. */
    const liveNode = (op: string, nodePath: string, file: string, bytes: Uint8Array) =>
      Either.match(NodeFile.decode(bytes), {
        onLeft: (why) => Effect.fail(fail(op, nodePath)(`${file} is not a localfs node file (${why})`)),
        onRight: (node) =>
          Option.match(node.owner, {
            onNone: () => Effect.succeed(Option.some(node.payload)),
            onSome: (owner) => {
              owners.set(file, owner)
              return Effect.map(env.isAlive(owner), (alive) => (alive ? Option.some(node.payload) : Option.none()))
            }
          })
      })

    const read = Effect.fn("LocalFsStore.read")(function* (nodePath: string) {
      const file = yield* fileOf("read", nodePath)
      const bytes = yield* readIfExists(fs, file).pipe(Effect.mapError(fail("read", nodePath)))
      owners.delete(file)
      if (Option.isNone(bytes)) return Option.none<Uint8Array>()
      return yield* liveNode("read", nodePath, file, bytes.value)
    })

    const write = Effect.fn("LocalFsStore.write")(function* (nodePath: string, data: Uint8Array, o: { readonly ephemeral: boolean }) {
      const file = yield* fileOf("write", nodePath)
      const owner = o.ephemeral ? Option.some(yield* newOwner(self)) : Option.none()
      const bytes = NodeFile.encode(data, owner)
      yield* replaceAtomically(env, file, bytes).pipe(Effect.mapError(fail("write", nodePath)))
      yield* Ref.update(owned, o.ephemeral ? HashMap.set(file, bytes) : HashMap.remove(file))
    })

    const remove = Effect.fn("LocalFsStore.remove")(function* (nodePath: string) {
      const file = yield* fileOf("remove", nodePath)
      yield* removeIfExists(fs, file).pipe(Effect.mapError(fail("remove", nodePath)))
      yield* syncDirectory(fs, path.dirname(file))
      yield* Ref.update(owned, HashMap.remove(file))
    })

    /** Removes a scratch file left by a writer that died long ago. A live pid (maybe reused) or a
     * young file is left alone: its writer may still be between write and rename. */
    const sweepScratch = (file: string, writer: number) =>
      Effect.gen(function* () {
        if (writer === self.pid || pidIsRunning(writer)) return
        const info = yield* fs.stat(file)
        const mtime = Option.getOrElse(Option.map(info.mtime, (d) => d.getTime()), () => Date.now())
        if (Date.now() - mtime > SCRATCH_MAX_AGE_MS) yield* discard(fs, file)
      }).pipe(Effect.catchAll((e) => Effect.logDebug(`localfs: could not sweep ${file}: ${e.message}`)))

    /** Whether a folder entry is a visible child: a folder, or a node file that is live. */
    const isVisible = (nodePath: string, file: string) =>
      readHead(fs, file, HEADER_READ_BYTES).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(false), // removed since the listing
          onSome: (head) =>
            Either.match(NodeFile.decode(head), {
              // Still a child; reading it will report the problem.
              onLeft: () => Effect.succeed(true),
              onRight: (node) => Option.match(node.owner, { onNone: () => Effect.succeed(true), onSome: env.isAlive })
            })
        })),
        Effect.catchIf(isBadResource, () => Effect.succeed(true)), // a sub-folder
        Effect.mapError(fail("children", nodePath))
      )

    const children = Effect.fn("LocalFsStore.children")(function* (nodePath: string) {
      const dir = yield* fileOf("children", nodePath)
      const names = yield* fs.readDirectory(dir).pipe(
        Effect.catchIf((e) => isNotFound(e) || isBadResource(e), () => Effect.succeed<ReadonlyArray<string>>([])),
        Effect.mapError(fail("children", nodePath))
      )
      const visible = yield* Effect.filter(names, (name) => {
        if (!name.startsWith(".")) return isVisible(nodePath, path.join(dir, name))
        return Option.match(scratchPid(name), {
          onNone: () => Effect.succeed(false),
          onSome: (writer) => Effect.as(sweepScratch(path.join(dir, name), writer), false)
        })
      }, { concurrency: 16 })
      return [...visible].sort()
    })

    /**
     * What a watch's poll compares before reading a node again: the file's inode, size and time.
     * `undefined` (read at every poll) for an ephemeral node, whose owner may die without the file
     * changing, and when the file cannot be examined (the read reports why). The `stat` is
     * synchronous on purpose: one syscall of a few microseconds, where the asynchronous one costs a
     * thread-pool round trip (and an error object for every absent node), hundreds of times a
     * second in a Tracker that follows many topologies.
     */
    const fingerprint = (file: string) => (): string | undefined => {
      if (owners.has(file)) return undefined
      try {
        const info = nodeFs.statSync(file, { throwIfNoEntry: false })
        return info === undefined ? "absent" : `${info.ino}:${info.size}:${info.mtimeMs}`
      } catch {
        return undefined
      }
    }

    // The node's folder is created first (as for watchChildren), so that the node's creation shows
    // by an fs event rather than by the next poll.
    const watch = (nodePath: string) =>
      Effect.flatMap(fileOf("watch", nodePath), (file) =>
        fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(
          Effect.ignore,
          Effect.as(watchNode({ dir: path.dirname(file), name: path.basename(file), pollInterval, read: read(nodePath), fingerprint: fingerprint(file) }))
        )).pipe(Stream.unwrap)

    // The folder is created first (an empty kind folder is an empty list), so that its first child
    // shows by an fs event rather than by the next poll.
    const watchChildren = (nodePath: string) =>
      Effect.flatMap(fileOf("watch", nodePath), (dir) =>
        fs.makeDirectory(dir, { recursive: true }).pipe(
          Effect.ignore,
          Effect.as(watchFolderChildren({ dir, pollInterval, read: children(nodePath) }))
        )).pipe(Stream.unwrap)

    /** Completed when the store's scope closes: its locks are released then, and its elections
     * end, as a ZooKeeper session's do. */
    const closed = yield* Deferred.make<void>()
    const storeScope = yield* Effect.scope
    const isClosed = (op: string, nodePath: string) =>
      Effect.flatMap(Deferred.isDone(closed), (done) => (done ? Effect.fail(fail(op, nodePath)("the store is closed")) : Effect.void))

    // Held for the caller's scope and no longer than the store's: whichever closes first releases it.
    const lock = (nodePath: string, timeout: Duration.DurationInput) =>
      Effect.gen(function* () {
        const file = yield* fileOf("lock", nodePath)
        yield* isClosed("lock", nodePath)
        const held = yield* Scope.fork(storeScope, ExecutionStrategy.sequential)
        yield* Effect.addFinalizer((exit) => Scope.close(held, exit))
        yield* FileLock.acquire(env, nodePath, file, timeout).pipe(Scope.extend(held))
      }).pipe(Effect.withSpan("LocalFsStore.lock", { attributes: { path: nodePath } }))

    // The session ends: drop the ephemeral nodes this store wrote, unless someone rewrote them since.
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(Ref.get(owned), (m) =>
        Effect.forEach(m, ([file, bytes]) =>
          removeIfSame(env, file, bytes).pipe(
            Effect.catchAll((e) => Effect.logWarning(`localfs: could not remove ephemeral node ${file}: ${e.message}`))
          ), { discard: true }))
    )

    yield* Effect.addFinalizer(() => Deferred.done(closed, Exit.void))

    // When the store closes (which releases the election's lock), a leader says `false`, then the
    // stream fails, as a closed ZooKeeper session's election does.
    const leadership = (nodePath: string) =>
      Stream.unwrap(Effect.map(Ref.make(false), (leading) =>
        leadershipByLock(lock, nodePath).pipe(
          Stream.tap((v) => Ref.set(leading, v)),
          Stream.interruptWhen(Deferred.await(closed)),
          Stream.concat(Stream.unwrap(Effect.map(Ref.get(leading), (was) => (was ? Stream.make(false) : Stream.empty)))),
          Stream.concat(Stream.fail(fail("leadership", nodePath)("the store is closed")))
        )))

    return { read, write, remove, children, watch, watchChildren, leadership, lock } satisfies NodeStore
  })
