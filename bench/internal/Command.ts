/**
 * What the benchmark commands that drive a real runtime share around their measurements: a log
 * stamped with the seconds since the start, the build of dist/, and one way to stop whatever the
 * command started (at the end, on failure, on SIGINT/SIGTERM/SIGHUP and on an uncaught exception).
 * `make` adds, for the commands with a table of targets (bench/run.ts, bench/tracker.ts), their
 * common flags, phases (a failed one is recorded in the results and the run goes on) and the
 * report under the table.
 */
import { spawnSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join, resolve } from "node:path"
import { killAll } from "./Children.js"

export type Mode = "full" | "quick" | "smoke"

export interface Args {
  readonly mode: Mode
  /** `--json [file]`: where to write every figure, if anywhere. */
  readonly jsonFile: string | undefined
  /** False with `--no-build` (dist/ used as it is). */
  readonly build: boolean
}

/** `--quick` | `--smoke`, `--json [file]` (or `--json=file`; `defaultJson` when no file follows),
 * `--no-build`. `--help` or `-h` prints `usage` and exits. */
export const parseArgs = (argv: ReadonlyArray<string>, usage: string, defaultJson: string): Args => {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage}\n`)
    process.exit(0)
  }
  const at = argv.findIndex((a) => a === "--json" || a.startsWith("--json="))
  const flag = argv[at]
  const next = argv[at + 1]
  const jsonFile = flag === undefined
    ? undefined
    : flag.startsWith("--json=")
    ? resolve(flag.slice("--json=".length))
    : resolve(next !== undefined && !next.startsWith("--") ? next : defaultJson)
  return {
    mode: argv.includes("--smoke") ? "smoke" : argv.includes("--quick") ? "quick" : "full",
    jsonFile,
    build: !argv.includes("--no-build")
  }
}

/** The head of a run's results: when, in which mode, on what machine. */
export const runInfo = (mode: Mode) => ({
  startedAt: new Date().toISOString(),
  mode,
  machine: { cores: cpus().length, loadavg: loadavg().map((x) => x.toFixed(2)).join(" "), node: process.version }
})

/** What `Command` reads and fills of a run's results. */
export interface Results {
  readonly startedAt: string
  readonly mode: string
  readonly machine: { readonly cores: number; readonly loadavg: string; readonly node: string }
  /** Phase key → the first line of its failure. */
  readonly errors: Record<string, string>
  durationSec?: number
}

export interface Options {
  /** The log's prefix, e.g. `bench:tracker`. */
  readonly name: string
  /** The repository's root (dist/, scripts/). */
  readonly root: string
  readonly results: Results
  /** Stops what the command started, besides its helper processes (`Children.killAll`). Called at
   * the end of the run, and again by a signal or a failure (it must tolerate a second call). */
  readonly cleanup: () => Promise<void>
  /** Phases not to run (`phase` returns at once for these keys). */
  readonly skipped?: ReadonlyArray<string>
}

export interface Report {
  /** What is measured, in the title: `heron-runtime <what> benchmark — …`. */
  readonly what: string
  /** The line under the title. */
  readonly about: string
  readonly table: ReadonlyArray<{ readonly outcome: "pass" | "FAIL" | "info" }>
  readonly rendered: string
  /** Lines printed under the count of targets met. */
  readonly warnings?: ReadonlyArray<string>
  readonly jsonFile: string | undefined
}

export interface Command {
  /** A line on stderr, `[<name>   12.3 s] message`. */
  readonly log: (message: string) => void
  /** Builds dist/ (tsc, whose problems are logged, then the bundled executor, whose failure throws). */
  readonly build: () => void
  /** Runs one phase, unless it is skipped or the run is stopping; a failure is logged and its first
   * line recorded in `results.errors[key]`, and the run goes on. */
  readonly phase: (key: string, what: string, f: () => Promise<void>) => Promise<void>
  /** Runs `main`, then cleans up (also when it fails); then, unless a signal cut the run short,
   * `report` prints the table. A failure of either stops the run with exit code 1. */
  readonly run: (main: () => Promise<void>, report: () => Report) => void
}

/** A line on stderr, `[<name>   12.3 s] message`: the seconds since `t0`. */
export const logger = (name: string, t0 = Date.now()) => (m: string): void => {
  process.stderr.write(`[${name} ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}\n`)
}

/** Builds dist/ as `npm run build` does, without the UI: tsc (whose problems are logged: it still
 * emits), then the bundled executor (whose failure throws). */
export const build = (root: string, log: (m: string) => void): void => {
  log("building dist/ (tsc -p tsconfig.build.json, then the bundled executor)")
  const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" })
  if (r.status !== 0) log(`tsc reported problems (dist/ was still emitted):\n${r.stdout.slice(0, 2000)}`)
  const b = spawnSync(process.execPath, [join(root, "scripts/bundle-executor.mjs")], { cwd: root, encoding: "utf8" })
  if (b.status !== 0) throw new Error(`bundling the executor failed:\n${b.stderr.slice(0, 2000)}`)
}

export interface Stopper {
  /** Stops the run once (later calls do nothing): `cleanup`, its failure logged, then exit with `code`. */
  readonly stop: (code: number) => Promise<void>
  /** True once `stop` was called. */
  readonly stopping: () => boolean
}

/** From here on, SIGINT, SIGTERM and SIGHUP stop the run with exit code 130, and an uncaught
 * exception with 1: whatever `cleanup` stops is never left behind. */
export const stopOnSignals = (log: (m: string) => void, cleanup: () => Promise<void>): Stopper => {
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    await cleanup().catch((e: unknown) => log(`cleanup: ${String(e)}`))
    process.exit(code)
  }
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      log(`${sig}: stopping everything this run started`)
      void stop(130)
    })
  }
  process.on("uncaughtException", (e) => {
    log(`uncaught: ${e.stack ?? e.message}`)
    void stop(1)
  })
  return { stop, stopping: () => stopping }
}

/** Sets up a command's run: from here on, a signal or an uncaught exception stops what it started. */
export const make = (o: Options): Command => {
  const t0 = Date.now()
  const log = logger(o.name, t0)
  const cleanup = async () => {
    killAll()
    await o.cleanup()
  }
  const { stop, stopping } = stopOnSignals(log, cleanup)

  const phase = async (key: string, what: string, f: () => Promise<void>): Promise<void> => {
    if (stopping() || o.skipped?.includes(key)) return
    log(what)
    try {
      await f()
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      o.results.errors[key] = message.split("\n")[0] ?? message
      log(`${what}: failed: ${message}`)
    }
  }

  const print = (r: Report, durationSec: number) => {
    const res = o.results
    const say = (s: string) => process.stdout.write(`${s}\n`)
    say(`\nheron-runtime ${r.what} benchmark — ${res.startedAt}, ${res.machine.cores} cores, node ${res.machine.node}, load average at start ${res.machine.loadavg}, mode ${res.mode}`)
    say(`${r.about}\n`)
    say(r.rendered)
    const checked = r.table.filter((row) => row.outcome !== "info")
    say(`\n${checked.filter((row) => row.outcome === "pass").length} of ${checked.length} targets met; ${durationSec.toFixed(0)} s`)
    for (const w of r.warnings ?? []) say(w)
    for (const [k, v] of Object.entries(res.errors)) say(`error in ${k}: ${v}`)
    if (r.jsonFile !== undefined) {
      writeFileSync(r.jsonFile, `${JSON.stringify({ results: res, rows: r.table }, null, 2)}\n`)
      say(`results written to ${r.jsonFile}`)
    }
    process.exit(Object.keys(res.errors).length > 0 ? 1 : 0)
  }

  const run = (main: () => Promise<void>, report: () => Report) => {
    const finish = async () => {
      try {
        await main()
      } finally {
        log("cleaning up (heron kill, runtime, temporary HERON_HOME)")
        await cleanup()
      }
      // Interrupted: `stop` exits once everything is cleaned up; no table from a cut-short run.
      if (stopping()) return
      const durationSec = (Date.now() - t0) / 1000
      o.results.durationSec = durationSec
      print(report(), durationSec)
    }
    finish().catch((e: unknown) => {
      log(`failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)
      void stop(1)
    })
  }

  return { log, build: () => build(o.root, log), phase, run }
}
