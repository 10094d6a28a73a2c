/**
 * The real deployment the benchmark measures: a `heron-runtime --cluster local` on 127.0.0.1 with
 * a temporary HERON_HOME, and topologies submitted and killed with the real `heron` CLI, all run
 * from `dist/` as a user runs them. Everything started here is stopped by `cleanup`: topologies are
 * killed with `heron kill`, the runtime's process group gets SIGTERM then SIGKILL, and any process
 * still carrying this HERON_HOME in its environment (a container the kill missed) has its process
 * group killed. Only processes started under this run's unique HERON_HOME are ever signalled.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { pgidOf, pidsWithEnv } from "./Proc.js"

export const HOST = "127.0.0.1"

const ReadyLine = Schema.Struct({
  message: Schema.String,
  annotations: Schema.optional(Schema.Struct({ tracker: Schema.optional(Schema.String) }))
})
const decodeReady = Schema.decodeUnknownOption(Schema.parseJson(ReadyLine))

const SchedulerStatus = Schema.Struct({
  containers: Schema.Array(Schema.Struct({ index: Schema.Number, state: Schema.String, handle: Schema.String }))
})
const decodeStatus = Schema.decodeUnknownOption(SchedulerStatus)

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `probe` every `everyMs` until it returns a value; rejects after `timeoutMs`. */
export const waitFor = async <A>(what: string, probe: () => A | undefined, timeoutMs: number, everyMs = 20): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** A finished CLI run. */
export interface CliResult {
  readonly code: number | null
  readonly output: string
  /** Each output line with the wall-clock ms it arrived at. */
  readonly lines: ReadonlyArray<{ readonly t: number; readonly text: string }>
  /** Wall-clock ms at spawn and at exit. */
  readonly startedAt: number
  readonly endedAt: number
}

/** A container of a running topology, from the runtime's `/scheduler/status`. */
export interface Container {
  readonly index: number
  readonly pid: number
}

export class Harness {
  readonly home: string
  private runtime: ChildProcess | undefined
  private runtimeErr = ""
  tracker = ""
  /** Topologies submitted and not yet killed. */
  private readonly live = new Set<string>()
  /** CLI processes running now (killed on cleanup). */
  private readonly clis = new Set<ChildProcess>()
  private cleaned: Promise<void> | undefined

  constructor(readonly root: string) {
    this.home = mkdtempSync(join(tmpdir(), "heron-bench-"))
  }

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, HERON_HOME: this.home, HERON_HOST: HOST, HERON_CLUSTER: "local", HERON_LOG_LEVEL: "Info" }
  }

  /** Starts `heron-runtime --cluster local --port 0` in its own process group; resolves with the
   * Tracker's URL once its ready line is printed. */
  async startRuntime(): Promise<string> {
    const child = spawn(process.execPath, [join(this.root, "dist/core/cli/runtime-bin.js"), "--cluster", "local", "--port", "0"], {
      cwd: this.root, env: this.env(), stdio: ["ignore", "ignore", "pipe"], detached: true
    })
    this.runtime = child
    child.stderr?.on("data", (d: Buffer) => {
      this.runtimeErr += d.toString()
      if (this.runtimeErr.length > 1_000_000) this.runtimeErr = this.runtimeErr.slice(-100_000)
    })
    this.tracker = await waitFor(`heron-runtime's ready line (stderr: ${this.runtimeErr.slice(-500)})`, () => {
      if (child.exitCode !== null) throw new Error(`heron-runtime exited with ${child.exitCode}: ${this.runtimeErr.slice(-2000)}`)
      for (const line of this.runtimeErr.split("\n")) {
        const ready = decodeReady(line)
        if (ready._tag === "Some" && ready.value.message === "heron-runtime ready") return ready.value.annotations?.tracker
      }
      return undefined
    }, 30_000, 50)
    const url = new URL(this.tracker)
    if (url.hostname !== HOST) throw new Error(`the runtime serves ${this.tracker}, not ${HOST}: refusing to go on`)
    return this.tracker
  }

  /** Runs `heron <args>` to completion. */
  cli(args: ReadonlyArray<string>, timeoutMs = 120_000): Promise<CliResult> {
    const startedAt = Date.now()
    const child = spawn(process.execPath, [join(this.root, "dist/core/cli/heron-bin.js"), ...args], {
      cwd: this.root, env: this.env(), stdio: ["ignore", "pipe", "pipe"]
    })
    this.clis.add(child)
    let output = ""
    const lines: Array<{ t: number; text: string }> = []
    let partial = ""
    const onData = (d: Buffer) => {
      const text = d.toString()
      output += text
      const parts = (partial + text).split("\n")
      partial = parts.pop() ?? ""
      const t = Date.now()
      for (const p of parts) if (p.trim() !== "") lines.push({ t, text: p })
    }
    child.stdout?.on("data", onData)
    child.stderr?.on("data", onData)
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    return new Promise((resolve) => {
      child.on("close", (code) => {
        clearTimeout(timer)
        this.clis.delete(child)
        resolve({ code, output, lines, startedAt, endedAt: Date.now() })
      })
    })
  }

  /** `heron submit local <file> --name <name> --config-property k=v ...`; throws when it fails. */
  async submit(file: string, name: string, props: Readonly<Record<string, string | number>>): Promise<CliResult> {
    this.live.add(name)
    const args = ["submit", "local", file, "--name", name, ...Object.entries(props).flatMap(([k, v]) => ["--config-property", `${k}=${v}`])]
    const r = await this.cli(args)
    if (r.code !== 0) throw new Error(`heron submit ${name} failed (${r.code}): ${r.output.slice(-2000)}`)
    return r
  }

  /** `heron kill local <name>`. */
  async kill(name: string): Promise<void> {
    const r = await this.cli(["kill", "local", name], 60_000)
    if (r.code === 0) this.live.delete(name)
    else throw new Error(`heron kill ${name} failed (${r.code}): ${r.output.slice(-1000)}`)
  }

  /** The running containers of a topology (pid from the scheduler's `pid@starttime` handle). */
  async containers(name: string): Promise<Array<Container>> {
    const res = await fetch(`${this.tracker}/scheduler/status?cluster=local&topology=${encodeURIComponent(name)}`)
    const status = decodeStatus(await res.json())
    if (status._tag === "None") throw new Error(`unexpected /scheduler/status answer for ${name}`)
    return status.value.containers.flatMap((c) => {
      const pid = Number(c.handle.split("@")[0])
      return c.state === "running" && Number.isSafeInteger(pid) && pid > 0 ? [{ index: c.index, pid }] : []
    }).sort((a, b) => a.index - b.index)
  }

  /** Waits until the scheduler reports `count` running containers. */
  async awaitContainers(name: string, count: number): Promise<Array<Container>> {
    const deadline = Date.now() + 30_000
    for (;;) {
      const cs = await this.containers(name)
      if (cs.length >= count) return cs
      if (Date.now() > deadline) throw new Error(`${name}: ${cs.length}/${count} containers running after 30 s`)
      await sleep(100)
    }
  }

  /** A fresh directory for one topology's output. */
  outDir(name: string): string {
    const dir = join(this.home, "bench-out", name)
    mkdirSync(dir, { recursive: true })
    return dir
  }

  /** Stops everything this harness started; safe to call more than once (later calls wait). */
  cleanup(): Promise<void> {
    this.cleaned ??= this.doCleanup()
    return this.cleaned
  }

  private async doCleanup(): Promise<void> {
    for (const c of this.clis) c.kill("SIGKILL")
    if (this.runtime !== undefined && this.runtime.exitCode === null) {
      for (const name of [...this.live]) await this.kill(name).catch(() => undefined)
    }
    const rt = this.runtime
    if (rt?.pid !== undefined && rt.exitCode === null) {
      signalGroup(rt.pid, "SIGTERM")
      const deadline = Date.now() + 5_000
      while (rt.exitCode === null && rt.signalCode === null && Date.now() < deadline) await sleep(50)
      signalGroup(rt.pid, "SIGKILL")
    }
    // Containers outlive the runtime by design: whatever still runs under this HERON_HOME goes.
    for (let round = 0; round < 3; round++) {
      const pids = pidsWithEnv("HERON_HOME", this.home)
      if (pids.length === 0) break
      for (const pid of pids) {
        const pgid = pgidOf(pid)
        // A container leads its own group; anything else (never expected) is signalled alone.
        if (pgid === pid) signalGroup(pgid, "SIGKILL")
        else {
          try {
            process.kill(pid, "SIGKILL")
          } catch {
            // gone already
          }
        }
      }
      await sleep(200)
    }
    rmSync(this.home, { recursive: true, force: true })
  }

  /** The runtime's stderr so far (for error reports). */
  runtimeLog(): string {
    return this.runtimeErr
  }
}

const signalGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal)
  } catch {
    // already gone
  }
}
