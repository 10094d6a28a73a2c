/**
 * Helpers for end-to-end tests against `heron-runtime --cluster local`: the runtime, its scheduler
 * endpoint, the Tracker, process groups and the localfs state under a temp HERON_HOME.
 */
import { expect } from "vitest"
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs"
import { join } from "node:path"
import { Option } from "effect"
import * as ProcStat from "../../core/internal/procStat.js"
import { start, type Running } from "./processes.js"

export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

export const getJson = async (url: string): Promise<unknown> => {
  const res = await fetch(url)
  return res.json()
}

/** The `result` of a Tracker answer. */
export const result = async (url: string): Promise<unknown> => {
  const body = await getJson(url)
  return isRecord(body) ? body["result"] : undefined
}

/** Pids of the live processes of a process group. */
export const groupMembers = (pgid: number): Array<number> =>
  readdirSync("/proc").filter((e) => /^\d+$/.test(e)).flatMap((e) => {
    try {
      const stat = ProcStat.parse(readFileSync(`/proc/${e}/stat`, "utf8"))
      return Option.exists(stat, (s) => s.pgrp === pgid && !ProcStat.isDead(s)) ? [Number(e)] : []
    } catch {
      return []
    }
  })

/** Pids of live processes whose working folder is under `dir` (a container's folder, a HERON_HOME). */
export const processesUnder = (dir: string): Array<number> =>
  readdirSync("/proc").filter((e) => /^\d+$/.test(e)).flatMap((e) => {
    try {
      return readlinkSync(`/proc/${e}/cwd`).startsWith(dir) ? [Number(e)] : []
    } catch {
      return []
    }
  })

/** Container index → pid, from the runtime's scheduler endpoint (handles are `pid@starttime`). */
export const containerPids = async (base: string, topology: string): Promise<Map<number, number>> => {
  const body = await getJson(`${base}/scheduler/status?cluster=local&topology=${topology}`)
  const containers = isRecord(body) && Array.isArray(body["containers"]) ? body["containers"] : []
  return new Map(containers.flatMap((c: unknown) =>
    isRecord(c) && typeof c["index"] === "number" && typeof c["handle"] === "string" ? [[c["index"], Number(c["handle"].split("@")[0])] as const] : []))
}

/** Stream manager id → pid, from the Tracker's physical plan. */
export const stmgrPids = async (base: string, topology: string): Promise<Record<string, number> | undefined> => {
  const plan = await result(`${base}/topologies/physicalplan?cluster=local&environ=default&topology=${topology}`)
  if (!isRecord(plan) || !isRecord(plan["stmgrs"])) return undefined
  return Object.fromEntries(Object.entries(plan["stmgrs"]).flatMap(([id, s]) => (isRecord(s) && typeof s["pid"] === "number" ? [[id, s["pid"]]] : [])))
}

export const startRuntime = (home: string, env: Record<string, string> = {}): Running =>
  start("heron-runtime", ["--cluster", "local", "--port", "0"], { HERON_HOME: home, ...env })

export const stopRuntime = async (rt: Running) => {
  rt.child.kill("SIGTERM")
  expect(await rt.exited).toBe(0)
}

/** Names left under one kind of the localfs state. */
export const stateEntries = (home: string, kind: string): Array<string> => {
  const dir = join(home, "local", "state", kind)
  return existsSync(dir) ? readdirSync(dir).filter((e) => !e.startsWith(".")) : []
}

