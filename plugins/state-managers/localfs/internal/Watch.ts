/**
 * Watching one node (its current content, then each change) or one folder node's children (their
 * names, then each change of the set), until interrupted.
 *
 * Changes are noticed two ways: `fs.watch` on the node's folder (fast) and a poll (the safety net:
 * fs.watch misses events across renames on some systems, and the death of an ephemeral node's owner
 * makes no filesystem event at all). Either only wakes a re-read; a value is emitted when the read
 * differs from the last one emitted.
 */
import type { FileSystem } from "@effect/platform"
import { Duration, Effect, Option, Queue, Schedule, Stream } from "effect"
import * as nodeFs from "node:fs"
import type { StateError } from "../../../../core/StateManager.js"
import { sameBytes } from "./NodeFile.js"

export interface WatchOptions {
  readonly fs: FileSystem.FileSystem
  /** The folder that holds the node file, and the file's name in it. */
  readonly dir: string
  readonly name: string
  readonly pollInterval: Duration.Duration
  /** Reads the node, applying ephemeral liveness. */
  readonly read: Effect.Effect<Option.Option<Uint8Array>, StateError>
}

/** An `fs.watch` on a folder that can be (re)attached: the folder may not exist yet, or may be
 * removed and created again, which leaves a watcher on the old folder silent. */
const folderWatcher = (fs: FileSystem.FileSystem, dir: string, name: string | undefined, wake: () => void) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let current: { readonly watcher: nodeFs.FSWatcher; readonly ino: Option.Option<number> } | undefined
      const detach = () => {
        current?.watcher.close()
        current = undefined
      }
      /** Attaches to the folder as it is now; a no-op when already attached to it. */
      const ensure = fs.stat(dir).pipe(
        Effect.option,
        Effect.flatMap((info) =>
          Effect.sync(() => {
            if (Option.isNone(info) || info.value.type !== "Directory") return detach()
            const ino = info.value.ino
            if (current !== undefined && Option.getEquivalence<number>((a, b) => a === b)(current.ino, ino)) return
            detach()
            try {
              const watcher = nodeFs.watch(dir, { persistent: true }, (_event, filename) => {
                if (name === undefined || filename === null || filename === name) wake()
              })
              watcher.on("error", () => {
                // The folder went away under the watcher; the next poll re-attaches.
                if (current?.watcher === watcher) detach()
                wake()
              })
              current = { watcher, ino }
            } catch {
              // The folder vanished between stat and watch: the poll tries again.
            }
          })
        )
      )
      return { ensure, close: Effect.sync(detach) }
    }),
    (w) => w.close
  )

/** Each wake-up (fs event on `dir`, filtered to `name` when given, or a poll tick) re-reads; a value
 * is emitted when it differs from the last one emitted. */
const watchFolder = <A>(
  fs: FileSystem.FileSystem,
  dir: string,
  name: string | undefined,
  pollInterval: Duration.Duration,
  read: Effect.Effect<A, StateError>,
  same: (a: A, b: A) => boolean
): Stream.Stream<A, StateError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const wakeups = yield* Queue.sliding<void>(1)
      const watcher = yield* folderWatcher(fs, dir, name, () => Queue.unsafeOffer(wakeups, undefined))
      const ticks = Stream.merge(Stream.fromQueue(wakeups), Stream.fromSchedule(Schedule.spaced(pollInterval)))
      // The watcher is (re)attached before each read, so no change after a read can go unnoticed.
      return Stream.concat(Stream.succeed(undefined), ticks).pipe(
        Stream.mapEffect(() => Effect.zipRight(watcher.ensure, read)),
        Stream.changesWith(same)
      )
    })
  )

/** The node's content, then each change, until interrupted. Releases its watcher on interruption. */
export const watchNode = (o: WatchOptions): Stream.Stream<Option.Option<Uint8Array>, StateError> =>
  watchFolder(o.fs, o.dir, o.name, o.pollInterval, o.read, Option.getEquivalence(sameBytes))

/** The names of the children of folder `dir` (as `read` lists them), then each change of the set. */
export const watchChildren = (o: {
  readonly fs: FileSystem.FileSystem
  readonly dir: string
  readonly pollInterval: Duration.Duration
  readonly read: Effect.Effect<ReadonlyArray<string>, StateError>
}): Stream.Stream<ReadonlyArray<string>, StateError> =>
  watchFolder(o.fs, o.dir, undefined, o.pollInterval, o.read, (a, b) => a.length === b.length && a.every((n, i) => n === b[i]))
