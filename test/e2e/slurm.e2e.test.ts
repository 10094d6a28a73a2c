// The word count on a real Slurm (slurmctld + slurmd + munged started by the test): a real
// `heron-runtime --cluster slurm` (clusters/slurm.heron.ts: the slurm scheduler, localfs state and
// packages under HERON_HOME, SLURM_CONF and HERON_API_TOKENS from the environment) and the real
// `heron` CLI. The containers run as steps of one Slurm job, fetch their package through the
// uploader and register through the state manager: the Tracker serves their physical plan and
// metrics as on the local cluster.
import { describe, expect, it } from "vitest"
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { isRecord, processesUnder, result } from "../support/localCluster.js"
import { polling } from "../support/polling.js"
import { patientTrackerUrl, run, start, tempHome } from "../support/processes.js"
import { type LaunchedSlurm, slurmStepOf } from "../support/services/slurm.js"
import { slurmSuite } from "./support/slurmSuite.js"

const { skip, slurm } = slurmSuite()

/** Polls every 500 ms, for up to 2 minutes. */
const until = polling({ timeoutMs: 120_000, everyMs: 500 })

/** The jobs `squeue --json` lists, with the fields read here. */
const squeueJobs = async (s: LaunchedSlurm) => {
  const answer: unknown = JSON.parse(await s.command("squeue", ["--json"]))
  const jobs = isRecord(answer) && Array.isArray(answer["jobs"]) ? answer["jobs"] : []
  return jobs.flatMap((j: unknown) =>
    isRecord(j) && typeof j["job_id"] === "number"
      ? [{ id: j["job_id"], name: String(j["name"]), state: String(j["job_state"]), tasks: Number(j["tasks"]) }]
      : [])
}

/** Stream manager id → pid, from the Tracker's physical plan of `cluster`. */
const stmgrPids = async (base: string, cluster: string, topology: string) => {
  const plan = await result(`${base}/topologies/physicalplan?cluster=${cluster}&environ=default&topology=${topology}`)
  if (!isRecord(plan) || !isRecord(plan["stmgrs"])) return undefined
  return Object.fromEntries(Object.entries(plan["stmgrs"]).flatMap(([id, s]) => (isRecord(s) && typeof s["pid"] === "number" ? [[id, s["pid"]]] : [])))
}

/** The sum over the count bolt's instances of the words it executed, per the Tracker's metrics. */
const executed = async (base: string, cluster: string, topology: string) => {
  const name = "__execute-count/split/default"
  const r = await result(`${base}/topologies/metrics?cluster=${cluster}&environ=default&topology=${topology}&component=count&metricname=${encodeURIComponent(name)}&interval=-1`)
  const values = isRecord(r) && isRecord(r["metrics"]) && isRecord(r["metrics"][name]) ? Object.values(r["metrics"][name]).map(Number) : []
  return values.length === 2 ? values.reduce((a, b) => a + b, 0) : undefined
}

/** `/scheduler/status` of the runtime: index → handle and restarts. */
const schedulerStatus = async (base: string, cluster: string, topology: string) => {
  const body: unknown = await (await fetch(`${base}/scheduler/status?cluster=${cluster}&topology=${topology}`)).json()
  const containers = isRecord(body) && Array.isArray(body["containers"]) ? body["containers"] : []
  return containers.flatMap((c: unknown) =>
    isRecord(c) ? [{ index: Number(c["index"]), state: String(c["state"]), handle: String(c["handle"]), restarts: Number(c["restarts"]) }] : [])
}

describe.skipIf(skip)("word count on a real Slurm", () => {
  it("heron submit slurm: one Slurm job, a step per container, physical plan and counts in the Tracker; restart; kill leaves no job", async () => {
    const s = slurm()
    const home = tempHome()
    const env = { ...s.env, HERON_HOME: home.dir, HERON_API_TOKENS: "alice:slurm-e2e-token", USER: "alice" }
    const rt = start("heron-runtime", ["--cluster", "slurm", "--port", "0"], env)
    const base = await patientTrackerUrl(rt)

    const submitted = await run("heron", ["submit", "slurm", "examples/word-count.ts", "--json", "--config-property", "topology.metrics.interval.secs=1"], env)
    expect(submitted.code, submitted.stderr).toBe(0)
    expect(JSON.parse(submitted.stdout)).toMatchObject({ cluster: "slurm", role: "alice", topology: "word-count", state: "RUNNING", containers: 2 })

    // One job, named after the topology, one task per container.
    const job = (await squeueJobs(s)).find((j) => j.name === "word-count" && j.state === "RUNNING")
    expect(job).toMatchObject({ tasks: 3 })
    const jobId = job?.id ?? -1

    // The stream managers of the physical plan are processes of that job's steps, in its folder.
    const jobs = join(home.dir, "slurm", "jobs", "word-count")
    const stmgrs = await until("the physical plan", () => stmgrPids(base, "slurm", "word-count"))
    expect(Object.keys(stmgrs).sort()).toEqual(["stmgr-1", "stmgr-2"])
    for (const [id, pid] of Object.entries(stmgrs)) {
      expect(slurmStepOf(pid)).toMatchObject({ jobId })
      expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(join(jobs, `container-${id.slice("stmgr-".length)}`))
    }
    const status = await schedulerStatus(base, "slurm", "word-count")
    expect(status.map((c) => [c.index, c.state])).toEqual([[0, "running"], [1, "running"], [2, "running"]])
    for (const c of status) expect(c.handle).toMatch(new RegExp(`^${jobId}\\.\\d+$`))

    // Counts move: the count bolt's executed words grow between two readings.
    const first = await until("the count bolt's first executed words", async () => {
      const n = await executed(base, "slurm", "word-count")
      return n !== undefined && n > 0 ? n : undefined
    })
    await until("more executed words", async () => {
      const n = await executed(base, "slurm", "word-count")
      return n !== undefined && n > first ? n : undefined
    })

    // The scheduler location links to `scontrol show job` of the job.
    const location = await result(`${base}/topologies/schedulerlocation?cluster=slurm&environ=default&topology=word-count`)
    const link = isRecord(location) ? String(location["job_page_link"]) : ""
    expect(link).toBe(`file://${jobs}/job-${jobId}.txt`)
    expect(readFileSync(fileURLToPath(link), "utf8")).toContain(`JobId=${jobId} JobName=word-count`)

    // Restart of container 1: a new step of the same job; the physical plan follows.
    // The cluster has API tokens: a restart is an action of the runtime, so it takes alice's.
    const restarted = await run("heron", ["restart", "slurm", "word-count", "1"], { ...env, HERON_API_TOKEN: "slurm-e2e-token" })
    expect(restarted.stdout, restarted.stderr).toBe("restarted container 1 of word-count\n")
    const after = await schedulerStatus(base, "slurm", "word-count")
    expect(after.map((c) => c.restarts)).toEqual([0, 1, 0])
    expect(after[1]?.handle).not.toBe(status[1]?.handle)
    expect([after[0]?.handle, after[2]?.handle]).toEqual([status[0]?.handle, status[2]?.handle])
    const replanned = await until("stmgr-1 back in the physical plan with a new process", async () => {
      const p = await stmgrPids(base, "slurm", "word-count")
      return p?.["stmgr-1"] !== undefined && p["stmgr-1"] !== stmgrs["stmgr-1"] ? p : undefined
    })
    expect(slurmStepOf(replanned["stmgr-1"] ?? -1)).toMatchObject({ jobId })

    // Kill: the job is cancelled, no container process is left, state and package are gone.
    const killed = await run("heron", ["kill", "slurm", "word-count"], env)
    expect(killed.code, killed.stderr).toBe(0)
    expect((await squeueJobs(s)).find((j) => j.id === jobId)?.state).toBe("CANCELLED")
    expect(processesUnder(jobs)).toEqual([])
    expect(existsSync(join(jobs, "job.json"))).toBe(false)
    expect(existsSync(join(home.dir, "slurm", "state", "topologies", "word-count"))).toBe(false)
    const packages = join(home.dir, "slurm", "packages")
    expect(existsSync(packages) ? readdirSync(packages) : []).toEqual([])

    rt.child.kill("SIGTERM")
    expect(await rt.exited).toBe(0)
    expect(rt.stderr()).not.toContain("slurm-e2e-token")
    home.cleanup()
  }, 420_000)
})
