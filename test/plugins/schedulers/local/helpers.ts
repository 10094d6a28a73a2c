/** Shared helpers of the local scheduler tests: real processes, temp folders, /proc probes. */
import { afterAll } from "@effect/vitest"
import { Effect, type Scope } from "effect"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { PluginError } from "../../../../core/Plugin.js"
import { ContainerLaunch, LaunchRequest, type SchedulerService, TopologyRef } from "../../../../core/Scheduler.js"
import { PackingPlan, Resources } from "../../../../core/model/PackingPlan.js"
import { type Config, definition } from "../../../../plugins/schedulers/local/index.js"
import * as Shared from "../helpers.js"

export const fixture = fileURLToPath(new URL("./fixtures/container.mjs", import.meta.url))

const makeRoot = (): string => mkdtempSync(join(tmpdir(), "heron-local-test-"))

const errnoCode = (e: unknown): string | undefined =>
  e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : undefined

const statFields = (pid: number): Array<string> => {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8")
  return text.slice(text.lastIndexOf(")") + 1).trim().split(/\s+/)
}

/** SIGKILLs the process group of every process whose cwd is under `root` (containers, their
 * grandchildren, test sleepers), then deletes `root`. Safe to call whatever state a test left. */
const cleanup = (root: string): void => {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (!readlinkSync(`/proc/${entry}/cwd`).startsWith(root)) continue
      const pgid = Number(statFields(Number(entry))[2])
      if (pgid > 1 && pgid !== process.pid) process.kill(-pgid, "SIGKILL")
      process.kill(Number(entry), "SIGKILL")
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  rmSync(root, { recursive: true, force: true })
}

/** True when no process has this pid (kill(pid, 0) fails with ESRCH). */
export const isGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return false
  } catch (e) {
    return errnoCode(e) === "ESRCH"
  }
}

/** What /proc says of a live process. */
export const procInfo = (pid: number) => {
  const split = (file: string) => readFileSync(`/proc/${pid}/${file}`, "utf8").split("\0").filter((s) => s.length > 0)
  return {
    cwd: readlinkSync(`/proc/${pid}/cwd`),
    cmdline: split("cmdline"),
    env: Object.fromEntries(split("environ").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])),
    pgid: Number(statFields(pid)[2]),
    startTime: Number(statFields(pid)[19])
  }
}

export const pidOf = (handle: string): number => Number(handle.split("@")[0])

export const readJson = (file: string): unknown => JSON.parse(readFileSync(file, "utf8"))
export { existsSync, readFileSync }

/** Repeats `self` every 50 ms until `done` holds; dies with the last value after `timeoutMs` (10 s). */
export const eventually = Shared.eventuallyEvery("50 millis", 10_000)

export const topologyRef = (name: string) =>
  new TopologyRef({ cluster: "test", role: "tester", environ: "default", name, id: `${name}-id` })

/** A request for containers `indexes`, each running the fixture with `args(index)`. */
export const request = (name: string, indexes: ReadonlyArray<number>, args: (i: number) => ReadonlyArray<string> = () => [], env: (i: number) => Record<string, string> = () => ({ FOO: "bar" })) =>
  new LaunchRequest({
    topology: topologyRef(name),
    packingPlan: new PackingPlan({ id: `${name}-id`, containers: [] }),
    packageUri: "file:///nowhere",
    containers: indexes.map((index) =>
      new ContainerLaunch({
        index,
        resources: new Resources({ cpu: 1, ram: 1024, disk: 1024 }),
        argv: [process.execPath, fixture, ...args(index)],
        env: env(index)
      })
    )
  })

/** Fast settings, so that tests wait for events, not for default delays. */
export const fast: typeof Config.Encoded = { restartBackoffMs: 100, maxRestartBackoffMs: 400, killGraceMs: 2000, monitorIntervalMs: 50 }

/** The plugin's layer as the host builds it: config decoded through the definition's schema. */
export const schedulerLayer = (home: string, options: typeof Config.Encoded = fast) => Shared.schedulerLayer(definition, { cluster: "test", home }, options)

/** Builds a scheduler in the current scope; closing the scope stops its monitor, not its containers. */
export const scheduler = (home: string, options: typeof Config.Encoded = fast): Effect.Effect<SchedulerService, PluginError, Scope.Scope> =>
  Shared.buildScheduler(definition, { cluster: "test", home }, options)

/** A fresh cluster home under `root` at each call. */
const homes = (root: string) => {
  let n = 0
  return (): string => {
    const dir = join(root, `home-${n++}`)
    mkdirSync(dir)
    return dir
  }
}

/** The temp folder of one test file, to call at its top level: `home()` makes a fresh cluster home
 * in it, and after the file's tests every process under it is killed and the folder removed. */
export const testRoot = (): { readonly root: string; readonly home: () => string } => {
  const root = makeRoot()
  afterAll(() => cleanup(root))
  return { root, home: homes(root) }
}

/** Waits until container `index` of `name` printed that it is set up (signal handlers installed). */
export const ready = (home: string, name: string, index: number, pid: number) => {
  const log = join(home, "topologies", name, `container-${index}`, "container.log")
  return eventually(Effect.sync(() => existsSync(log) ? readFileSync(log, "utf8") : ""), (t) => t.includes(`ready ${pid}`))
}

/** The pids of a topology's containers, by index, as `status` reports them. */
export const pids = (s: SchedulerService, name: string) =>
  s.status(topologyRef(name)).pipe(Effect.map((st) => st.map((c) => pidOf(c.handle))))
