/**
 * Linux process plumbing for the local scheduler: identity through `/proc/<pid>/stat`, process
 * groups, and spawning a detached container process whose output goes to a log file.
 */
import { FileSystem } from "@effect/platform"
import { Clock, Data, Deferred, Effect, Option } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import * as ProcStat from "../../../../core/internal/procStat.js"

/** A failure inside the local scheduler; mapped to `SchedulerError` at the service boundary. */
export class LocalFailure extends Data.TaggedError("LocalFailure")<{
  readonly message: string
  readonly retryable: boolean
}> {}

/** How a child of this process ended, from its `exit` event. */
export interface ExitInfo {
  readonly code: number | null
  readonly signal: string | null
}

export const describeExit = (e: ExitInfo): string =>
  e.signal !== null ? `killed by ${e.signal}` : `exited with code ${e.code ?? "?"}`

/** The stat of `pid`; `None` when no such process is visible. A process may vanish while it is
 * read (ENOENT, ESRCH): every read failure of a /proc file means "not there". */
export const readStat = (pid: number): Effect.Effect<Option.Option<ProcStat.ProcStat>, never, FileSystem.FileSystem> =>
  FileSystem.FileSystem.pipe(
    Effect.flatMap((fs) => ProcStat.read(fs, pid)),
    Effect.orElseSucceed(() => Option.none<ProcStat.ProcStat>())
  )

/** Whether `pid` is still the process that started at `startTime` and has not exited. A pid whose
 * start time differs was reused by another process: ours is gone. */
export const isAlive = (pid: number, startTime: number): Effect.Effect<boolean, never, FileSystem.FileSystem> =>
  readStat(pid).pipe(Effect.map(Option.exists(ProcStat.isAliveSince(startTime))))

/** Pids of the live (not zombie) processes of a process group. */
export const groupMembers = (pgid: number): Effect.Effect<ReadonlyArray<number>, LocalFailure, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const entries = yield* fs.readDirectory("/proc").pipe(
      Effect.mapError((e) => new LocalFailure({ message: `cannot list /proc: ${e.message}`, retryable: true }))
    )
    const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number)
    const stats = yield* Effect.forEach(pids, (pid) => readStat(pid), { concurrency: 16 })
    return pids.filter((_, i) => Option.exists(stats[i] ?? Option.none(), (s) => s.pgrp === pgid && !ProcStat.isDead(s)))
  })

const errnoCode = (e: unknown): string | undefined =>
  e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : undefined

/** Sends a signal to every process of a group. A group that is already gone is not an error. */
export const signalGroup = (pgid: number, signal: NodeJS.Signals): Effect.Effect<void, LocalFailure> =>
  Effect.suspend(() => {
    try {
      process.kill(-pgid, signal)
      return Effect.void
    } catch (e) {
      const code = errnoCode(e)
      return code === "ESRCH"
        ? Effect.void
        : Effect.fail(
          new LocalFailure({ message: `cannot send ${signal} to process group ${pgid}: ${String(e)}`, retryable: code !== "EPERM" })
        )
    }
  })

/** Polls until the group has no live process; false when `timeoutMs` passed first. A deadline
 * rather than `Effect.timeout`: callers run uninterruptibly, where a timeout cannot cut the poll. */
const waitGroupGone = (pgid: number, timeoutMs: number): Effect.Effect<boolean, LocalFailure, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
    while (true) {
      if ((yield* groupMembers(pgid)).length === 0) return true
      if ((yield* Clock.currentTimeMillis) >= deadline) return false
      yield* Effect.sleep("50 millis")
    }
  })

/**
 * Stops the container led by `pid`: SIGTERM to its whole process group (grandchildren included),
 * up to `graceMs` to leave, then SIGKILL. The group is only signalled when it is still ours: the
 * leader is the same process (pid + start time), or the leader is gone and its pid not reused
 * (Linux does not reuse a pid while it still names a process group).
 */
export const killGroup = (
  pid: number,
  startTime: number,
  graceMs: number
): Effect.Effect<void, LocalFailure, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const leader = yield* readStat(pid)
    if (Option.isSome(leader) && leader.value.startTime !== startTime) return
    if ((yield* groupMembers(pid)).length === 0) return
    yield* signalGroup(pid, "SIGTERM")
    if (yield* waitGroupGone(pid, graceMs)) return
    yield* signalGroup(pid, "SIGKILL")
    if (yield* waitGroupGone(pid, 5000)) return
    return yield* new LocalFailure({ message: `process group ${pid} still alive after SIGKILL`, retryable: true })
  })

/** What {@link spawnContainer} needs. */
export interface SpawnOptions {
  readonly argv: readonly [string, ...Array<string>]
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly logFile: string
}

/** A process started by this runtime. `exit` completes on its `exit` event (which also means Node
 * has reaped it, so it does not linger as a zombie). */
export interface Spawned {
  readonly pid: number
  readonly startTime: number
  readonly exit: Deferred.Deferred<ExitInfo>
}

/**
 * Starts one container: creates `cwd`, appends stdout and stderr to `logFile`, and runs `argv` as
 * the leader of a new session and process group (`detached`), unreferenced so that it outlives the
 * runtime. Fails when the program cannot be started (missing binary, bad cwd).
 */
export const spawnContainer = (o: SpawnOptions): Effect.Effect<Spawned, LocalFailure, FileSystem.FileSystem> =>
  Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const log = yield* fs.makeDirectory(o.cwd, { recursive: true }).pipe(
      Effect.zipRight(fs.open(o.logFile, { flag: "a" })),
      Effect.mapError((e) => new LocalFailure({ message: `cannot prepare ${o.cwd}: ${e.message}`, retryable: true }))
    )
    const exit = yield* Deferred.make<ExitInfo>()
    const child = yield* Effect.async<ChildProcess, LocalFailure>((resume) => {
      let settled = false
      const settle = (e: Effect.Effect<ChildProcess, LocalFailure>) => {
        if (!settled) {
          settled = true
          resume(e)
        }
      }
      const failed = (e: unknown) =>
        Effect.fail(new LocalFailure({ message: `cannot start ${o.argv[0]}: ${String(e)}`, retryable: false }))
      try {
        const c = spawn(o.argv[0], o.argv.slice(1), {
          cwd: o.cwd,
          env: { ...process.env, ...o.env },
          detached: true,
          stdio: ["ignore", log.fd, log.fd]
        })
        c.on("exit", (code, signal) => Deferred.unsafeDone(exit, Effect.succeed({ code, signal })))
        // Also keeps a late 'error' from becoming an uncaught exception.
        c.on("error", (e) => settle(failed(e)))
        c.once("spawn", () => settle(Effect.succeed(c)))
      } catch (e) {
        settle(failed(e))
      }
    })
    child.unref()
    const pid = child.pid
    if (pid === undefined) {
      return yield* new LocalFailure({ message: `cannot start ${o.argv[0]}: no pid`, retryable: false })
    }
    // A process that already exited and was reaped has no stat: -1 never matches, so it reads as exited.
    const startTime = Option.match(yield* readStat(pid), { onNone: () => -1, onSome: (s) => s.startTime })
    return { pid, startTime, exit }
  }))
