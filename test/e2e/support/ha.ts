/**
 * The high-availability scenario, for any cluster with `runtime.highAvailability`: two runtimes
 * serve it, one leads; SIGKILL of the leader hands the topology to the other, which adopts the
 * running containers (same pids) within `takeoverMs`.
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

const containerPids = async (base: string, cluster: string, topology: string): Promise<Map<number, number>> => {
  const body = await getJson(`${base}/scheduler/status?cluster=${cluster}&topology=${topology}`)
  const containers = isRecord(body) && Array.isArray(body["containers"]) ? body["containers"] : []
  return new Map(containers.flatMap((c: unknown) =>
    isRecord(c) && typeof c["index"] === "number" && typeof c["handle"] === "string" ? [[c["index"], Number(c["handle"].split("@")[0])] as const] : []))
}

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

export const haScenario = async (c: HaCase): Promise<void> => {
  const seen = new Set<number>()
  try {
    await scenario(c, seen)
  } finally {
    killGroups(seen)
  }
}

const scenario = async (c: HaCase, seen: Set<number>): Promise<void> => {
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
  const before = await containerPids(await trackerUrl(leader), c.cluster, "ha")
  for (const pid of before.values()) seen.add(pid)
  expect([...before.keys()].sort()).toEqual([0, 1])

  const killedAt = Date.now()
  leader.child.kill("SIGKILL")
  await waitFor(`the standby to take over (stderr: ${standby.stderr().slice(-2000)})`, () => (said(standby, `leading cluster ${c.cluster}`) ? true : undefined), c.takeoverMs)
  const tookMs = Date.now() - killedAt
  expect(tookMs).toBeLessThan(c.takeoverMs)
  // It adopts the running containers: same processes, none restarted.
  let adopted = new Map<number, number>()
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    adopted = await containerPids(standbyBase, c.cluster, "ha")
    for (const pid of adopted.values()) seen.add(pid)
    if (adopted.size === before.size) break
    await new Promise((r) => setTimeout(r, 200))
  }
  expect(adopted).toEqual(before)
  for (const pid of before.values()) expect(groupMembers(pid)).toContain(pid)

  const killed = await run("heron", ["kill", c.cluster, "ha", "--clusters-dir", c.clustersDir], c.env)
  expect(killed.code).toBe(0)
  for (const pid of before.values()) expect(groupMembers(pid)).toEqual([])
  standby.child.kill("SIGTERM")
  expect(await standby.exited).toBe(0)
}
