// The slurm scheduler against a real slurmctld + slurmd (test/support/services/slurm.ts), with a
// fixture container that reports its env, cwd and step: schedule, observe, restart, relaunch,
// update, kill, and the errors Slurm gives.
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { SchedulerService } from "../../../../core/Scheduler.js"
import { launchSlurm, type LaunchedSlurm, skipWithoutSlurm } from "../../../support/services/slurm.js"
import {
  containerLog,
  eventually,
  fast,
  liveJobsNamed,
  processesUnder,
  request,
  scheduler,
  squeueJobs,
  topologyDir,
  topologyRef
} from "./helpers.js"

const skip = skipWithoutSlurm()
let slurm: LaunchedSlurm
const root = mkdtempSync(join(tmpdir(), "heron-slurm-test-"))
let homes = 0
const home = () => join(root, `home-${homes++}`)

beforeAll(async () => {
  if (!skip) slurm = await launchSlurm({ cpus: 8, realMemoryMb: 8000 })
}, 60_000)
afterAll(async () => {
  await slurm?.close()
  rmSync(root, { recursive: true, force: true })
}, 120_000)

// The Effect face of the launched server, for the helpers.
const server = () => ({ ...slurm, command: (p: string, a: ReadonlyArray<string>) => Effect.promise(() => slurm.command(p, a)) })

const running = (s: SchedulerService, name: string, n: number) =>
  eventually(s.status(topologyRef(name)), (st) => st.length === n && st.every((c) => c.state === "running"))

describe.skipIf(skip)("slurm scheduler on a real Slurm", () => {
  it.scopedLive("schedule: one job named after the topology, one task per container, each container its own step with its env, cwd and cores", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, fast(server()))
      yield* s.schedule(request("wc", [0, 1, 2], (i) => ({ cpu: i === 0 ? 1 : 2, ramMb: 300, env: { FOO: `it's "$HOME" ${i}` } })))
      const status = yield* running(s, "wc", 3)
      const [job] = yield* liveJobsNamed(server(), "wc")
      expect(job).toMatchObject({ name: "wc", job_state: "RUNNING", tasks: 3, cpus: 6, current_working_directory: topologyDir(h, "wc") })
      expect(status.map((c) => c.index)).toEqual([0, 1, 2])
      const st = yield* s.status(topologyRef("wc"))
      for (const c of st) expect(c.handle).toMatch(new RegExp(`^${job?.job_id}\\.\\d+$`))
      for (const i of [0, 1, 2]) {
        const log = yield* eventually(Effect.sync(() => containerLog(h, "wc", i)), (l) => l.includes("ready"))
        const handle = st.find((c) => c.index === i)?.handle
        expect(log).toContain(`started container ${i} of wc`)
        expect(log).toContain(`step ${handle} cpus ${i === 0 ? 1 : 2} cwd ${join(topologyDir(h, "wc"), `container-${i}`)}`)
        expect(log).toContain(`FOO=${JSON.stringify(`it's "$HOME" ${i}`)}`)
      }

      // Scheduling again adopts the job.
      yield* s.schedule(request("wc", [0, 1, 2]))
      expect((yield* liveJobsNamed(server(), "wc")).map((j) => j.job_id)).toEqual([job?.job_id])

      // Job links: `scontrol show job` in a file named after the job, then the logs.
      const links = yield* s.jobLinks(topologyRef("wc"))
      expect(links[0]).toBe(`file://${topologyDir(h, "wc")}/job-${job?.job_id}.txt`)
      const details = readFileSync(fileURLToPath(links[0] ?? ""), "utf8")
      expect(details).toContain(`JobId=${job?.job_id} JobName=wc`)
      expect(details).toContain("NumTasks=3 CPUs/Task=2")
      expect(links.slice(1)).toEqual(["job.out", "container-0/container.log", "container-1/container.log", "container-2/container.log"]
        .map((f) => `file://${topologyDir(h, "wc")}/${f}`))
      yield* s.kill(topologyRef("wc"))
    }), 120_000)

  it.scopedLive("restart of one container replaces only its step, inside the same job; restart of all replaces every step", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, fast(server()))
      yield* s.schedule(request("rs", [0, 1, 2]))
      const before = yield* running(s, "rs", 3)
      const [job] = yield* liveJobsNamed(server(), "rs")
      yield* eventually(Effect.sync(() => containerLog(h, "rs", 1)), (l) => l.includes("ready"))

      yield* s.restart(topologyRef("rs"), Option.some(1))
      const after = yield* running(s, "rs", 3)
      expect(after.map((c) => c.restarts)).toEqual([0, 1, 0])
      expect(after[1]?.handle).not.toBe(before[1]?.handle)
      expect([after[0]?.handle, after[2]?.handle]).toEqual([before[0]?.handle, before[2]?.handle])
      // The old run got SIGTERM (and said so), then the batch script started it again at once.
      const log = yield* eventually(Effect.sync(() => containerLog(h, "rs", 1)), (l) => l.split("ready").length === 3)
      expect(log).toMatch(/terminated \d+/)
      expect(readFileSync(join(topologyDir(h, "rs"), "job.out"), "utf8")).toContain("container 1: restarted on request")
      expect((yield* liveJobsNamed(server(), "rs")).map((j) => j.job_id)).toEqual([job?.job_id])

      yield* s.restart(topologyRef("rs"), Option.none())
      const all = yield* running(s, "rs", 3)
      expect(all.map((c) => c.restarts)).toEqual([1, 2, 1])

      const missing = yield* Effect.exit(s.restart(topologyRef("rs"), Option.some(7)))
      expect(missing).toMatchObject(Exit.fail({ op: "restart", topology: "rs", message: "topology rs has no container 7", retryable: false }))
      yield* s.kill(topologyRef("rs"))
    }), 120_000)

  it.scopedLive("a container whose step ends by itself is started again by the batch script", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, fast(server()))
      yield* s.schedule(request("crash", [0, 1], (i) => ({ args: i === 1 ? ["--crash-once=3"] : [] })))
      const st = yield* eventually(s.status(topologyRef("crash")), (xs) => xs.length === 2 && xs.every((c) => c.state === "running") && xs[1]?.restarts === 1)
      expect(st.map((c) => c.restarts)).toEqual([0, 1])
      expect(readFileSync(join(topologyDir(h, "crash"), "job.out"), "utf8")).toMatch(/container 1 ended with 3; starting it again in 200 ms/)
      yield* s.kill(topologyRef("crash"))
    }), 120_000)

  it.scopedLive("update: what containers run changes inside the job; a new size is a new job", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, fast(server()))
      yield* s.schedule(request("up", [0, 1, 2]))
      const before = yield* running(s, "up", 3)
      const [first] = yield* liveJobsNamed(server(), "up")

      yield* s.update(request("up", [0, 1, 2], (i) => ({ env: { FOO: i === 2 ? "changed" : "bar" } })))
      const after = yield* running(s, "up", 3)
      expect((yield* liveJobsNamed(server(), "up")).map((j) => j.job_id)).toEqual([first?.job_id])
      expect(after.map((c) => c.restarts)).toEqual([0, 0, 1])
      expect([after[0]?.handle, after[1]?.handle]).toEqual([before[0]?.handle, before[1]?.handle])
      yield* eventually(Effect.sync(() => containerLog(h, "up", 2)), (l) => l.includes('FOO="changed"'))

      yield* s.update(request("up", [0, 1, 2, 3]))
      yield* running(s, "up", 4)
      const jobs = yield* squeueJobs(server())
      const live = jobs.filter((j) => j.name === "up" && j.job_state === "RUNNING")
      expect(live).toHaveLength(1)
      expect(live[0]?.job_id).not.toBe(first?.job_id)
      expect(live[0]?.tasks).toBe(4)
      expect(jobs.find((j) => j.job_id === first?.job_id)?.job_state).toBe("CANCELLED")
      yield* s.kill(topologyRef("up"))
    }), 120_000)

  it.scopedLive("kill: the job is cancelled and its processes gone; killing again, or an unknown topology, succeeds", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, fast(server()))
      yield* s.schedule(request("gone", [0, 1]))
      yield* running(s, "gone", 2)
      const [job] = yield* liveJobsNamed(server(), "gone")
      expect(processesUnder(topologyDir(h, "gone")).length).toBeGreaterThanOrEqual(2)

      yield* s.kill(topologyRef("gone"))
      const jobs = yield* squeueJobs(server())
      expect(jobs.find((j) => j.job_id === job?.job_id)?.job_state).toBe("CANCELLED")
      expect(yield* server().command("squeue", ["--noheader", "--format=%i"])).not.toContain(String(job?.job_id))
      expect(processesUnder(topologyDir(h, "gone"))).toEqual([])
      expect(existsSync(join(topologyDir(h, "gone"), "job.json"))).toBe(false)
      expect(yield* s.status(topologyRef("gone"))).toEqual([])
      yield* s.kill(topologyRef("gone"))
      yield* s.kill(topologyRef("never-scheduled"))
    }), 120_000)

  it.scopedLive("without resource requests and with --overcommit, more containers than CPUs share one CPU as overlapping steps", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, { ...fast(server()), requestResources: false, extraSbatchArgs: ["--overcommit"] })
      yield* s.schedule(request("small", [0, 1, 2, 3, 4], () => ({ cpu: 4, ramMb: 4000 })))
      yield* running(s, "small", 5)
      const [job] = yield* liveJobsNamed(server(), "small")
      expect(job).toMatchObject({ tasks: 5, cpus: 1 })
      yield* s.kill(topologyRef("small"))
    }), 120_000)

  it.scopedLive("errors carry the command and Slurm's answer", () =>
    Effect.gen(function*() {
      const h = home()
      const s = yield* scheduler(h, { ...fast(server()), partition: "debug" })
      // Slurm 22.05 accepts a job larger than its partition and would keep it PENDING for ever.
      const tooBig = yield* Effect.flip(s.schedule(request("huge", [0, 1], () => ({ cpu: 64 }))))
      expect(tooBig).toMatchObject({ _tag: "SchedulerError", op: "schedule", topology: "huge", retryable: false })
      expect(tooBig.message).toMatch(/^Slurm accepted job \d+ of huge but can never start it: PENDING \(PartitionConfig\); it asks for --ntasks=2 --cpus-per-task=64 --mem-per-cpu=4M in partition debug$/)
      expect(yield* liveJobsNamed(server(), "huge")).toEqual([])
      expect(existsSync(join(topologyDir(h, "huge"), "job.json"))).toBe(false)

      // What sbatch refuses is reported with the command line and what sbatch said.
      const tooMuchMemory = yield* Effect.flip(s.schedule(request("mem", [0], () => ({ cpu: 1, ramMb: 64_000 }))))
      expect(tooMuchMemory.message).toContain("sbatch --parsable --job-name=mem")
      expect(tooMuchMemory.message).toMatch(/--mem-per-cpu=64000M .*failed \(exit 1\): .*Memory specification can not be satisfied/s)

      const noPartition = yield* Effect.flip(Effect.flatMap(scheduler(home(), { ...fast(server()), partition: "nope" }), (x) => x.schedule(request("np", [0]))))
      expect(noPartition.message).toMatch(/--partition=nope.*invalid partition/is)

      const notScheduled = yield* Effect.flip(s.restart(topologyRef("nothing"), Option.none()))
      expect(notScheduled).toMatchObject({ op: "restart", retryable: false })
      expect(notScheduled.message).toContain("topology nothing is not scheduled on Slurm")

      const badBinary = yield* Effect.flip(scheduler(home(), { ...fast(server()), commands: { sbatch: "/nonexistent/sbatch" } }))
      expect(badBinary).toMatchObject({ _tag: "PluginError", plugin: "scheduler/slurm" })
      expect(badBinary.message).toContain("/nonexistent/sbatch --version could not run")
    }), 120_000)
})
