/**
 * The API server benchmark of issue 8 ("API server requests per second with auth on"): one
 * command, one table.
 *
 *   npm run bench:api                       # ~2 minutes: 3 interleaved rounds of 8 s passes
 *   npm run bench:api -- --quick            # ~40 s: 1 round of 4 s passes
 *   npm run bench:api -- --connections 32   # requests in flight (default 16)
 *   npm run bench:api -- --json <file>      # also write every figure
 *   npm run bench:api -- --no-build         # use dist/ as it is
 *
 * Two real `heron-runtime` processes on 127.0.0.1 (temporary HERON_HOMEs, port 0), idle, one at a
 * time under load: auth on (the fixture cluster `api`: role tokens from HERON_API_TOKENS, and an
 * access token) and auth off (the fixture cluster `base`: no token, open to loopback only).
 * autocannon drives the API server's cheapest authenticated read, `GET /api/v1/topologies/
 * {cluster}/{role}/default` (the role's topologies, from the Tracker's watched cache), as fast as
 * it answers; rounds alternate on/off and the best pass of each counts. Also measured: refusals
 * (no token: 401) per second, the Tracker's unauthenticated `/clusters` on the same runtime, and
 * the auth decision alone in this process with 2 and with 1,000 role tokens.
 */
import autocannon from "autocannon"
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Option, Redacted } from "effect"
import { decider } from "../core/api/ApiAuth.js"
import * as ApiSettings from "../core/api/ApiSettings.js"
import { quantile } from "./internal/CountFiles.js"
import { ms, perSec, type Row, render } from "./internal/Table.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const argv = process.argv.slice(2)
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write("usage: npm run bench:api -- [--quick] [--connections N] [--json <file>] [--no-build]\n")
  process.exit(0)
}
const flag = (name: string): string | undefined => {
  const at = argv.indexOf(name)
  const next = at < 0 ? undefined : argv[at + 1]
  return next !== undefined && !next.startsWith("--") ? next : undefined
}
const quick = argv.includes("--quick")
const T = { seconds: quick ? 4 : 8, rounds: quick ? 1 : 3, connections: Number(flag("--connections") ?? 16), decisions: 200_000 }
const jsonFile = argv.includes("--json") ? resolve(flag("--json") ?? "api-bench-results.json") : undefined

const ROLE = "bench"
const TOKEN = "bench-role-token-3b9f07c2e1d4"
const ACCESS = "bench-access-token-8a61d0f5"

const t0 = Date.now()
const log = (m: string) => process.stderr.write(`[bench:api ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}\n`)

interface Runtime {
  readonly child: ChildProcess
  readonly home: string
  readonly url: string
}
const started: Array<Runtime> = []

/** Starts `heron-runtime --cluster <cluster>` and waits for its ready line. */
const startRuntime = (cluster: string, env: Record<string, string>): Promise<Runtime> =>
  new Promise((resolveRuntime, reject) => {
    const home = mkdtempSync(join(tmpdir(), "heron-bench-api-"))
    const child = spawn(process.execPath, [join(root, "dist/core/cli/runtime-bin.js"), "--cluster", cluster, "--clusters-dir", join(root, "test/fixtures/clusters"), "--port", "0"], {
      cwd: root,
      env: { ...process.env, HERON_HOME: home, HERON_LOG_LEVEL: "Info", ...env },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let err = ""
    const timer = setTimeout(() => reject(new Error(`heron-runtime --cluster ${cluster} not ready after 60 s: ${err.slice(-2000)}`)), 60_000)
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString()
      const ready = err.split("\n").find((l) => l.includes("heron-runtime ready"))
      if (ready === undefined) return
      clearTimeout(timer)
      const parsed: unknown = JSON.parse(ready)
      const url = typeof parsed === "object" && parsed !== null && "annotations" in parsed && typeof parsed.annotations === "object" && parsed.annotations !== null &&
          "tracker" in parsed.annotations ? String(parsed.annotations.tracker) : ""
      const rt = { child, home, url }
      started.push(rt)
      resolveRuntime(rt)
    })
    child.on("exit", (code) => reject(new Error(`heron-runtime --cluster ${cluster} exited (${String(code)}): ${err.slice(-2000)}`)))
  })

const stopAll = async () => {
  await Promise.all(started.map((rt) =>
    new Promise<void>((done) => {
      if (rt.child.exitCode !== null) return done()
      rt.child.once("exit", () => done())
      rt.child.kill("SIGTERM")
      setTimeout(() => rt.child.kill("SIGKILL"), 10_000).unref()
    })))
  for (const rt of started) rmSync(rt.home, { recursive: true, force: true })
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping the runtimes`)
    void stopAll().finally(() => process.exit(130))
  })
}

/** What one pass measured. */
interface Pass {
  readonly perSec: number
  readonly p50: number
  readonly p99: number
  readonly expected: number
  readonly other: number
  readonly errors: number
}

/** Drives `url` for `seconds`, counting the answers with `status` (their latencies in fractional ms). */
const drive = async (url: string, headers: Record<string, string>, status: number): Promise<Pass> => {
  const latencies: Array<number> = []
  let other = 0
  // autocannon's own types (bench/tracker/autocannon.d.ts) list no headers; it takes them.
  const options = { url, method: "GET", headers, connections: T.connections, pipelining: 1, duration: T.seconds, timeout: 10 }
  const instance = autocannon(options)
  instance.on("response", (_client, code, _bytes, took) => {
    if (code === status) latencies.push(took)
    else other++
  })
  const result = await instance
  const seconds = result.duration > 0 ? result.duration : T.seconds
  return {
    perSec: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    expected: latencies.length,
    other,
    errors: result.errors + result.timeouts
  }
}

const best = (a: Pass | undefined, b: Pass): Pass => (a === undefined || b.perSec > a.perSec ? b : a)

/** Microseconds per decision of the auth rule with `roles` role tokens (the request's is the last). */
const decisionMicros = (roles: number): number => {
  const tokens = Object.fromEntries(Array.from({ length: roles }, (_, i) => [`role-${i}`, `token-${i}-${"x".repeat(24)}`]))
  const settings = ApiSettings.make([{ name: "c", api: { tokens }, packing: { algorithm: "round-robin" }, topologyDefaults: {} }], {
    accessToken: Option.some(Redacted.make(ACCESS)),
    host: "0.0.0.0"
  })
  const decide = decider(settings)
  const last = `role-${roles - 1}`
  const request = { cluster: "c", role: last, authorization: `Bearer ${tokens[last] ?? ""}` }
  for (let i = 0; i < 10_000; i++) decide(request)
  const start = process.hrtime.bigint()
  for (let i = 0; i < T.decisions; i++) {
    if (decide(request)._tag !== "Allow") throw new Error("the benchmark's token was refused")
  }
  return Number(process.hrtime.bigint() - start) / 1000 / T.decisions
}

const main = async () => {
  if (!argv.includes("--no-build")) {
    log("building dist/ (tsc -p tsconfig.build.json)")
    const r = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" })
    if (r.status !== 0) log(`tsc reported problems (dist/ was still emitted):\n${r.stdout.slice(0, 2000)}`)
  }
  log("starting heron-runtime --cluster api (auth on) and --cluster base (auth off), on 127.0.0.1")
  const on = await startRuntime("api", { HERON_API_TOKENS: `${ROLE}:${TOKEN},other:bench-other-token-0c4e`, HERON_ACCESS_TOKEN: ACCESS })
  const off = await startRuntime("base", {})
  const list = (rt: Runtime, cluster: string) => `${rt.url}/api/v1/topologies/${cluster}/${ROLE}/default`
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` })

  const passes: Record<"on" | "access" | "off" | "refused" | "tracker", Pass | undefined> = { on: undefined, access: undefined, off: undefined, refused: undefined, tracker: undefined }
  for (let round = 1; round <= T.rounds; round++) {
    log(`round ${round}/${T.rounds}: ${T.seconds} s passes, ${T.connections} connections`)
    passes.off = best(passes.off, await drive(list(off, "base"), {}, 200))
    passes.on = best(passes.on, await drive(list(on, "api"), bearer(TOKEN), 200))
    passes.access = best(passes.access, await drive(list(on, "api"), bearer(ACCESS), 200))
    passes.refused = best(passes.refused, await drive(list(on, "api"), {}, 401))
    passes.tracker = best(passes.tracker, await drive(`${on.url}/clusters`, {}, 200))
  }
  log("the auth decision alone, in this process")
  const micros2 = decisionMicros(2)
  const micros1000 = decisionMicros(1000)

  const offPass = passes.off
  const row = (id: string, metric: string, p: Pass | undefined, base: Pass | undefined, note: string): Row => ({
    id,
    metric,
    measured: p === undefined ? "n/a" : `${perSec(p.perSec)} (p50 ${ms(p.p50)}, p99 ${ms(p.p99)})`,
    measuredValue: p?.perSec,
    baseline: base === undefined ? "—" : `${perSec(base.perSec)} auth off`,
    baselineValue: base?.perSec,
    ratio: p !== undefined && base !== undefined ? p.perSec / base.perSec : undefined,
    target: "—",
    outcome: "info",
    note: p === undefined ? note : `${note}${p.other + p.errors > 0 ? `; ${p.other} other answers, ${p.errors} errors` : ""}`
  })
  const rows: ReadonlyArray<Row> = [
    row("1", "GET list, auth off (no token, loopback)", offPass, undefined, "runtime `base`"),
    row("2", "GET list, auth on (role token)", passes.on, offPass, "sha256 of the token + route params, per request"),
    row("3", "GET list, auth on (access token)", passes.access, offPass, "same path"),
    row("4", "refused: no token → 401", passes.refused, offPass, "answered before any handler"),
    row("5", "Tracker /clusters (no auth), same runtime", passes.tracker, offPass, "the server without the API group"),
    {
      id: "6",
      metric: "auth decision alone, 1,000 role tokens",
      measured: `${ms(micros1000 / 1000)} / request`,
      measuredValue: micros1000,
      baseline: `${ms(micros2 / 1000)} with 2 tokens`,
      baselineValue: micros2,
      ratio: micros1000 / micros2,
      target: "—",
      outcome: "info",
      note: "tokens indexed by digest: one hash per request"
    }
  ]
  process.stdout.write(`\nAPI server, ${T.connections} connections, best of ${T.rounds} × ${T.seconds} s; ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}, node ${process.version}\n\n`)
  process.stdout.write(`${render(rows)}\n`)
  if (jsonFile !== undefined) {
    writeFileSync(jsonFile, JSON.stringify({ startedAt: new Date(t0).toISOString(), settings: T, passes, decisionMicros: { 2: micros2, 1000: micros1000 }, rows }, null, 2))
    log(`figures written to ${jsonFile}`)
  }
}

main().then(
  () => stopAll(),
  async (e: unknown) => {
    log(`failed: ${e instanceof Error ? e.message : String(e)}`)
    await stopAll()
    process.exitCode = 1
  }
)
