/**
 * The local scheduler's in-memory model (immutable values kept in one `SynchronizedRef`), how a
 * container is started and checked, and the actions a scheduler operation is made of.
 */
import type { FileSystem } from "@effect/platform"
import { Data, Deferred, Effect, Option, type HashMap } from "effect"
import { join } from "node:path"
import type { TopologyRef } from "../../../../core/Scheduler.js"
import * as ProcStat from "../../../../core/internal/procStat.js"
import * as Proc from "./Proc.js"
import type { StoredContainer, StoredTopology } from "./Store.js"

/** What to run in a container: the part of a `ContainerLaunch` the local scheduler uses. */
export interface Spec {
  readonly index: number
  readonly argv: readonly [string, ...Array<string>]
  readonly env: Readonly<Record<string, string>>
}

/** One container and the process that runs it now. */
export interface Container extends Spec {
  readonly pid: number
  readonly startTime: number
  readonly restarts: number
  /** The `exit` event of a process this runtime spawned; `None` for adopted ones. */
  readonly exit: Option.Option<Deferred.Deferred<Proc.ExitInfo>>
  /** When the process was started or adopted (epoch ms). */
  readonly startedAt: number
  /** Delay before its next relaunch. */
  readonly backoffMs: number
  /** When the monitor first saw it exited (epoch ms); `None` while it runs. */
  readonly downSince: Option.Option<number>
}

export interface Topology {
  readonly ref: TopologyRef
  readonly dir: string
  /** Sorted by index. */
  readonly containers: ReadonlyArray<Container>
}

/** Topologies by name. */
export type Topologies = HashMap.HashMap<string, Topology>

export const handle = (c: Container): string => `${c.pid}@${c.startTime}`

export const containerDir = (dir: string, index: number): string => join(dir, `container-${index}`)
export const logFile = (dir: string, index: number): string => join(containerDir(dir, index), "container.log")

export const sameSpec = (a: Spec, b: Spec): boolean => {
  const keys = Object.keys(a.env)
  return a.argv.length === b.argv.length && a.argv.every((arg, i) => b.argv[i] === arg) &&
    keys.length === Object.keys(b.env).length && keys.every((k) => b.env[k] === a.env[k])
}

/** `None` while the container's process runs; otherwise why it does not. */
export const checkExited = (c: Container): Effect.Effect<Option.Option<string>, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const stat = yield* Proc.readStat(c.pid)
    const down = Option.match(stat, {
      onNone: () => Option.some(`process ${c.pid} is gone`),
      onSome: (s) =>
        s.startTime !== c.startTime
          ? Option.some(`pid ${c.pid} now belongs to another process`)
          : ProcStat.isDead(s) ? Option.some(`process ${c.pid} exited`) : Option.none()
    })
    if (Option.isNone(c.exit) || (Option.isNone(down) && !(yield* Deferred.isDone(c.exit.value)))) return down
    // Our own child: it stays a zombie (its pid not reused) until Node reaps it and delivers its
    // exit code or signal, which is the reason worth reporting. That takes a moment after /proc
    // shows it dead.
    const info = yield* Deferred.await(c.exit.value).pipe(Effect.timeout(EXIT_EVENT_WAIT), Effect.option)
    return Option.isSome(info) ? Option.some(Proc.describeExit(info.value)) : down
  })

/** How long {@link checkExited} waits for the exit event of a child that /proc shows dead. */
const EXIT_EVENT_WAIT = "2 seconds"

/** Starts the process of a container in `<dir>/container-<index>`, logging to `container.log` there. */
export const start = (
  topology: TopologyRef,
  dir: string,
  spec: Spec,
  o: { readonly restarts: number; readonly backoffMs: number; readonly now: number }
): Effect.Effect<Container, Proc.LocalFailure, FileSystem.FileSystem> =>
  Proc.spawnContainer({
    argv: spec.argv,
    cwd: containerDir(dir, spec.index),
    logFile: logFile(dir, spec.index),
    env: { ...spec.env, HERON_CONTAINER_INDEX: String(spec.index), HERON_TOPOLOGY_NAME: topology.name }
  }).pipe(Effect.map((p) => ({
    index: spec.index,
    argv: spec.argv,
    env: spec.env,
    pid: p.pid,
    startTime: p.startTime,
    restarts: o.restarts,
    exit: Option.some(p.exit),
    startedAt: o.now,
    backoffMs: o.backoffMs,
    downSince: Option.none()
  })))

/** Stops a container's whole process group (see `Proc.killGroup`). */
export const stop = (c: Container, graceMs: number): Effect.Effect<void, Proc.LocalFailure, FileSystem.FileSystem> =>
  Proc.killGroup(c.pid, c.startTime, graceMs)

export const toStored = (t: Topology): StoredTopology => ({
  topology: t.ref,
  containers: t.containers.map((c) => ({
    index: c.index,
    pid: c.pid,
    startTime: c.startTime,
    argv: c.argv,
    env: c.env,
    restarts: c.restarts
  }))
})

/** A container recorded by a previous runtime: watched through /proc, since it is not our child. */
export const adopt = (s: StoredContainer, o: { readonly backoffMs: number; readonly now: number }): Container => ({
  ...s,
  exit: Option.none(),
  startedAt: o.now,
  backoffMs: o.backoffMs,
  downSince: Option.none()
})

/** One step of a scheduler operation on one container. */
export type Action = Data.TaggedEnum<{
  /** Leave the container as it is. */
  Keep: { readonly current: Container }
  /** Start `spec`, after stopping what is left of `current` (restart, changed spec, relaunch). */
  Start: { readonly spec: Spec; readonly current: Option.Option<Container>; readonly restarts: number }
  /** Stop the container and forget it. */
  Stop: { readonly current: Container }
}>
export const Action = Data.taggedEnum<Action>()

/** What an action left: the container to record (if any) and the failure to report (if any). */
export interface Outcome {
  readonly entry: Option.Option<Container>
  readonly failure: Option.Option<Proc.LocalFailure>
}

const failed = (entry: Option.Option<Container>) => (failure: Proc.LocalFailure): Outcome => ({
  entry,
  failure: Option.some(failure)
})

/** Runs one action; never fails, so that the containers already started are always recorded. */
export const run = (
  topology: TopologyRef,
  dir: string,
  o: { readonly graceMs: number; readonly backoffMs: number; readonly now: number }
) =>
(action: Action): Effect.Effect<Outcome, never, FileSystem.FileSystem> =>
  Action.$match(action, {
    Keep: ({ current }) => Effect.succeed({ entry: Option.some(current), failure: Option.none() }),
    Stop: ({ current }) =>
      stop(current, o.graceMs).pipe(Effect.match({
        onFailure: failed(Option.some(current)),
        onSuccess: (): Outcome => ({ entry: Option.none(), failure: Option.none() })
      })),
    Start: ({ current, restarts, spec }) =>
      Effect.forEach(Option.toArray(current), (c) => stop(c, o.graceMs), { discard: true }).pipe(
        Effect.matchEffect({
          onFailure: (e) => Effect.succeed(failed(current)(e)),
          onSuccess: () =>
            start(topology, dir, spec, { restarts, backoffMs: o.backoffMs, now: o.now }).pipe(Effect.match({
              onFailure: failed(Option.none()),
              onSuccess: (c): Outcome => ({ entry: Option.some(c), failure: Option.none() })
            }))
        })
      )
  })
