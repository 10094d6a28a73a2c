/**
 * Helper processes of the benchmark (baseline loop, loopback TCP ends, a bare Node process): run
 * with this process's Node and loader flags, their JSON stdout lines awaited one by one, and all
 * killed by `killAll` (cleanup, Ctrl-C).
 */
import { spawn, type ChildProcess } from "node:child_process"

const running = new Set<ChildProcess>()

export interface Child {
  readonly process: ChildProcess
  readonly pid: number
  /** The next stdout line that parses as a JSON object with `key`; rejects when the child exits
   * first or after `timeoutMs`. */
  readonly next: (key: string, timeoutMs?: number) => Promise<Record<string, unknown>>
  readonly kill: () => void
  readonly stderr: () => string
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Starts `node [this process's exec flags] <args>`. */
export const startChild = (args: ReadonlyArray<string>, options: { readonly execArgv?: boolean; readonly cwd?: string } = {}): Child => {
  const argv = options.execArgv === false ? [...args] : [...process.execArgv, ...args]
  const proc = spawn(process.execPath, argv, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] })
  running.add(proc)
  const lines: Array<Record<string, unknown>> = []
  const waiters = new Set<() => void>()
  let rest = ""
  let err = ""
  let exited = false
  proc.stdout?.on("data", (d: Buffer) => {
    const parts = (rest + d.toString()).split("\n")
    rest = parts.pop() ?? ""
    for (const p of parts) {
      try {
        const u: unknown = JSON.parse(p)
        if (isRecord(u)) lines.push(u)
      } catch {
        // not a result line
      }
    }
    for (const w of waiters) w()
  })
  proc.stderr?.on("data", (d: Buffer) => {
    err = (err + d.toString()).slice(-4000)
  })
  proc.on("exit", () => {
    exited = true
    running.delete(proc)
    for (const w of waiters) w()
  })
  const next = (key: string, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const i = lines.findIndex((l) => key in l)
        const line = lines[i]
        if (i >= 0 && line !== undefined) {
          lines.splice(i, 1)
          done()
          resolve(line)
        } else if (exited) {
          done()
          reject(new Error(`helper ${args.join(" ")} exited before printing "${key}": ${err}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`helper ${args.join(" ")} printed no "${key}" within ${timeoutMs} ms: ${err}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        waiters.delete(check)
      }
      waiters.add(check)
      check()
    })
  return {
    process: proc,
    pid: proc.pid ?? 0,
    next,
    kill: () => {
      if (!exited) proc.kill("SIGKILL")
    },
    stderr: () => err
  }
}

/** Kills every helper still running. */
export const killAll = (): void => {
  for (const p of running) p.kill("SIGKILL")
}

/** A number field of a result line; NaN when absent. */
export const num = (line: Record<string, unknown>, key: string): number => {
  const v = line[key]
  return typeof v === "number" ? v : Number.NaN
}
