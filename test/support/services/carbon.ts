/**
 * A real Graphite carbon-cache for tests: its own temp directory, its own free ports, started
 * with `--nodaemon` and stopped by its pid (never by name). Whisper files are read back with
 * `whisper-fetch --json`. See ../shared/BACKENDS.md for the recipe.
 *
 * `carbonMissing()` says why carbon cannot run here; a suite skips then, except under
 * `CI=true`, where `startCarbon` fails.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Data, Effect, Schedule, Schema, type Scope } from "effect"

export class CarbonError extends Data.TaggedError("CarbonError")<{ readonly message: string }> {}

const onPath = (bin: string): boolean => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0

/** Why carbon cannot run on this machine, or undefined when it can. */
export const carbonMissing = (): string | undefined =>
  onPath("carbon-cache") && onPath("whisper-fetch")
    ? undefined
    : "carbon-cache or whisper-fetch is not installed (apt-get install graphite-carbon python3-whisper)"

/** True when a suite should skip for want of carbon; throws under CI=true, where it must run. */
export const skipWithoutCarbon = (): boolean => {
  const missing = carbonMissing()
  if (missing !== undefined && process.env.CI === "true") throw new Error(missing)
  return missing !== undefined
}

/** A port nothing listens on right now (the kernel's pick). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port })
    s.once("connect", () => { s.destroy(); resolve(true) })
    s.once("error", () => { s.destroy(); resolve(false) })
  })

const WhisperFetch = Schema.parseJson(Schema.Struct({
  start: Schema.Number,
  end: Schema.Number,
  step: Schema.Number,
  values: Schema.Array(Schema.NullOr(Schema.Number))
}))

/** A running (or stopped, then restartable) carbon-cache. */
export interface Carbon {
  /** The plaintext (line receiver) port; stays the same across restarts. */
  readonly port: number
  /** Stops carbon (SIGTERM, SIGKILL after 10 s) and waits until it has exited. */
  readonly stop: Effect.Effect<void>
  /** Starts carbon again on the same ports and data, once it accepts connections. */
  readonly start: Effect.Effect<void, CarbonError>
  /** The whisper file of a metric path, e.g. `heron.wc.word.i1.__emit-count.default`. */
  readonly file: (metricPath: string) => string
  /** The values stored for `metricPath` since `fromSecs` (epoch seconds), by second; empty
   * while the whisper file does not exist yet. */
  readonly values: (metricPath: string, fromSecs: number) => Effect.Effect<ReadonlyMap<number, number>, CarbonError>
  /** Carbon's console output so far (for failure messages). */
  readonly output: () => string
}

/** Starts a carbon-cache in a temp directory on free ports; stopped and removed with the scope. */
export const startCarbon: Effect.Effect<Carbon, CarbonError, Scope.Scope> = Effect.gen(function* () {
  const missing = carbonMissing()
  if (missing !== undefined) return yield* new CarbonError({ message: missing })
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "heron-carbon-"))),
    (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
  )
  const [port, picklePort, queryPort] = yield* Effect.promise(() => Promise.all([freePort(), freePort(), freePort()]))
  for (const sub of ["whisper", "log", "run"]) mkdirSync(join(dir, sub))
  writeFileSync(join(dir, "carbon.conf"), [
    "[cache]",
    `STORAGE_DIR = ${dir}/`,
    `LOCAL_DATA_DIR = ${dir}/whisper/`,
    `CONF_DIR = ${dir}/`,
    `LOG_DIR = ${dir}/log/`,
    `PID_DIR = ${dir}/run/`,
    "DATABASE = whisper",
    "USER =",
    "ENABLE_TAGS = False",
    "MAX_CACHE_SIZE = inf",
    "MAX_UPDATES_PER_SECOND = inf",
    "MAX_CREATES_PER_MINUTE = inf",
    "LINE_RECEIVER_INTERFACE = 127.0.0.1",
    `LINE_RECEIVER_PORT = ${port}`,
    "ENABLE_UDP_LISTENER = False",
    "PICKLE_RECEIVER_INTERFACE = 127.0.0.1",
    `PICKLE_RECEIVER_PORT = ${picklePort}`,
    "CACHE_QUERY_INTERFACE = 127.0.0.1",
    `CACHE_QUERY_PORT = ${queryPort}`,
    "WHISPER_AUTOFLUSH = True",
    ""
  ].join("\n"))
  writeFileSync(join(dir, "storage-schemas.conf"), "[default]\npattern = .*\nretentions = 1s:1h,10s:1d\n")

  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let output = ""

  const stop = Effect.promise(async () => {
    const c = child
    if (c === undefined) return
    child = undefined
    if (c.exitCode === null && c.signalCode === null) {
      const killer = setTimeout(() => c.kill("SIGKILL"), 10_000)
      c.kill("SIGTERM")
      await exited
      clearTimeout(killer)
    }
  })

  const start = Effect.gen(function* () {
    if (child !== undefined) return
    // A pid file left by a killed carbon makes twistd refuse to start.
    rmSync(join(dir, "run", "carbon-cache-a.pid"), { force: true })
    const c = spawn("carbon-cache", [`--config=${join(dir, "carbon.conf")}`, "--nodaemon", "start"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    child = c
    exited = new Promise((resolve) => c.once("exit", () => resolve()))
    c.stdout?.on("data", (d: Buffer) => (output += d.toString()))
    c.stderr?.on("data", (d: Buffer) => (output += d.toString()))
    yield* Effect.promise(() => accepts(port)).pipe(
      Effect.filterOrFail((ok) => ok && child === c && c.exitCode === null,
        () => new CarbonError({ message: `carbon-cache does not accept on ${port} yet; output:\n${output}` })),
      Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("30 seconds")))
    )
  })

  const file = (metricPath: string) => join(dir, "whisper", ...metricPath.split(".")) + ".wsp"

  const values = (metricPath: string, fromSecs: number) =>
    Effect.gen(function* () {
      const wsp = file(metricPath)
      if (!existsSync(wsp)) return new Map<number, number>()
      const r = spawnSync("whisper-fetch", ["--json", `--from=${fromSecs}`, wsp], { encoding: "utf8" })
      if (r.status !== 0) return yield* new CarbonError({ message: `whisper-fetch ${wsp} failed: ${r.stderr}` })
      const fetched = yield* Schema.decodeUnknown(WhisperFetch)(r.stdout).pipe(
        Effect.mapError((e) => new CarbonError({ message: `whisper-fetch ${wsp} printed no JSON: ${e.message}` }))
      )
      const out = new Map<number, number>()
      fetched.values.forEach((v, i) => { if (v !== null) out.set(fetched.start + i * fetched.step, v) })
      return out
    })

  yield* Effect.addFinalizer(() => stop)
  yield* start
  return { port, stop, start, file, values, output: () => output }
})
