/**
 * Submit → first processed tuple on Slurm next to the local cluster, in the same run (issue 8).
 *
 *   npm run bench:slurm                      # 3 rounds per cluster (~3 min on 2 cores)
 *   npm run bench:slurm -- --rounds 5
 *   npm run bench:slurm -- --no-build        # use dist/ as it is
 *
 * One real `heron-runtime --cluster local --cluster slurm` (127.0.0.1, port 0, temporary
 * HERON_HOME) serves both clusters; the bench word count (`topologies/word-count.ts`, 2 containers,
 * spout at full rate) is submitted with the real `heron submit` to each in turn (the order
 * alternates between rounds), its first counted tuple read from the count tasks' records
 * (`bench.out`), then killed with `heron kill`. Submit → first tuple is measured from the spawn of
 * `heron submit` to the wall-clock time the first count task executed its first tuple.
 *
 * Slurm: the one `SLURM_CONF` names when it is set (then `HERON_SLURM_SHARED` must be a folder
 * every node mounts); otherwise a private single-node Slurm 22.05 with its own munged, as the
 * tests start it (test/support/services/slurm.ts), stopped at the end. Everything this run started
 * is stopped on exit, on failure and on Ctrl-C.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { launchSlurm, type LaunchedSlurm } from "../test/support/services/slurm.js"
import * as Command from "./internal/Command.js"
import { CountFiles, quantile } from "./internal/CountFiles.js"
import { sleep, waitFor } from "./internal/Harness.js"
import { pgidOf, pidsWithEnv } from "./internal/Proc.js"
import { writeControl } from "./internal/Scenarios.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const topologyFile = join(root, "bench/topologies/word-count.ts")
const argv = process.argv.slice(2)
const roundsAt = argv.indexOf("--rounds")
const rounds = roundsAt < 0 ? 3 : Math.max(1, Math.floor(Number(argv[roundsAt + 1])) || 3)
const clusters = ["local", "slurm"] as const
type Cluster = (typeof clusters)[number]

const log = Command.logger("bench:slurm")

const home = mkdtempSync(join(tmpdir(), "heron-bench-slurm-"))
const shared = process.env["HERON_SLURM_SHARED"] ?? home
let slurm: LaunchedSlurm | undefined
let runtime: ChildProcess | undefined
const live = new Map<string, Cluster>()
let env: NodeJS.ProcessEnv = {}

/** Runs a bin of dist/ to completion: exit code, output, spawn and exit times. */
const cli = (bin: "heron" | "heron-runtime", args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; output: string; startedAt: number; endedAt: number }>((resolve) => {
    const startedAt = Date.now()
    const child = spawn(process.execPath, [join(root, `dist/core/cli/${bin}-bin.js`), ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
    child.on("close", (code) => resolve({ code, output, startedAt, endedAt: Date.now() }))
  })

/** One submission: the figures of the table. */
interface Sample {
  readonly submitToFirstMs: number
  readonly submitCliMs: number
  readonly killCliMs: number
}

const submitOnce = async (cluster: Cluster, name: string): Promise<Sample> => {
  const out = join(shared, "bench-out", name)
  mkdirSync(out, { recursive: true })
  writeControl({ out }, { rate: null, stallMs: 0, stallSeq: 0 })
  const files = new CountFiles(out)
  live.set(name, cluster)
  const submitted = await cli("heron", [
    "submit", cluster, topologyFile, "--name", name,
    "--config-property", "topology.stmgrs=2", "--config-property", `bench.out=${out}`, "--config-property", "bench.rate=max"
  ])
  if (submitted.code !== 0) throw new Error(`heron submit ${cluster} ${name} failed: ${submitted.output.slice(-2000)}`)
  const first = await waitFor(`${name}: the first counted tuple`, () => {
    files.poll()
    return files.firstTuple()
  }, 180_000, 10)
  const killed = await cli("heron", ["kill", cluster, name])
  if (killed.code !== 0) throw new Error(`heron kill ${cluster} ${name} failed: ${killed.output.slice(-2000)}`)
  live.delete(name)
  return { submitToFirstMs: first - submitted.startedAt, submitCliMs: submitted.endedAt - submitted.startedAt, killCliMs: killed.endedAt - killed.startedAt }
}

const startRuntime = async (): Promise<void> => {
  const child = spawn(process.execPath, [join(root, "dist/core/cli/runtime-bin.js"), "--cluster", "local", "--cluster", "slurm", "--port", "0"], {
    cwd: root, env, stdio: ["ignore", "ignore", "pipe"], detached: true
  })
  runtime = child
  let err = ""
  child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-200_000)))
  await waitFor("heron-runtime's ready line", () => {
    if (child.exitCode !== null) throw new Error(`heron-runtime exited with ${child.exitCode}: ${err.slice(-2000)}`)
    return err.includes('"heron-runtime ready"') ? true : undefined
  }, 180_000, 50)
}

const cleanup = async (): Promise<void> => {
  if (runtime !== undefined && runtime.exitCode === null) {
    for (const [name, cluster] of live) await cli("heron", ["kill", cluster, name]).catch(() => undefined)
    const pid = runtime.pid
    if (pid !== undefined) {
      try {
        process.kill(-pid, "SIGTERM")
      } catch {
        // gone
      }
      const rt = runtime
      await waitFor("heron-runtime to stop", () => (rt.exitCode !== null || rt.signalCode !== null ? true : undefined), 10_000, 50).catch(() => undefined)
    }
  }
  // Containers outlive the runtime by design: whatever still runs with this HERON_HOME goes.
  for (const pid of pidsWithEnv("HERON_HOME", home)) {
    try {
      process.kill(pgidOf(pid) === pid ? -pid : pid, "SIGKILL")
    } catch {
      // gone
    }
  }
  await slurm?.close()
  rmSync(home, { recursive: true, force: true })
}

const { stop } = Command.stopOnSignals(log, cleanup)

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "n/a" : `${(x / 1000).toFixed(2)} s`)

const render = (samples: ReadonlyMap<Cluster, ReadonlyArray<Sample>>): string => {
  const header = ["cluster", "runs", "submit → first tuple (median)", "min", "max", "heron submit (median)", "heron kill (median)"]
  const median = (xs: ReadonlyArray<number>) => quantile([...xs], 0.5)
  const rows = clusters.map((c) => {
    const s = samples.get(c) ?? []
    const first = s.map((x) => x.submitToFirstMs)
    return [c, String(s.length), fmt(median(first)), fmt(Math.min(...first)), fmt(Math.max(...first)), fmt(median(s.map((x) => x.submitCliMs))), fmt(median(s.map((x) => x.killCliMs)))]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cs: ReadonlyArray<string>) => `| ${cs.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n")
}

const main = async () => {
  if (!argv.includes("--no-build")) Command.build(root, log)
  const external = process.env["SLURM_CONF"]
  if (external === undefined) {
    log("starting a private single-node Slurm (slurmctld, slurmd, munged) in a temporary directory")
    slurm = await launchSlurm({ cpus: 16, realMemoryMb: 16_000 })
  } else log(`using the Slurm of SLURM_CONF=${external}`)
  env = {
    ...process.env,
    ...(slurm?.env ?? {}),
    HERON_HOME: home,
    HERON_HOST: "127.0.0.1",
    HERON_LOG_LEVEL: "Info",
    HERON_API_TOKENS: `bench:${randomBytes(16).toString("hex")}`
  }
  log("starting heron-runtime --cluster local --cluster slurm")
  await startRuntime()
  const samples = new Map<Cluster, Array<Sample>>(clusters.map((c) => [c, []]))
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? clusters : [...clusters].reverse()
    for (const cluster of order) {
      const s = await submitOnce(cluster, `bench-${cluster}-${round}`)
      samples.get(cluster)?.push(s)
      log(`round ${round}/${rounds} ${cluster}: submit → first tuple ${fmt(s.submitToFirstMs)} (heron submit ${fmt(s.submitCliMs)}, kill ${fmt(s.killCliMs)})`)
      await sleep(500)
    }
  }
  process.stdout.write(`\nSubmit → first processed tuple, word count (2 containers + TManager), ${rounds} rounds per cluster, one runtime\n\n`)
  process.stdout.write(`${render(samples)}\n\n`)
  process.stdout.write(`machine: ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}, node ${process.version}; ` +
    `slurm: ${external === undefined ? "private single node (16 CPUs declared)" : external}\n`)
  if ((loadavg()[0] ?? 0) > cpus().length) {
    process.stdout.write("warning: the machine was busier than its cores during the run: the min is the figure nearest an idle machine\n")
  }
}

main().then(() => stop(0), (e: unknown) => {
  log(`failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)
  void stop(1)
})
