/**
 * The high-availability scenario, for any cluster with `runtime.highAvailability`: two runtimes
 * serve it, one leads and alone supervises; SIGKILL of the leader hands the topology to the other,
 * which adopts the running containers (same pids and start times) within `takeoverMs`.
 */
import { expect } from "vitest"
import { groupMembers, isRecord, getJson } from "../../support/localCluster.js"
import { logLines, run, start, trackerUrl, waitFor, type Running } from "../../support/processes.js"

export interface HaCase {
  readonly cluster: string
  readonly clustersDir: string
  readonly env: Record<string, string>
  /** The longest a takeover may take after the leader's death (session timeout + a few seconds). */
  readonly takeoverMs: number
}

/** Container index → the local scheduler's handle, `pid@starttime` (a restarted container has a new one). */
const containerHandles = async (base: string, cluster: string, topology: string): Promise<Map<number, string>> => {
  const body = await getJson(`${base}/scheduler/status?cluster=${cluster}&topology=${topology}`)
  const containers = isRecord(body) && Array.isArray(body["containers"]) ? body["containers"] : []
  return new Map(containers.flatMap((c: unknown) =>
    isRecord(c) && typeof c["index"] === "number" && typeof c["handle"] === "string" ? [[c["index"], c["handle"]] as const] : []))
}

const pidOf = (handle: string) => Number(handle.split("@")[0])

const messages = (r: Running) => logLines(r).flatMap((l) => (typeof l["message"] === "string" ? [l["message"]] : []))

const said = (r: Running, text: string) => logLines(r).some((l) => typeof l["message"] === "string" && l["message"].startsWith(text))

/** Kills the process groups of containers a failed run may have left behind. */
const killGroups = (pids: Iterable<number>) => {
  for (const pid of pids) {
    try {
      process.kill(-pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
}

/** Runs the scenario; resolves with how long the takeover took (ms from the SIGKILL). */
export const haScenario = async (c: HaCase): Promise<number> => {
  const seen = new Set<number>()
  try {
    return await scenario(c, seen)
  } finally {
    killGroups(seen)
  }
}

const scenario = async (c: HaCase, seen: Set<number>): Promise<number> => {
  const runtime = () => start("heron-runtime", ["--cluster", c.cluster, "--clusters-dir", c.clustersDir, "--port", "0"], c.env)
  const leader = runtime()
  await trackerUrl(leader)
  expect(said(leader, `leading cluster ${c.cluster}`)).toBe(true)
  const standby = runtime()
  const standbyBase = await trackerUrl(standby)
  expect(said(standby, `standby for cluster ${c.cluster}`)).toBe(true)

  const submitted = await run("heron", ["submit", c.cluster, "test/fixtures/topologies/ticker.ts", "--clusters-dir", c.clustersDir, "--name", "ha"], c.env)
  expect(submitted.stderr).toContain("[8/8] waiting for ha to run")
  expect(submitted.code).toBe(0)
  // Both serve the Tracker: the standby sees the topology too.
  const topologies = await getJson(`${standbyBase}/topologies?cluster=${c.cluster}`)
  expect(JSON.stringify(topologies)).toContain('"ha"')
  const before = await containerHandles(await trackerUrl(leader), c.cluster, "ha")
  for (const handle of before.values()) seen.add(pidOf(handle))
  expect([...before.keys()].sort()).toEqual([0, 1])
  for (const handle of before.values()) expect(handle).toMatch(/^\d+@\d+$/)
  // Only the leader supervises: it scheduled the containers, the standby did nothing.
  expect(said(leader, "scheduling 2 containers")).toBe(true)
  expect(said(standby, "supervising")).toBe(false)
  expect(said(standby, "scheduling")).toBe(false)

  const killedAt = Date.now()
  leader.child.kill("SIGKILL")
  await waitFor(`the standby to take over (stderr: ${standby.stderr().slice(-2000)})`, () => (said(standby, `leading cluster ${c.cluster}`) ? true : undefined), c.takeoverMs)
  const tookMs = Date.now() - killedAt
  expect(tookMs).toBeLessThan(c.takeoverMs)
  // It adopts the running containers: same processes (pid and start time), none restarted.
  let adopted = new Map<number, string>()
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    adopted = await containerHandles(standbyBase, c.cluster, "ha")
    for (const handle of adopted.values()) seen.add(pidOf(handle))
    if (adopted.size === before.size) break
    await new Promise((r) => setTimeout(r, 200))
  }
  expect(adopted).toEqual(before)
  for (const handle of before.values()) expect(groupMembers(pidOf(handle))).toContain(pidOf(handle))
  // ... because its local scheduler adopted them (by pid and start time) instead of launching any.
  const adoptedLine = `local scheduler: adopted ${before.size} container(s) of ha`
  await waitFor(`the new leader to adopt the containers (it said: ${messages(standby).join(" | ")})`, () => (said(standby, adoptedLine) ? true : undefined), 10_000)

  const killed = await run("heron", ["kill", c.cluster, "ha", "--clusters-dir", c.clustersDir], c.env)
  expect(killed.code).toBe(0)
  for (const handle of before.values()) expect(groupMembers(pidOf(handle))).toEqual([])
  standby.child.kill("SIGTERM")
  expect(await standby.exited).toBe(0)
  return tookMs
}
