/**
 * A real StatsD server (npm `statsd`, a dev dependency) for tests: its own temp directory, free
 * UDP, TCP and management ports, started as `node node_modules/statsd/stats.js config.js` and
 * stopped by its pid. Its backend (`statsd-file-backend.cjs`) appends every flush (every 100 ms)
 * to a file, which `seen` reads back.
 *
 * `statsdMissing()` says why StatsD cannot run here; a suite skips then, except under `CI=true`.
 */
import { spawn } from "node:child_process"
import { createSocket } from "node:dgram"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createConnection } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Data, Effect, Schedule, Schema, type Scope } from "effect"
import { freePort } from "./carbon.js"

export class StatsdError extends Data.TaggedError("StatsdError")<{ readonly message: string }> {}

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))
const statsJs = join(repoRoot, "node_modules", "statsd", "stats.js")
const backend = fileURLToPath(new URL("./statsd-file-backend.cjs", import.meta.url))

/** Why StatsD cannot run here, or undefined when it can. */
export const statsdMissing = (): string | undefined =>
  existsSync(statsJs) ? undefined : `${statsJs} is missing (the statsd dev dependency is not installed)`

/** True when a suite should skip for want of StatsD; throws under CI=true, where it must run. */
export const skipWithoutStatsd = (): boolean => {
  const missing = statsdMissing()
  if (missing !== undefined && process.env.CI === "true") throw new Error(missing)
  return missing !== undefined
}

/** A UDP port nothing is bound to right now. */
export const freeUdpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createSocket("udp4")
    s.once("error", reject)
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

/** What StatsD flushed so far: counters summed over flushes, the last value of each gauge. */
export interface Seen {
  readonly counters: ReadonlyMap<string, number>
  readonly gauges: ReadonlyMap<string, number>
}

const Flush = Schema.parseJson(Schema.Struct({
  counters: Schema.Record({ key: Schema.String, value: Schema.Number }),
  gauges: Schema.Record({ key: Schema.String, value: Schema.Number })
}))

/** A running StatsD server. */
export interface StatsdServer {
  /** Its UDP port. */
  readonly port: number
  /** Its TCP port (StatsD's `servers/tcp`). */
  readonly tcpPort: number
  /** What it has flushed so far. */
  readonly seen: Effect.Effect<Seen, StatsdError>
  /** StatsD's console output so far (for failure messages). */
  readonly output: () => string
}

const answers = (port: number, command: string): Promise<string> =>
  new Promise((resolve) => {
    let text = ""
    const s = createConnection({ host: "127.0.0.1", port })
    s.once("connect", () => s.write(`${command}\n`))
    s.on("data", (d: Buffer) => {
      text += d.toString()
      if (text.includes("\n")) s.end()
    })
    s.once("close", () => resolve(text))
    s.once("error", () => resolve(""))
  })

/** Starts StatsD (UDP and TCP) on free ports; stopped and removed with the scope. */
export const startStatsd: Effect.Effect<StatsdServer, StatsdError, Scope.Scope> = Effect.gen(function* () {
  const missing = statsdMissing()
  if (missing !== undefined) return yield* new StatsdError({ message: missing })
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "heron-statsd-"))),
    (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
  )
  const [port, tcpPort, mgmtPort] = yield* Effect.promise(() => Promise.all([freeUdpPort(), freePort(), freePort()]))
  const flushes = join(dir, "flushes.jsonl")
  writeFileSync(join(dir, "config.js"), JSON.stringify({
    servers: [
      { server: "./servers/udp", address: "127.0.0.1", port },
      { server: "./servers/tcp", address: "127.0.0.1", port: tcpPort }
    ],
    mgmt_address: "127.0.0.1",
    mgmt_port: mgmtPort,
    flushInterval: 100,
    deleteIdleStats: true,
    automaticConfigReload: false,
    backends: [backend],
    fileBackend: { path: flushes }
  }))

  let output = ""
  const child = yield* Effect.acquireRelease(
    Effect.sync(() => spawn(process.execPath, [statsJs, join(dir, "config.js")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })),
    (c) =>
      Effect.promise(() =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve()
          c.once("exit", () => resolve())
          c.kill("SIGTERM")
        }))
  )
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))

  yield* Effect.promise(() => answers(mgmtPort, "health")).pipe(
    Effect.filterOrFail((text) => text.includes("health: up") && child.exitCode === null,
      () => new StatsdError({ message: `StatsD does not answer on ${mgmtPort} yet; output:\n${output}` })),
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("30 seconds")))
  )

  const seen = Effect.gen(function* () {
    const counters = new Map<string, number>()
    const gauges = new Map<string, number>()
    const text = existsSync(flushes) ? readFileSync(flushes, "utf8") : ""
    // Only whole lines: StatsD may be appending one right now.
    for (const line of text.slice(0, text.lastIndexOf("\n") + 1).split("\n")) {
      if (line.trim() === "") continue
      const flush = yield* Schema.decodeUnknown(Flush)(line).pipe(
        Effect.mapError((e) => new StatsdError({ message: `unreadable flush line ${line}: ${e.message}` }))
      )
      for (const [k, v] of Object.entries(flush.counters)) counters.set(k, (counters.get(k) ?? 0) + v)
      for (const [k, v] of Object.entries(flush.gauges)) gauges.set(k, v)
    }
    return { counters, gauges }
  })

  return { port, tcpPort, seen, output: () => output }
})
