/**
 * Who owns an ephemeral node or a lock, and whether that process still lives.
 *
 * On Linux an owner is identified by host, pid and the process's start time (field 22 of
 * `/proc/<pid>/stat`, in clock ticks since boot), so a pid reused by an unrelated process is not
 * mistaken for the owner. Elsewhere the start time is `null` and liveness falls back to
 * `process.kill(pid, 0)`. An owner on another host cannot be checked and is taken to be alive.
 */
import type { FileSystem } from "@effect/platform"
import { Effect, Option, Schema } from "effect"
import { randomBytes } from "node:crypto"
import * as os from "node:os"
import * as ProcStat from "../../../../core/internal/procStat.js"

/** The owner record stored in the header of an ephemeral node or a lock file. */
export const Owner = Schema.Struct({
  pid: Schema.Int.pipe(Schema.positive()),
  /** Start time of the process in clock ticks since boot; `null` where `/proc` is unavailable. */
  start: Schema.NullOr(Schema.Number),
  host: Schema.String,
  /** Unique per write or lock acquisition: tells two records of the same process apart. */
  token: Schema.String
})
export type Owner = typeof Owner.Type

/** The identity of a process, without a token. */
export interface ProcessId {
  readonly pid: number
  readonly start: number | null
  readonly host: string
}

const isLinux = process.platform === "linux"

/** The identity of the current process. */
export const currentProcess = (fs: FileSystem.FileSystem): Effect.Effect<ProcessId> =>
  (isLinux ? ProcStat.read(fs, "self") : Effect.succeed(Option.none<ProcStat.ProcStat>())).pipe(
    // Without /proc (a container that hides it, another OS) we fall back to pid-only identity.
    Effect.orElseSucceed(Option.none<ProcStat.ProcStat>),
    Effect.map((stat) => ({
      pid: process.pid,
      start: Option.match(stat, { onNone: () => null, onSome: (s) => s.startTime }),
      host: os.hostname()
    }))
  )

/** A fresh owner record for this process. */
export const newOwner = (self: ProcessId): Effect.Effect<Owner> =>
  Effect.sync(() => ({ ...self, token: randomBytes(12).toString("hex") }))

/** `process.kill(pid, 0)`: delivers no signal, only checks that the pid exists. */
export const pidIsRunning = (pid: number): boolean => {
  // pid 0 and negative pids address process groups, never one owner.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return typeof e === "object" && e !== null && "code" in e && e.code === "EPERM"
  }
}

/** Whether the owner process still runs. Never fails: when in doubt, the owner is alive. */
export const isAlive = (fs: FileSystem.FileSystem, self: ProcessId) => (owner: Owner): Effect.Effect<boolean> => {
  if (owner.host !== self.host) return Effect.succeed(true)
  if (owner.pid === self.pid && owner.start === self.start) return Effect.succeed(true)
  // No start time on either side (another OS, or /proc hidden from us): all we can check is the pid.
  if (owner.start === null || self.start === null) return Effect.sync(() => pidIsRunning(owner.pid))
  // Not alive: no such pid, a zombie, or a pid that now belongs to another process.
  return ProcStat.read(fs, owner.pid).pipe(
    Effect.map(Option.exists(ProcStat.isAliveSince(owner.start))),
    Effect.orElse(() => Effect.sync(() => pidIsRunning(owner.pid)))
  )
}
