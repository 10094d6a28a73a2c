/**
 * Runs the compiled bins as a user would (`node dist/core/cli/<bin>.js`), collecting their output,
 * and waits on what they print. Every process started here is killed in `stopAll`.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
export const fixtureClusters = join(repoRoot, "test/fixtures/clusters")
const bins = { "heron-runtime": "dist/core/cli/runtime-bin.js", heron: "dist/core/cli/heron-bin.js" } as const

export interface Running {
  readonly child: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | string>
}

const started = new Set<ChildProcess>()

export const start = (bin: keyof typeof bins, args: ReadonlyArray<string>, env: Record<string, string> = {}): Running => {
  const child = spawn(process.execPath, [join(repoRoot, bins[bin]), ...args], {
    cwd: repoRoot,
    env: { ...process.env, HERON_LOG_LEVEL: "Info", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  started.add(child)
  let out = ""
  let err = ""
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => {
      started.delete(child)
      resolve(code ?? signal ?? "unknown")
    }))
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Runs a bin to completion. */
export const run = async (bin: keyof typeof bins, args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const r = start(bin, args, env)
  const code = await r.exited
  return { code, stdout: r.stdout(), stderr: r.stderr() }
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs` with `what`. */
export const waitFor = async <A>(what: string, probe: () => A | undefined, timeoutMs = 20_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The JSON log lines a runtime printed on stderr so far. */
export const logLines = (r: Running): Array<Record<string, unknown>> =>
  r.stderr().split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Record<string, unknown>)

/** Waits for the runtime's ready line and returns the Tracker's base URL. */
export const trackerUrl = (r: Running) =>
  waitFor(`heron-runtime ready (stderr so far: ${r.stderr()})`, () => {
    const ready = r.stderr().split("\n").find((l) => l.includes("heron-runtime ready"))
    if (ready === undefined) return undefined
    const parsed = JSON.parse(ready) as { annotations?: { tracker?: string } }
    return parsed.annotations?.tracker
  })

/**
 * `trackerUrl` for runtimes that start slowly (a real Slurm or several suites loading the machine):
 * waits up to 3 minutes, and fails at once, with the end of its stderr, when the runtime exits.
 */
export const patientTrackerUrl = async (rt: Running): Promise<string> => {
  const deadline = Date.now() + 180_000
  for (;;) {
    const line = rt.stderr().split("\n").find((l) => l.includes("heron-runtime ready"))
    const tracker = line === undefined ? undefined : (JSON.parse(line) as { annotations?: { tracker?: string } }).annotations?.tracker
    if (tracker !== undefined) return tracker
    if (rt.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`heron-runtime not ready (exit ${rt.child.exitCode}); stderr: ${rt.stderr().slice(-3000)}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

export const tempHome = (): { dir: string; cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), "heron-test-"))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export const stopAll = async (): Promise<void> => {
  const waits = [...started].map((c) => new Promise((r) => { c.once("exit", r); c.kill("SIGKILL") }))
  await Promise.all(waits)
}
