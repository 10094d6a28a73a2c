// What a topology becomes on Slurm, without Slurm: the sbatch arguments from the cluster file's
// options and the packing plan, launch scripts run by a real `sh`, the batch script's syntax, and
// what is read back from `squeue`.
import { describe, expect, it } from "@effect/vitest"
import { Either, Option, Schema } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ContainerLaunch } from "../../../../core/Scheduler.js"
import { Config } from "../../../../plugins/schedulers/slurm/Config.js"
import * as Script from "../../../../plugins/schedulers/slurm/internal/Script.js"
import * as Squeue from "../../../../plugins/schedulers/slurm/internal/Squeue.js"
import { containerStatuses } from "../../../../plugins/schedulers/slurm/internal/Status.js"
import { request, topologyRef } from "./helpers.js"

const config = (o: typeof Config.Encoded = {}) => Schema.decodeUnknownSync(Config)(o)
const wc = request("wc", [0, 1, 2], (i) => ({ cpu: i === 0 ? 1 : 2.5, ramMb: i === 0 ? 512 : 1536 }))

describe("slurm job from a launch request", () => {
  it("sbatch: job named after the topology in its folder, one task per container sized by the largest, then the cluster file's options", () => {
    expect(Script.sbatchArgs(wc, config({ partition: "stream", account: "heron", timeLimit: "7-00:00:00", extraSbatchArgs: ["--qos=high"] }), "/shared/jobs/wc")).toEqual([
      "--parsable",
      "--job-name=wc",
      "--chdir=/shared/jobs/wc",
      "--output=/shared/jobs/wc/job.out",
      "--open-mode=append",
      "--ntasks=3",
      "--cpus-per-task=3",
      "--mem-per-cpu=512M",
      "--partition=stream",
      "--account=heron",
      "--time=7-00:00:00",
      "--qos=high",
      "/shared/jobs/wc/job.sh"
    ])
    expect(Script.sbatchArgs(wc, config({ requestResources: false }), "/d")).toEqual([
      "--parsable", "--job-name=wc", "--chdir=/d", "--output=/d/job.out", "--open-mode=append", "--ntasks=3", "/d/job.sh"
    ])
  })

  it("steps: each container asks its own cores and memory, or overlaps when resources are not requested", () => {
    const [c0, c1] = wc.containers
    expect(c0 && Script.stepArgs(c0, config())).toEqual(["--cpus-per-task=1", "--mem=512M"])
    expect(c1 && Script.stepArgs(c1, config())).toEqual(["--cpus-per-task=3", "--mem=1536M"])
    expect(c1 && Script.stepArgs(c1, config({ requestResources: false }))).toEqual(["--overlap"])
  })

  it("the job's shape changes with its size or a container's resources, not with what containers run", () => {
    const shape = Script.shapeOf(wc, config())
    const otherEnv = request("wc", [0, 1, 2], (i) => ({ cpu: i === 0 ? 1 : 2.5, ramMb: i === 0 ? 512 : 1536, env: { FOO: "x" }, args: ["--more"] }))
    expect(Script.shapeOf(otherEnv, config())).toBe(shape)
    expect(Script.shapeOf(request("wc", [0, 1, 2, 3], () => ({ cpu: 2.5, ramMb: 1536 })), config())).not.toBe(shape)
    expect(Script.shapeOf(request("wc", [0, 1, 2], (i) => ({ cpu: i === 0 ? 1 : 4, ramMb: 1536 })), config())).not.toBe(shape)
  })

  it("launch.sh passes env and argv through sh unchanged, whatever they hold, and adds index and topology", () => {
    const dir = mkdtempSync(join(tmpdir(), "heron-slurm-script-"))
    try {
      const tricky = `it's "quoted" $HOME \`date\` \\ ; & | * \n second line`
      const c = new ContainerLaunch({
        index: 4,
        resources: wc.containers[0]?.resources ?? { cpu: 1, ram: 0, disk: 0 },
        argv: [process.execPath, "-e", "console.log(JSON.stringify({ argv: process.argv.slice(1), env: process.env }))", "--", tricky, ""],
        env: { HERON_CLUSTER_SPEC: tricky, EMPTY: "" }
      })
      const file = join(dir, "launch.sh")
      writeFileSync(file, Script.launchScript(topologyRef("wc"), c))
      const r = spawnSync("sh", [file], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: "/home/x" } })
      expect(r.stderr).toBe("")
      const out: { argv: Array<string>; env: Record<string, string> } = JSON.parse(r.stdout)
      expect(out.argv).toEqual([tricky, ""])
      expect(out.env).toMatchObject({ HERON_CLUSTER_SPEC: tricky, EMPTY: "", HERON_CONTAINER_INDEX: "4", HERON_TOPOLOGY_NAME: "wc" })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("job.sh is valid sh that supervises every container with its own step arguments", () => {
    const text = Script.batchScript(wc, config({ restartBackoffMs: 250, maxRestartBackoffMs: 4000 }), "/shared/it's here/wc")
    const r = spawnSync("sh", ["-n"], { input: text, encoding: "utf8" })
    expect(r.status, r.stderr).toBe(0)
    expect(text).toContain(`dir='/shared/it'\\''s here/wc'`)
    expect(text).toContain("base_ms=250\nmax_ms=4000")
    expect(text.split("\n").filter((l) => l.startsWith("supervise "))).toEqual([
      "supervise 0 '--cpus-per-task=1' '--mem=512M' &",
      "supervise 1 '--cpus-per-task=3' '--mem=1536M' &",
      "supervise 2 '--cpus-per-task=3' '--mem=1536M' &"
    ])
  })
})

describe("squeue output", () => {
  it("jobs from --json, with the state as a string (22.05) or a list of flags (23.02+)", () => {
    const json = JSON.stringify({
      meta: {},
      errors: [],
      jobs: [
        { job_id: 7, name: "wc", job_state: "RUNNING", state_reason: "None", current_working_directory: "/d", tasks: 3, extra: true },
        { job_id: 8, name: "wc", job_state: ["CANCELLED"], state_reason: null }
      ]
    })
    const jobs = Either.getOrThrow(Squeue.decodeJobs(json))
    expect(jobs.map((j) => [j.job_id, Squeue.stateOf(j), Squeue.hasEnded(j)])).toEqual([[7, "RUNNING", false], [8, "CANCELLED", true]])
    expect(Either.isLeft(Squeue.decodeJobs("squeue: error: not json"))).toBe(true)
  })

  it("container steps from --steps text; the batch step and foreign steps are left out", () => {
    const text = ["7.0|container-1.0", "7.3|container-0.2", "7.batch|batch", "7.4|something-else", "17.1|container-12.5", ""].join("\n")
    expect(Squeue.parseSteps(text)).toEqual([
      { jobId: 7, stepId: 0, index: 1, restarts: 0 },
      { jobId: 7, stepId: 3, index: 0, restarts: 2 },
      { jobId: 17, stepId: 1, index: 12, restarts: 5 }
    ])
    expect(Squeue.stepName(3, 4)).toBe("container-3.4")
  })
})

describe("container statuses from what squeue says", () => {
  const stored = { topology: topologyRef("wc"), jobId: 42, shape: "", containers: wc.containers }
  const job = (job_state: string, state_reason = "None"): Squeue.Job => ({ job_id: 42, name: "wc", job_state, state_reason })
  const view = (j: Option.Option<Squeue.Job>, steps: ReadonlyArray<Squeue.ContainerStep> = []) =>
    containerStatuses(stored, j, steps).map((c) => [c.index, c.state, c.handle, c.restarts, c.message ?? ""])

  it("a queued job: every container pending, with Slurm's reason", () => {
    expect(view(Option.some(job("PENDING", "Resources")))[0]).toEqual([0, "pending", "42", 0, "job 42 is PENDING (Resources)"])
  })

  it("a running job: a container with a step runs (handle job.step, restarts from the step name); one without is between runs", () => {
    const steps = [{ jobId: 42, stepId: 5, index: 0, restarts: 0 }, { jobId: 42, stepId: 9, index: 2, restarts: 3 }]
    expect(view(Option.some(job("RUNNING")), steps)).toEqual([
      [0, "running", "42.5", 0, ""],
      [1, "pending", "42", 0, "job 42 runs; container 1 is between two runs"],
      [2, "running", "42.9", 3, ""]
    ])
  })

  it("an ended job: exited when completed or cancelled, failed otherwise; unknown once Slurm forgot it", () => {
    expect(view(Option.some(job("CANCELLED")))[1]?.slice(1, 2)).toEqual(["exited"])
    expect(view(Option.some(job("TIMEOUT")))[1]).toEqual([1, "failed", "42", 0, "job 42 ended: TIMEOUT"])
    expect(view(Option.some(job("NODE_FAIL", "NodeDown")))[2]?.[4]).toBe("job 42 ended: NODE_FAIL (NodeDown)")
    expect(view(Option.none())[0]).toEqual([0, "unknown", "42", 0, "job 42 is no longer known to Slurm"])
  })
})
