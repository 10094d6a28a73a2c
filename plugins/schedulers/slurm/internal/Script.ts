/**
 * What a topology becomes on Slurm: one batch job (`sbatch` arguments and `job.sh`) with one task
 * per container, and per container a `launch.sh` that sets its environment and `exec`s its argv.
 *
 * `job.sh` supervises every container in a loop of its own: it runs the container as a job step
 * (`srun`), and when the step ends it runs it again, at once when the scheduler asked for the
 * restart (it leaves a `restart` file first), after a delay that doubles otherwise. The loop reads
 * `launch.sh` on every run, so an update that only changes what a container runs rewrites that
 * file and restarts the container's step, inside the same job.
 */
import type { ContainerLaunch, LaunchRequest, TopologyRef } from "../../../../core/Scheduler.js"
import type { Config } from "../Config.js"
import * as Files from "./Files.js"

const MiB = 1024 * 1024

/** `'text'` for POSIX sh, whatever the text holds. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`

/** Environment names a shell can `export`. */
export const isEnvName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)

const cores = (cpu: number): number => Math.max(1, Math.ceil(cpu - 1e-9))
const megabytes = (ram: number): number => Math.ceil(ram / MiB)

/** The `srun` arguments of a container's step beyond the ones every step gets: its own cores and
 * memory when resources are requested; `--overlap` otherwise, so that steps share the CPUs Slurm
 * gave (one per task, or fewer with `--overcommit`) instead of waiting for each other. */
export const stepArgs = (c: ContainerLaunch, config: Pick<Config, "requestResources">): ReadonlyArray<string> => {
  if (!config.requestResources) return ["--overlap"]
  const mem = megabytes(c.resources.ram)
  return [`--cpus-per-task=${cores(c.resources.cpu)}`, ...(mem > 0 ? [`--mem=${mem}M`] : [])]
}

/** The job's size: one task per container; with resources requested, every task as large as the
 * largest container (Slurm gives all tasks of a job the same cores), and memory per core so that
 * each task holds the largest container's RAM on whichever node it lands. */
export const allocationArgs = (request: LaunchRequest, config: Pick<Config, "requestResources">): ReadonlyArray<string> => {
  const tasks = `--ntasks=${request.containers.length}`
  if (!config.requestResources) return [tasks]
  const perTask = Math.max(1, ...request.containers.map((c) => cores(c.resources.cpu)))
  const ram = Math.max(0, ...request.containers.map((c) => megabytes(c.resources.ram)))
  return [tasks, `--cpus-per-task=${perTask}`, ...(ram > 0 ? [`--mem-per-cpu=${Math.ceil(ram / perTask)}M`] : [])]
}

/** What must stay the same for an update to happen inside the running job: the job's size and
 * every container's step arguments. */
export const shapeOf = (request: LaunchRequest, config: Pick<Config, "requestResources">): string =>
  JSON.stringify({
    allocation: allocationArgs(request, config),
    steps: [...request.containers].sort((a, b) => a.index - b.index).map((c) => [c.index, stepArgs(c, config)])
  })

/** Every `sbatch` argument, the batch script last: the job is named after the topology, runs in
 * the topology's folder and writes its own output to `job.out` there; the cluster file's options
 * come after the scheduler's so they win. */
export const sbatchArgs = (request: LaunchRequest, config: Config, dir: string): ReadonlyArray<string> => [
  "--parsable",
  `--job-name=${request.topology.name}`,
  `--chdir=${dir}`,
  `--output=${Files.jobOutput(dir)}`,
  "--open-mode=append",
  ...allocationArgs(request, config),
  ...(config.partition === undefined ? [] : [`--partition=${config.partition}`]),
  ...(config.account === undefined ? [] : [`--account=${config.account}`]),
  ...(config.timeLimit === undefined ? [] : [`--time=${config.timeLimit}`]),
  ...config.extraSbatchArgs,
  Files.batchScript(dir)
]

/** A container's `launch.sh`: its environment (plus `HERON_CONTAINER_INDEX` and
 * `HERON_TOPOLOGY_NAME`, as every scheduler sets them), then its argv in place of the shell. */
export const launchScript = (topology: TopologyRef, c: ContainerLaunch): string => {
  const env = { ...c.env, HERON_CONTAINER_INDEX: String(c.index), HERON_TOPOLOGY_NAME: topology.name }
  return [
    "#!/bin/sh",
    `# heron-runtime: container ${c.index} of topology ${topology.name}, written by the slurm scheduler.`,
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `exec ${c.argv.map(shellQuote).join(" ")}`,
    ""
  ].join("\n")
}

/** The batch script: one supervising loop per container (see the module comment), then `wait`. */
export const batchScript = (
  request: LaunchRequest,
  config: Pick<Config, "requestResources" | "restartBackoffMs" | "maxRestartBackoffMs" | "commands">,
  dir: string
): string => {
  const t = request.topology
  const maxMs = Math.max(config.maxRestartBackoffMs, config.restartBackoffMs)
  const containers = [...request.containers].sort((a, b) => a.index - b.index)
  return [
    "#!/bin/sh",
    `# heron-runtime: topology ${t.name} (${t.cluster}/${t.role}/${t.environ}, id ${t.id}), ${containers.length} containers.`,
    "# Each container runs as a job step; when its step ends, the container is started again.",
    `dir=${shellQuote(dir)}`,
    `srun=${shellQuote(config.commands.srun)}`,
    `base_ms=${config.restartBackoffMs}`,
    `max_ms=${maxMs}`,
    "",
    "now() { date -u +%Y-%m-%dT%H:%M:%SZ; }",
    "",
    "supervise() {",
    "  index=$1; shift",
    "  cdir=\"$dir/container-$index\"",
    "  runs=0",
    "  delay_ms=$base_ms",
    "  while :; do",
    "    started=$(date +%s)",
    `    "$srun" --ntasks=1 --nodes=1 "$@" --job-name="container-$index.$runs" --chdir="$cdir" \\`,
    "      --output=\"$cdir/container.log\" --open-mode=append sh \"$cdir/launch.sh\"",
    "    code=$?",
    "    runs=$((runs + 1))",
    "    if [ -e \"$cdir/restart\" ]; then",
    "      rm -f \"$cdir/restart\"",
    "      echo \"$(now) container $index: restarted on request (step ended with $code)\"",
    "      delay_ms=$base_ms",
    "      continue",
    "    fi",
    "    if [ $(( ($(date +%s) - started) * 1000 )) -ge $max_ms ]; then delay_ms=$base_ms; fi",
    "    echo \"$(now) container $index ended with $code; starting it again in $delay_ms ms\"",
    "    sleep \"$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))\"",
    "    delay_ms=$((delay_ms * 2))",
    "    if [ $delay_ms -gt $max_ms ]; then delay_ms=$max_ms; fi",
    "  done",
    "}",
    "",
    ...containers.map((c) => `supervise ${c.index} ${stepArgs(c, config).map(shellQuote).join(" ")} &`),
    "wait",
    ""
  ].join("\n")
}
