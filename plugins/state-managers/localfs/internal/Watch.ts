/**
 * Watching one node (its current content, then each change) or one folder node's children (their
 * names, then each change of the set), until interrupted.
 *
 * Changes are noticed two ways: `fs.watch` on the node's folder (fast) and a poll (the safety net:
 * fs.watch misses events across renames on some systems, and the death of an ephemeral node's owner
 * makes no filesystem event at all). Either only wakes a re-read; a value is emitted when the read
 * differs from the last one emitted.
 */
import { Duration, Effect, Option, Queue, Stream } from "effect"
import * as nodeFs from "node:fs"
import type { StateError } from "../../../../core/StateManager.js"
import { sameBytes } from "./NodeFile.js"

export interface WatchOptions {
  /** The folder that holds the node file, and the file's name in it. */
  readonly dir: string
  readonly name: string
  readonly pollInterval: Duration.Duration
  /** Reads the node, applying ephemeral liveness. */
  readonly read: Effect.Effect<Option.Option<Uint8Array>, StateError>
  /**
   * A cheap, synchronous summary of what `read` would see (e.g. the file's identity, size and
   * time), or `undefined` when only a read can tell (e.g. whether an ephemeral node's owner still
   * lives): a poll tick that finds the same summary as before the last read does not read.
   */
  readonly fingerprint?: () => string | undefined
}

/** An `fs.watch` on a folder that can be (re)attached: the folder may not exist yet, or may be
 * removed and created again, which leaves a watcher on the old folder silent. */
const folderWatcher = (dir: string, name: string | undefined, wake: () => void) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let current: { readonly watcher: nodeFs.FSWatcher; readonly ino: number } | undefined
      const detach = () => {
        current?.watcher.close()
        current = undefined
      }
      /** Attaches to the folder as it is now; a no-op when already attached to it. Runs before
       * every read and at every poll: its `stat` is synchronous (a few microseconds, no thread-pool
       * round trip). */
      const ensure = () => {
        let info: nodeFs.Stats | undefined
        try {
          info = nodeFs.statSync(dir, { throwIfNoEntry: false })
        } catch {
          info = undefined
        }
        if (info === undefined || !info.isDirectory()) return detach()
        const ino = info.ino
        if (current !== undefined && current.ino === ino) return
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
      }
      return { ensure, close: Effect.sync(detach) }
    }),
    (w) => w.close
  )

/**
 * Calls `tick` every `interval`, give or take 20%, the first time after a random part of it, until
 * the scope closes. A plain timer: a tick that finds nothing changed costs microseconds, which
 * matters in a process watching hundreds of nodes (the Tracker follows seven per topology); the
 * spread keeps them from all polling in the same instant.
 */
const pollTimer = (interval: Duration.Duration, tick: () => void) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const ms = Duration.toMillis(interval)
      let timer: ReturnType<typeof setTimeout> | undefined
      const next = (delay: number) => {
        timer = setTimeout(() => {
          tick()
          next(ms * (0.8 + 0.4 * Math.random()))
        }, delay)
      }
      next(ms * Math.random())
      return () => clearTimeout(timer)
    }),
    (stop) => Effect.sync(stop)
  )

/** Each wake-up (fs event on `dir`, filtered to `name` when given, or a poll tick) re-reads; a value
 * is emitted when it differs from the last one emitted. With a `fingerprint`, a poll tick that
 * finds it as it was before the last read does not wake the watch: following an unchanged node
 * then costs a `stat` per interval. */
const watchFolder = <A>(
  dir: string,
  name: string | undefined,
  pollInterval: Duration.Duration,
  read: Effect.Effect<A, StateError>,
  same: (a: A, b: A) => boolean,
  fingerprint: () => string | undefined = () => undefined
): Stream.Stream<A, StateError> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const wakeups = yield* Queue.sliding<void>(1)
      const wake = () => Queue.unsafeOffer(wakeups, undefined)
      const watcher = yield* folderWatcher(dir, name, wake)
      // What the fingerprint was just before the last read; `undefined`: read at every tick.
      let seen: string | undefined
      yield* pollTimer(pollInterval, () => {
        watcher.ensure()
        const now = fingerprint()
        if (now === undefined || now !== seen) wake()
      })
      // The watcher is (re)attached and the fingerprint taken before each read, so no change after
      // a read can go unnoticed.
      const readAgain = Effect.suspend(() => {
        watcher.ensure()
        seen = fingerprint()
        return read
      })
      return Stream.concat(Stream.succeed(undefined), Stream.fromQueue(wakeups)).pipe(
        Stream.mapEffect(() => readAgain),
        Stream.changesWith(same)
      )
    })
  )

/** The node's content, then each change, until interrupted. Releases its watcher on interruption. */
export const watchNode = (o: WatchOptions): Stream.Stream<Option.Option<Uint8Array>, StateError> =>
  watchFolder(o.dir, o.name, o.pollInterval, o.read, Option.getEquivalence(sameBytes), o.fingerprint)

/** The names of the children of folder `dir` (as `read` lists them), then each change of the set. */
export const watchChildren = (o: {
  readonly dir: string
  readonly pollInterval: Duration.Duration
  readonly read: Effect.Effect<ReadonlyArray<string>, StateError>
}): Stream.Stream<ReadonlyArray<string>, StateError> =>
  watchFolder(o.dir, undefined, o.pollInterval, o.read, (a, b) => a.length === b.length && a.every((n, i) => n === b[i]))
