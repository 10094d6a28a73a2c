/**
 * The Aurora job file of a topology (Aurora's Python DSL, read by `aurora job create`), after
 * Heron's `heron.aurora`: one service Job whose instances are the Heron containers, the instance
 * id (`{{mesos.instance}}`) being the container index. Every instance runs the same task, so the
 * containers of a request are folded into one template: each argv position is either the same
 * for all containers or their index; the environment shared by all containers is exported; values
 * that differ between containers (the plan hash the supervisor adds) cannot be part of one task
 * and stay with the scheduler, which uses them to know which instances an update restarts.
 * Resources are those of the largest container, as Heron does.
 */
import { Data, Either } from "effect"
import type { ContainerLaunch } from "../../../../core/Scheduler.js"

/** A request that cannot be written as one Aurora job. */
export class JobFileFailure extends Data.TaggedError("JobFileFailure")<{ readonly message: string }> {}

/** Where the instance id goes. Aurora replaces it when it starts an instance. */
export const INSTANCE = "{{mesos.instance}}"

/** An Aurora job key. */
export interface JobKey {
  readonly cluster: string
  readonly role: string
  readonly env: string
  readonly name: string
}
export const keyText = (k: JobKey): string => `${k.cluster}/${k.role}/${k.env}/${k.name}`

/** What every instance runs. */
export interface Template {
  /** With {@link INSTANCE} where the container index goes. */
  readonly argv: ReadonlyArray<string>
  /** The environment all containers share. */
  readonly env: Readonly<Record<string, string>>
  /** Keys left out because their values differ between containers. */
  readonly perContainer: ReadonlyArray<string>
  /** Of the largest container: cores, and bytes of RAM and disk. */
  readonly resources: { readonly cpu: number; readonly ram: number; readonly disk: number }
}

/** Quotes `s` for the shell Thermos runs a process's cmdline with. */
export const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`

const fail = (message: string) => Either.left(new JobFileFailure({ message }))

/** Folds the containers of a request into the template of one task. */
export const template = (containers: ReadonlyArray<ContainerLaunch>): Either.Either<Template, JobFileFailure> => {
  const sorted = [...containers].sort((a, b) => a.index - b.index)
  const first = sorted[0]
  if (first === undefined) return fail("the request has no container")
  for (const c of sorted) {
    const values = [...c.argv, ...Object.values(c.env)]
    if (values.some((v) => v.includes("{{"))) return fail(`container ${c.index} has "{{" in its argv or environment, which Aurora would read as a template`)
    const bad = Object.keys(c.env).find((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    if (bad !== undefined) return fail(`environment variable name ${JSON.stringify(bad)} cannot be exported by a shell`)
    if (c.argv.length !== first.argv.length) return fail(`containers ${first.index} and ${c.index} run commands of different lengths; one Aurora task runs every instance`)
  }
  const argv: Array<string> = []
  for (const [p, arg] of first.argv.entries()) {
    const values = sorted.map((c) => c.argv[p] ?? "")
    if (values.every((v, i) => v === String(sorted[i]?.index))) argv.push(INSTANCE)
    else if (values.every((v) => v === arg)) argv.push(arg)
    else return fail(`argv[${p}] differs between containers (${[...new Set(values)].join(", ")}) other than by the container index`)
  }
  const keys = [...new Set(sorted.flatMap((c) => Object.keys(c.env)))].sort()
  const shared = keys.filter((k) => sorted.every((c) => c.env[k] !== undefined && c.env[k] === first.env[k]))
  const max = (f: (c: ContainerLaunch) => number) => Math.max(...sorted.map(f))
  const resources = { cpu: max((c) => c.resources.cpu), ram: Math.ceil(max((c) => c.resources.ram)), disk: Math.ceil(max((c) => c.resources.disk)) }
  if (resources.cpu <= 0 || resources.ram <= 0 || resources.disk <= 0) {
    return fail(`Aurora needs cpu, ram and disk above 0; the largest container has cpu ${resources.cpu}, ram ${resources.ram}, disk ${resources.disk}`)
  }
  return Either.right({
    argv,
    env: Object.fromEntries(shared.map((k) => [k, first.env[k] ?? ""])),
    perContainer: keys.filter((k) => !shared.includes(k)),
    resources
  })
}

/** The shell command of the executor process: the shared environment, the topology's name and
 * the container index (as the local scheduler sets them), then the executor. */
export const cmdline = (t: Template, topology: string): string => {
  const env = [...Object.entries(t.env), ["HERON_TOPOLOGY_NAME", topology] as const]
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
  return `export ${[...env, `HERON_CONTAINER_INDEX=${INSTANCE}`].join(" ")} && exec ${t.argv.map((a) => (a === INSTANCE ? a : shellQuote(a))).join(" ")}`
}

/** A Python string literal (JSON's escapes are Python's). */
const py = (s: string): string => JSON.stringify(s)
const pyFloat = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n))

/** The job file of `instances` instances. `setupCommands` run before the executor, in order. */
export const render = (key: JobKey, t: Template, instances: number, setupCommands: ReadonlyArray<string>): string => {
  const setup = setupCommands.map((command, i) => ({ name: `setup_${i}`, command }))
  const processes = [...setup.map((s) => s.name), "heron_executor"]
  return [
    // Aurora's client may be Python 2, which needs the declaration for non-ASCII text.
    "# -*- coding: utf-8 -*-",
    `# The Aurora job of Heron topology ${key.name}: one instance per Heron container, whose`,
    "# instance id ({{mesos.instance}}) is the container index.",
    "# Generated by heron-runtime (scheduler/aurora) for `aurora job create`.",
    "",
    ...setup.flatMap((s) => [`${s.name} = Process(`, `  name = ${py(s.name)},`, `  cmdline = ${py(s.command)}`, ")", ""]),
    "heron_executor = Process(",
    `  name = ${py("heron_executor")},`,
    `  cmdline = ${py(cmdline(t, key.name))},`,
    "  max_failures = 1",
    ")",
    "",
    // SequentialTask runs the setup processes first, in order; without them a plain Task will do.
    `heron_task = ${setup.length === 0 ? "Task" : "SequentialTask"}(`,
    `  name = ${py("heron_container")},`,
    `  processes = [${processes.join(", ")}],`,
    `  resources = Resources(cpu = ${pyFloat(t.resources.cpu)}, ram = ${t.resources.ram}, disk = ${t.resources.disk})`,
    ")",
    "",
    "jobs = [",
    "  Job(",
    `    name = ${py(key.name)},`,
    `    cluster = ${py(key.cluster)},`,
    `    role = ${py(key.role)},`,
    `    environment = ${py(key.env)},`,
    "    service = True,",
    `    instances = ${instances},`,
    "    task = heron_task",
    "  )",
    "]",
    ""
  ].join("\n")
}
