/**
 * A recorded fake of Apache Aurora's `aurora` client (no Aurora or Mesos can run here): an
 * executable script in a temp folder, to put first on PATH. It records every call (argv, and the
 * job file `job create` was given) to a log, keeps jobs and their tasks in a state file, and
 * answers like the real client (`apache.aurora.client.cli`, `jobs.py`):
 *
 * - `job create [--wait-until S] [--bind K=V]... CLUSTER/ROLE/ENV/NAME FILE` → instances
 *   0..n-1 RUNNING, `Job create succeeded: job url=...`; the file's Job must match the job key, the
 *   environment must be `prod`, `devel`, `test` or `staging<N>`, every `{{name}}` other than
 *   `mesos.*`/`thermos.*` must be bound; an existing job is refused (exit 4);
 * - `job killall [--no-batching|--batch-size N] KEY`, `job kill ... KEY/IDS` (ids `1,2` or `1-3`);
 *   a kill without ids is refused (exit 6); nothing to kill still succeeds, as the client does;
 * - `job restart [--batch-size N] KEY[/IDS]`: new task ids, `Job KEY restarted successfully`;
 * - `job add [--wait-until S] KEY/INSTANCE COUNT`: new ids from the highest active one + 1, with the
 *   config of INSTANCE (`--verbose` prints `Querying instance statuses: [...]` to stderr);
 * - `job status [--write-json] KEY`: the JSON of `render_tasks_json` (`[{job, active, inactive}]`),
 *   or `{"jobspec", "error": "No matching jobs found"}`;
 * - an unknown verb or option → argparse's `error: ...` and exit 2.
 *
 * Exit codes are the client's: 0 ok, 2 usage, 3 invalid configuration, 4 command failure, 6
 * invalid parameter. `failNext` makes the next call of a verb fail as told. Not covered: wildcard
 * job keys, `update`, cron, quotas, health checks, the scheduler's own validation of resources.
 */
import { Effect, type Scope } from "effect"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** One call of the client. */
export interface AuroraCall {
  readonly argv: ReadonlyArray<string>
  /** The content of the job file, for `job create`. */
  readonly jobFile?: string
}

/** One task of a job, as the fake keeps it. */
export interface FakeTask {
  readonly instanceId: number
  readonly taskId: string
  readonly status: string
  readonly failureCount: number
  readonly message: string
}

export interface FakeAurora {
  /** The folder holding the `aurora` executable. */
  readonly dir: string
  /** The executable's path. */
  readonly bin: string
  /** The URL of the Aurora scheduler the fake pretends to talk to. */
  readonly schedulerUrl: string
  /** Every call so far, in order. */
  readonly calls: () => ReadonlyArray<AuroraCall>
  /** Every call so far as one command line each (`aurora job ...`). */
  readonly commandLines: () => ReadonlyArray<string>
  /** The active tasks of a job (by `CLUSTER/ROLE/ENV/NAME`), by instance id. */
  readonly active: (job: string) => ReadonlyArray<FakeTask>
  /** Makes the next call of `verb` fail with `exitCode` and `stderr` (and change nothing). */
  readonly failNext: (verb: string, exitCode: number, stderr: string) => void
  /** Sets an active task's status and message (PENDING, THROTTLED, FAILED...), as the scheduler would. */
  readonly setTask: (job: string, instanceId: number, status: string, message: string, failureCount?: number) => void
}

/** The client program: CommonJS, no dependencies; `CONFIG` is replaced with the fake's paths. */
const program = String.raw`
const fs = require("node:fs")
const CONFIG = __CONFIG__
const argv = process.argv.slice(2)
const load = (file, fallback) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : fallback)
const state = load(CONFIG.state, { jobs: {}, next: 1 })
const entry = { argv }
const out = (s) => process.stdout.write(s + "\n")
const err = (s) => process.stderr.write(s + "\n")
const finish = (code) => {
  fs.appendFileSync(CONFIG.log, JSON.stringify(entry) + "\n")
  fs.writeFileSync(CONFIG.state, JSON.stringify(state))
  process.exit(code)
}
const usage = (verb, message) => {
  err("usage: aurora job " + (verb || "") + " [-h] ...")
  err("aurora job " + (verb || "") + ": error: " + message)
  finish(2)
}
const OPTIONS = {
  create: { values: ["--wait-until", "--bind"], flags: ["--read-json", "--open-browser"], positionals: 2 },
  killall: { values: ["--batch-size", "--max-total-failures", "--config", "--message", "--bind"], flags: ["--no-batching", "--open-browser"], positionals: 1 },
  kill: { values: ["--batch-size", "--max-total-failures", "--config", "--message", "--bind"], flags: ["--no-batching", "--open-browser", "--strict"], positionals: 1 },
  restart: { values: ["--batch-size", "--bind", "--config", "--healthcheck-interval-seconds", "--max-total-failures", "--watch-secs", "--max-per-instance-failures"], flags: ["--force", "--strict", "--open-browser"], positionals: 1 },
  add: { values: ["--wait-until", "--bind", "--config"], flags: ["--open-browser", "--read-json"], positionals: 2 },
  status: { values: [], flags: ["--write-json"], positionals: 1 }
}
if (argv[0] !== "job") usage("", "argument noun: invalid choice: " + JSON.stringify(argv[0] || ""))
const verb = argv[1]
const spec = OPTIONS[verb]
if (spec === undefined) usage("", "argument verb: invalid choice: " + JSON.stringify(verb || ""))
const opts = {}
const positionals = []
let verbose = false
for (let i = 2; i < argv.length; i++) {
  const a = argv[i]
  if (a === "--verbose") verbose = true
  else if (spec.values.includes(a)) {
    if (i + 1 >= argv.length) usage(verb, "argument " + a + ": expected one argument")
    ;(opts[a] = opts[a] || []).push(argv[++i])
  } else if (spec.flags.includes(a)) opts[a] = true
  else if (a.startsWith("-")) usage(verb, "unrecognized arguments: " + a)
  else positionals.push(a)
}
if (positionals.length < spec.positionals) usage(verb, "too few arguments")
if (positionals.length > spec.positionals) usage(verb, "unrecognized arguments: " + positionals.slice(spec.positionals).join(" "))
const failures = load(CONFIG.failures, [])
const failure = failures.findIndex((f) => f.verb === verb)
if (failure >= 0) {
  const f = failures.splice(failure, 1)[0]
  fs.writeFileSync(CONFIG.failures, JSON.stringify(failures))
  err(f.stderr)
  finish(f.exitCode)
}
const parseKey = (text, withInstances) => {
  const parts = text.split("/")
  if (parts.length !== (withInstances ? 5 : 4) && !(withInstances === "optional" && parts.length === 4)) {
    usage(verb, "argument " + (withInstances ? "instance_spec" : "jobspec") + ": invalid value: " + JSON.stringify(text))
  }
  if (!CONFIG.clusters.includes(parts[0])) {
    err("Unknown cluster: " + parts[0])
    finish(6)
  }
  let ids = null
  if (parts.length === 5) {
    ids = []
    for (const p of parts[4].split(",")) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(p)
      if (m === null) usage(verb, "argument instance_spec: invalid instance ids: " + parts[4])
      for (let n = Number(m[1]); n <= Number(m[2] === undefined ? m[1] : m[2]); n++) ids.push(n)
    }
  }
  return { key: parts.slice(0, 4).join("/"), parts, ids }
}
const activeOf = (job) => (job === undefined ? [] : job.tasks.filter((t) => t.active).sort((a, b) => a.instanceId - b.instanceId))
const newTask = (key, instanceId, failureCount) => ({
  instanceId, active: true, status: "RUNNING", failureCount: failureCount || 0, message: "",
  taskId: "1700000000000-" + key.split("/").slice(1).join("-") + "-" + instanceId + "-" + String(state.next++).padStart(8, "0"),
  events: [{ timestamp: 1700000000000 + state.next, status: "PENDING", message: null }, { timestamp: 1700000000001 + state.next, status: "RUNNING", message: null }]
})
const kill = (job, ids) => {
  const killed = []
  for (const t of activeOf(job)) {
    if (ids === null || ids.includes(t.instanceId)) {
      t.active = false
      t.status = "KILLED"
      t.events.push({ timestamp: 1700000000002 + state.next, status: "KILLED", message: "Killed by " + CONFIG.user })
      killed.push(t.instanceId)
    }
  }
  return killed
}
const render = (t, key) => ({
  assignedTask: {
    taskId: t.taskId, slaveId: "agent-1", slaveHost: "agent1.example.com", instanceId: t.instanceId, assignedPorts: {},
    task: { job: { role: key.split("/")[1], environment: key.split("/")[2], name: key.split("/")[3] }, isService: true, maxTaskFailures: 1, production: false }
  },
  status: t.status, failureCount: t.failureCount, ancestorId: null,
  taskEvents: t.message === "" ? t.events : [...t.events, { timestamp: 1700000000003 + state.next, status: t.status, message: t.message }]
})

if (verb === "create") {
  const { key, parts } = parseKey(positionals[0], false)
  const file = positionals[1]
  if (!fs.existsSync(file)) {
    err("Error loading configuration: [Errno 2] No such file or directory: '" + file + "'")
    finish(3)
  }
  const text = fs.readFileSync(file, "utf8")
  entry.jobFile = text
  const jobPart = text.slice(Math.max(0, text.indexOf("Job(")))
  const field = (name) => {
    const m = new RegExp("\\b" + name + ' = ("(?:[^"\\\\]|\\\\.)*"|\\d+)').exec(jobPart)
    return m === null ? undefined : JSON.parse(m[1])
  }
  const config = [field("cluster"), field("role"), field("environment"), field("name")]
  if (config.join("/") !== key) {
    err("Error loading configuration: Job " + config.join("/") + " in the configuration does not match the job key " + key)
    finish(3)
  }
  if (!/^(prod|devel|test|staging\d*)$/.test(parts[2])) {
    err("Error loading configuration: Environment name should be one of 'prod', 'devel', 'test' or staging<number>! Got " + parts[2])
    finish(3)
  }
  const bound = (opts["--bind"] || []).map((b) => b.slice(0, b.indexOf("=")))
  const unbound = [...new Set([...text.matchAll(/\{\{([^}]+)\}\}/g)].map((m) => m[1]))]
    .filter((v) => !v.startsWith("mesos.") && !v.startsWith("thermos.") && !bound.includes(v))
  if (unbound.length > 0) {
    err("Error loading configuration: Failed to interpolate: {{" + unbound.join("}}, {{") + "}}")
    finish(3)
  }
  if (activeOf(state.jobs[key]).length > 0) {
    err("Job creation failed due to error:")
    err("\tJob " + key.split("/").slice(1).join("/") + " already exists")
    finish(4)
  }
  const instances = field("instances") || 1
  state.jobs[key] = { config: text, tasks: [] }
  for (let i = 0; i < instances; i++) state.jobs[key].tasks.push(newTask(key, i))
  out("Job create succeeded: job url=" + CONFIG.schedulerUrl + "/scheduler/" + parts.slice(1).join("/"))
  finish(0)
}
if (verb === "killall" || verb === "kill") {
  const { key, ids } = parseKey(positionals[0], verb === "kill")
  const job = state.jobs[key]
  if (activeOf(job).length === 0) err("No tasks to kill found for job " + key)
  else out("Successfully killed instances [" + kill(job, ids).join(", ") + "]")
  out(verb === "kill" ? "Job kill succeeded" : "Job killall succeeded")
  finish(0)
}
if (verb === "restart") {
  const { key, ids } = parseKey(positionals[0], "optional")
  const job = state.jobs[key]
  const targets = activeOf(job).filter((t) => ids === null || ids.includes(t.instanceId))
  if (opts["--strict"] && ids !== null && targets.length !== ids.length) {
    err("Invalid instance parameter: " + JSON.stringify(ids))
    finish(6)
  }
  for (const t of targets) {
    kill(job, [t.instanceId])
    job.tasks.push(newTask(key, t.instanceId, t.failureCount))
  }
  out("Job " + key + " restarted successfully")
  finish(0)
}
if (verb === "add") {
  const { key, ids } = parseKey(positionals[0], true)
  const count = Number(positionals[1])
  const active = activeOf(state.jobs[key])
  if (ids.length !== 1 || !active.some((t) => t.instanceId === ids[0])) {
    err("Invalid instance parameter: " + JSON.stringify(ids))
    finish(6)
  }
  const start = Math.max(...active.map((t) => t.instanceId)) + 1
  const added = []
  for (let i = start; i < start + count; i++) {
    state.jobs[key].tasks.push(newTask(key, i))
    added.push(i)
  }
  if (verbose) err("Querying instance statuses: [" + added.join(", ") + "]")
  finish(0)
}
if (verb === "status") {
  const { key } = parseKey(positionals[0], false)
  const job = state.jobs[key]
  if (job === undefined || job.tasks.length === 0) {
    if (opts["--write-json"]) out(JSON.stringify({ jobspec: key, error: "No matching jobs found" }))
    else err("Found no jobs matching " + key)
    finish(opts["--write-json"] ? 0 : 6)
  }
  const active = activeOf(job)
  const inactive = job.tasks.filter((t) => !t.active).sort((a, b) => a.instanceId - b.instanceId)
  if (opts["--write-json"]) out(JSON.stringify([{ job: key, active: active.map((t) => render(t, key)), inactive: inactive.map((t) => render(t, key)) }], null, 2))
  else out("Active tasks (" + active.length + "):\n" + active.map((t) => "\tTask role: " + key.split("/")[1] + ", instance: " + t.instanceId + ", status: " + t.status).join("\n"))
  finish(0)
}
`

/** Installs the fake in a temp folder (removed with the scope). */
export const installFakeAurora = (o: { readonly clusters?: ReadonlyArray<string>; readonly user?: string } = {}): Effect.Effect<FakeAurora, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "heron-fake-aurora-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  ).pipe(Effect.map((dir) => {
    const schedulerUrl = "http://aurora-scheduler.example.com:8081"
    const files = { state: join(dir, "state.json"), log: join(dir, "calls.jsonl"), failures: join(dir, "failures.json") }
    const config = { ...files, schedulerUrl, clusters: o.clusters ?? ["devcluster"], user: o.user ?? "heron" }
    const bin = join(dir, "aurora")
    writeFileSync(bin, `#!${process.execPath}\n${program.replace("__CONFIG__", JSON.stringify(config))}`)
    chmodSync(bin, 0o755)
    const read = <A>(file: string, fallback: A): A => (existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as A) : fallback)
    type Task = FakeTask & { active: boolean }
    type State = { jobs: Record<string, { tasks: Array<Task> }>; next: number }
    const calls = () =>
      (existsSync(files.log) ? readFileSync(files.log, "utf8") : "").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as AuroraCall)
    return {
      dir,
      bin,
      schedulerUrl,
      calls,
      commandLines: () => calls().map((c) => ["aurora", ...c.argv].join(" ")),
      active: (job) =>
        (read<State>(files.state, { jobs: {}, next: 1 }).jobs[job]?.tasks ?? [])
          .filter((t) => t.active)
          .sort((a, b) => a.instanceId - b.instanceId)
          .map(({ failureCount, instanceId, message, status, taskId }) => ({ failureCount, instanceId, message, status, taskId })),
      failNext: (verb, exitCode, stderr) => {
        writeFileSync(files.failures, JSON.stringify([...read<Array<unknown>>(files.failures, []), { verb, exitCode, stderr }]))
      },
      setTask: (job, instanceId, status, message, failureCount) => {
        const state = read<State>(files.state, { jobs: {}, next: 1 })
        const task = state.jobs[job]?.tasks.find((t) => t.active && t.instanceId === instanceId)
        if (task === undefined) throw new Error(`fake aurora: no active instance ${instanceId} of ${job}`)
        Object.assign(task, { status, message, ...(failureCount === undefined ? {} : { failureCount }) })
        writeFileSync(files.state, JSON.stringify(state))
      }
    }
  }))
