/**
 * `/proc/<pid>/stat` on Linux: a process's state, process group and start time. The pid together
 * with the start time names one process: a pid reused by another process has another start time.
 */
import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Option } from "effect"

/** What `/proc/<pid>/stat` tells of a process. */
export interface ProcStat {
  /** Field 3, one letter: `R`, `S`, `D`, `Z` (zombie), `X` (dead) ... */
  readonly state: string
  /** Field 5: the process group id. */
  readonly pgrp: number
  /** Field 22: clock ticks since boot when the process started. */
  readonly startTime: number
}

/** Parses a stat line; `None` when it is not one. The command name (field 2) is in parentheses and
 * may itself contain spaces and parentheses, so fields are counted from the last `)`. */
export const parse = (text: string): Option.Option<ProcStat> => {
  const close = text.lastIndexOf(")")
  if (close < 0) return Option.none()
  const fields = text.slice(close + 1).trim().split(/\s+/)
  // fields[0] is field 3 of proc(5), so field n is fields[n - 3].
  const state = fields[0]
  const pgrp = Number(fields[2])
  const startTime = Number(fields[19])
  return state !== undefined && state.length > 0 && Number.isSafeInteger(pgrp) && Number.isSafeInteger(startTime)
    ? Option.some({ state, pgrp, startTime })
    : Option.none()
}

/** Reads the stat of `pid` (or of this process, `"self"`). `None` when no such process exists
 * (ENOENT) or the file does not parse; other read failures (EACCES, no `/proc` at all ...) are
 * errors, and each caller decides what they mean. */
export const read = (
  fs: FileSystem.FileSystem,
  pid: number | "self"
): Effect.Effect<Option.Option<ProcStat>, PlatformError> =>
  fs.readFileString(`/proc/${pid}/stat`).pipe(
    Effect.map(parse),
    Effect.catchIf(
      (e) => e._tag === "SystemError" && e.reason === "NotFound",
      () => Effect.succeed(Option.none<ProcStat>())
    )
  )

/** Whether the process has exited: a zombie (`Z`) only waits for its parent to reap it, `X` is dead. */
export const isDead = (stat: ProcStat): boolean => stat.state === "Z" || stat.state === "X"

/** Whether `stat` is of the process that started at `startTime` and it has not exited. Another start
 * time means the pid now belongs to another process: the one we knew is gone. */
export const isAliveSince = (startTime: number) => (stat: ProcStat): boolean =>
  stat.startTime === startTime && !isDead(stat)
