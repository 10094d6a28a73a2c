// Multi-cluster in practice: one `heron-runtime --cluster local --cluster slurm` process serves the
// local cluster and a real Slurm (started by the test) at once; the same `heron` CLI submits the
// word count to each, the one Tracker shows both, and each runs where its cluster says: local
// process groups on one side, steps of a Slurm job on the other.
import { describe, expect, it } from "vitest"
import { isRecord, result } from "../support/localCluster.js"
import { patientTrackerUrl, run, start, tempHome } from "../support/processes.js"
import { polling } from "../support/polling.js"
import { slurmStepOf } from "../support/services/slurm.js"
import { slurmSuite } from "./support/slurmSuite.js"

const { skip, slurm } = slurmSuite()

const until = polling({ timeoutMs: 30_000, everyMs: 250, onProbeError: "fail" })

/** Stream manager pids of a topology's physical plan in the Tracker. */
const stmgrPids = async (base: string, cluster: string, topology: string): Promise<Array<number>> => {
  const plan = await result(`${base}/topologies/physicalplan?cluster=${cluster}&environ=default&topology=${topology}`)
  if (!isRecord(plan) || !isRecord(plan["stmgrs"])) return []
  return Object.values(plan["stmgrs"]).flatMap((s) => (isRecord(s) && typeof s["pid"] === "number" ? [s["pid"]] : []))
}

/** The topology names the Tracker lists for a cluster (`/topologies?cluster=`: role → environ → names). */
const listed = async (base: string, cluster: string): Promise<Array<string>> => {
  const r = await result(`${base}/topologies?cluster=${cluster}`)
  const byRole = isRecord(r) && isRecord(r[cluster]) ? r[cluster] : {}
  return Object.values(byRole).flatMap((byEnviron) =>
    isRecord(byEnviron) ? Object.values(byEnviron).flatMap((names) => (Array.isArray(names) ? names.map(String) : [])) : [])
}

describe.skipIf(skip)("one runtime, two clusters", () => {
  it("heron-runtime --cluster local --cluster slurm serves both; the same CLI submits to each and kills each", async () => {
    const s = slurm()
    const home = tempHome()
    const env = { ...s.env, HERON_HOME: home.dir, HERON_API_TOKENS: "alice:multi-cluster-token", USER: "alice" }
    const rt = start("heron-runtime", ["--cluster", "local", "--cluster", "slurm", "--port", "0"], env)
    const base = await patientTrackerUrl(rt)
    expect(await result(`${base}/clusters`)).toEqual(["local", "slurm"])

    const [onLocal, onSlurm] = await Promise.all([
      run("heron", ["submit", "local", "examples/word-count.ts", "--name", "wc-local", "--json"], env),
      run("heron", ["submit", "slurm", "examples/word-count.ts", "--name", "wc-slurm", "--json"], env)
    ])
    expect(onLocal.code, onLocal.stderr).toBe(0)
    expect(onSlurm.code, onSlurm.stderr).toBe(0)
    expect(JSON.parse(onLocal.stdout)).toMatchObject({ cluster: "local", topology: "wc-local", state: "RUNNING" })
    expect(JSON.parse(onSlurm.stdout)).toMatchObject({ cluster: "slurm", topology: "wc-slurm", state: "RUNNING" })

    // Each cluster lists its own topology only.
    expect(await listed(base, "local")).toEqual(["wc-local"])
    expect(await listed(base, "slurm")).toEqual(["wc-slurm"])

    // Each runs where its cluster says: local processes outside Slurm, Slurm job steps.
    const localPids = await stmgrPids(base, "local", "wc-local")
    const slurmPids = await stmgrPids(base, "slurm", "wc-slurm")
    expect(localPids).toHaveLength(2)
    expect(slurmPids).toHaveLength(2)
    for (const pid of localPids) expect(slurmStepOf(pid)).toBeUndefined()
    const steps = slurmPids.map(slurmStepOf)
    for (const step of steps) expect(step).toBeDefined()
    expect(new Set(steps.map((st) => st?.jobId)).size).toBe(1)
    // The slurm side is not mistaken for the local one, nor the other way round.
    expect(await stmgrPids(base, "local", "wc-slurm")).toEqual([])
    expect(await stmgrPids(base, "slurm", "wc-local")).toEqual([])

    const [killedLocal, killedSlurm] = await Promise.all([
      run("heron", ["kill", "local", "wc-local"], env),
      run("heron", ["kill", "slurm", "wc-slurm"], env)
    ])
    expect(killedLocal.stdout).toBe("topology wc-local killed on local/alice/default: containers stopped, state and package removed\n")
    expect(killedSlurm.stdout).toBe("topology wc-slurm killed on slurm/alice/default: containers stopped, state and package removed\n")
    // The Tracker follows the state managers' watches.
    await until("both clusters empty in the Tracker", async () =>
      (await listed(base, "local")).length === 0 && (await listed(base, "slurm")).length === 0 ? true : undefined)
    expect((await s.command("squeue", ["--noheader", "--format=%i"])).trim()).toBe("")

    rt.child.kill("SIGTERM")
    expect(await rt.exited).toBe(0)
    home.cleanup()
  }, 420_000)
})
