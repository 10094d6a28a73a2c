/**
 * Linux /proc readings for the benchmark: CPU time (utime + stime, all threads) and resident
 * memory of process groups, and per-thread CPU time to tell which thread limits a figure. Plain
 * synchronous reads: they are taken between measurement windows, never inside one.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"

/** Clock ticks per second of utime/stime (`getconf CLK_TCK`, 100 on every Linux we know). */
export const CLK_TCK: number = (() => {
  try {
    const n = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

interface Stat {
  readonly state: string
  readonly pgrp: number
  /** utime + stime, in ticks. */
  readonly ticks: number
}

const parseStat = (text: string): Stat | undefined => {
  // Field 2 (the command) is in parentheses and may contain anything: count from the last ")".
  const close = text.lastIndexOf(")")
  if (close < 0) return undefined
  const f = text.slice(close + 1).trim().split(/\s+/)
  // f[0] is field 3 of proc(5): field n is f[n - 3].
  const state = f[0] ?? ""
  const pgrp = Number(f[2])
  const ticks = Number(f[11]) + Number(f[12])
  return Number.isFinite(pgrp) && Number.isFinite(ticks) ? { state, pgrp, ticks } : undefined
}

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, "utf8")
  } catch {
    return undefined
  }
}

const statOf = (pid: number): Stat | undefined => {
  const text = readText(`/proc/${pid}/stat`)
  return text === undefined ? undefined : parseStat(text)
}

const allPids = (): Array<number> => readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number)

/** The live (not zombie) processes of process group `pgid`. */
export const groupMembers = (pgid: number): Array<number> =>
  allPids().filter((pid) => {
    const s = statOf(pid)
    return s !== undefined && s.pgrp === pgid && s.state !== "Z" && s.state !== "X"
  })

/** CPU seconds (user + system, every thread) used so far by the members of these groups. Members
 * that exited are not counted: the container processes live through a measurement. */
export const groupsCpuSeconds = (pgids: ReadonlyArray<number>): number => {
  const wanted = new Set(pgids)
  let ticks = 0
  for (const pid of allPids()) {
    const s = statOf(pid)
    if (s !== undefined && wanted.has(s.pgrp)) ticks += s.ticks
  }
  return ticks / CLK_TCK
}

/** Resident memory of one process in bytes (`VmRSS`, threads included); 0 when it is gone. */
export const rssOf = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readText(`/proc/${pid}/status`) ?? "")
  return m === null ? 0 : Number(m[1]) * 1024
}

/** Resident memory of every member of a process group, summed. */
export const groupRss = (pgid: number): number => groupMembers(pgid).reduce((sum, pid) => sum + rssOf(pid), 0)

/** CPU ticks of each thread of `pid`, by thread id (the main thread's id is the pid). */
export const threadTicks = (pid: number): Map<number, { readonly name: string; readonly ticks: number }> => {
  const out = new Map<number, { readonly name: string; readonly ticks: number }>()
  let tids: Array<string> = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const t of tids) {
    const tid = Number(t)
    const s = readText(`/proc/${pid}/task/${t}/stat`)
    const stat = s === undefined ? undefined : parseStat(s)
    if (stat === undefined) continue
    out.set(tid, { name: (readText(`/proc/${pid}/task/${t}/comm`) ?? "?").trim(), ticks: stat.ticks })
  }
  return out
}

/** A thread's share of one core over a window. */
export interface ThreadLoad {
  readonly pid: number
  readonly tid: number
  readonly name: string
  /** 1.0 = one core fully busy. */
  readonly load: number
  /** The process's main thread (in a container: the stream manager's event loop). */
  readonly main: boolean
}

/** Per-thread CPU loads of `pids` between two `threadTicks` snapshots taken `seconds` apart. */
export const threadLoads = (
  before: ReadonlyMap<number, ReadonlyMap<number, { readonly ticks: number }>>,
  after: ReadonlyMap<number, ReadonlyMap<number, { readonly name: string; readonly ticks: number }>>,
  seconds: number
): Array<ThreadLoad> => {
  const loads: Array<ThreadLoad> = []
  for (const [pid, threads] of after) {
    for (const [tid, t] of threads) {
      const start = before.get(pid)?.get(tid)?.ticks ?? t.ticks
      loads.push({ pid, tid, name: t.name, load: (t.ticks - start) / CLK_TCK / seconds, main: tid === pid })
    }
  }
  return loads.sort((a, b) => b.load - a.load)
}

/** Pids of the processes whose environment has `key=value` (this user's processes only). */
export const pidsWithEnv = (key: string, value: string): Array<number> => {
  const needle = `${key}=${value}\0`
  return allPids().filter((pid) => {
    if (pid === process.pid) return false
    try {
      return readFileSync(`/proc/${pid}/environ`, "latin1").includes(needle)
    } catch {
      return false
    }
  })
}

/** The process group of `pid`, if it lives. */
export const pgidOf = (pid: number): number | undefined => statOf(pid)?.pgrp

/** CPU seconds the whole machine spent busy so far (every core; `/proc/stat`: all but idle and iowait). */
export const machineBusySeconds = (): number => {
  const line = (readText("/proc/stat") ?? "").split("\n")[0] ?? ""
  const f = line.trim().split(/\s+/).slice(1).map(Number)
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f
  return (user + nice + system + irq + softirq + steal) / CLK_TCK
}
