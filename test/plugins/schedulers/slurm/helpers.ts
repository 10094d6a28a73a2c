/** Shared helpers of the slurm scheduler tests: the plugin built as the host builds it, launch
 * requests running a fixture container, and what `squeue --json` says of a job. */
import { Effect, Schema, type Scope } from "effect"
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { PluginError } from "../../../../core/Plugin.js"
import { ContainerLaunch, LaunchRequest, type SchedulerService, TopologyRef } from "../../../../core/Scheduler.js"
import { PackingPlan, Resources } from "../../../../core/model/PackingPlan.js"
import { type Config, definition } from "../../../../plugins/schedulers/slurm/index.js"
import type { SlurmServer } from "../../../support/services/slurm.js"
import { buildScheduler, eventuallyEvery } from "../helpers.js"

export const fixture = fileURLToPath(new URL("./fixtures/container.mjs", import.meta.url))
const MiB = 1024 * 1024

export const topologyRef = (name: string) =>
  new TopologyRef({ cluster: "test", role: "tester", environ: "default", name, id: `${name}-id` })

export interface ContainerSpec {
  readonly cpu?: number
  readonly ramMb?: number
  readonly args?: ReadonlyArray<string>
  readonly env?: Record<string, string>
}

/** A request for containers `indexes`, each running the fixture (1 core, 256 MB and `FOO=bar` unless `spec` says otherwise). */
export const request = (name: string, indexes: ReadonlyArray<number>, spec: (i: number) => ContainerSpec = () => ({})) =>
  new LaunchRequest({
    topology: topologyRef(name),
    packingPlan: new PackingPlan({ id: `${name}-id`, containers: [] }),
    packageUri: "file:///nowhere",
    containers: indexes.map((index) => {
      const s = spec(index)
      return new ContainerLaunch({
        index,
        resources: new Resources({ cpu: s.cpu ?? 1, ram: (s.ramMb ?? 256) * MiB, disk: 0 }),
        argv: [process.execPath, fixture, ...(s.args ?? [])],
        env: s.env ?? { FOO: "bar" }
      })
    })
  })

/** Fast settings, so that tests wait for events, not for default delays. */
export const fast = (slurm: SlurmServer): typeof Config.Encoded => ({
  slurmConf: slurm.conf,
  restartBackoffMs: 200,
  maxRestartBackoffMs: 1000,
  killGraceMs: 5000,
  waitTimeoutMs: 60_000
})

/** Builds the plugin in the current scope, its options decoded through the definition's schema. */
export const scheduler = (home: string, options: typeof Config.Encoded): Effect.Effect<SchedulerService, PluginError, Scope.Scope> =>
  buildScheduler(definition, { cluster: "test", home }, options)

/** Repeats `self` every 200 ms until `done` holds; dies with the last value after `timeoutMs` (30 s). */
export const eventually = eventuallyEvery("200 millis", 30_000)

/** The fields of a `squeue --json` job the tests read. */
const SqueueJob = Schema.Struct({
  job_id: Schema.Number,
  name: Schema.String,
  job_state: Schema.String,
  tasks: Schema.Number,
  cpus: Schema.Number,
  current_working_directory: Schema.String
})
export type SqueueJob = typeof SqueueJob.Type
const SqueueAnswer = Schema.parseJson(Schema.Struct({ jobs: Schema.Array(SqueueJob) }))

/** Every job `squeue --json` lists (it ignores filters in 22.05). */
export const squeueJobs = (slurm: SlurmServer) =>
  slurm.command("squeue", ["--json"]).pipe(Effect.flatMap(Schema.decodeUnknown(SqueueAnswer)), Effect.map((a) => a.jobs), Effect.orDie)

/** The jobs of a topology's name that Slurm has not ended. */
export const liveJobsNamed = (slurm: SlurmServer, name: string) =>
  Effect.map(squeueJobs(slurm), (jobs) => jobs.filter((j) => j.name === name && !["COMPLETED", "CANCELLED", "FAILED"].includes(j.job_state)))

/** The topology's folder in the scheduler's default working directory. */
export const topologyDir = (home: string, name: string): string => join(home, "slurm", name)

/** A container's log so far ("" before it exists). */
export const containerLog = (home: string, name: string, index: number): string => {
  const file = join(topologyDir(home, name), `container-${index}`, "container.log")
  return existsSync(file) ? readFileSync(file, "utf8") : ""
}

/** Pids of the live processes whose working folder is under `dir`. */
export const processesUnder = (dir: string): Array<number> => {
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e)).flatMap((e) => {
    try {
      return readlinkSync(`/proc/${e}/cwd`).startsWith(dir) ? [Number(e)] : []
    } catch {
      return []
    }
  })
}
