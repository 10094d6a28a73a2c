/**
 * The UI benchmark of issue 7, item 6: the topology page of a topology with 3,000 instances, in
 * Debian's Chromium, against a real runtime. One command, one table.
 *
 *   npm run bench:ui                       # 5 cold and 5 warm loads of each page
 *   npm run bench:ui -- --runs 3 --no-build
 *   npm run bench:ui -- --json <file>      # also write every figure
 *
 * A `heron-runtime --cluster local` (127.0.0.1, port 0, temporary HERON_HOME) serves the UI. Two
 * topologies are registered by writing their state (`bench/tracker/Wide.ts`: nothing launched):
 * `wide` with a spout and a bolt of 2,999 instances in 30 containers, and `narrow`, the same with
 * 29, each with a real metrics cache (in this process) fed 10 minutes of metrics for every
 * instance. Each page is loaded in a fresh browser context (cold: nothing cached) and again in
 * the same context (warm: the UI's assets cached); a load ends when the DAG, every instance and
 * their health are drawn. The requests to the Tracker are counted: the same number for 30
 * instances and for 3,000 is what "bounded" means.
 */
import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import { Harness } from "./internal/Harness.js"
import { render } from "./internal/Table.js"
import * as Session from "./tracker/Session.js"
import * as Wide from "./tracker/Wide.js"
import { type Load, measureLoad, type Recording } from "./ui/Measure.js"
import { type Measured, rows } from "./ui/Report.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const argv = process.argv.slice(2)
const flag = (name: string): string | undefined => {
  const at = argv.indexOf(name)
  return at < 0 ? undefined : argv[at + 1]
}
const RUNS = Math.max(1, Number(flag("--runs") ?? 5))
const jsonFile = flag("--json") === undefined ? undefined : resolve(String(flag("--json")))
const CHROMIUM = process.env["HERON_CHROMIUM"] ?? "/usr/bin/chromium"
const WIDE = 3000
const NARROW = 30

const t0 = Date.now()
const log = (m: string) => process.stderr.write(`[bench:ui ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}\n`)

const harness = new Harness(root)
let session: Session.Session | undefined
let stopping = false
const cleanup = async () => {
  await session?.close().catch((e: unknown) => log(`closing the session: ${String(e)}`))
  await harness.cleanup()
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    if (stopping) return
    stopping = true
    log(`${sig}: stopping what this run started`)
    void cleanup().finally(() => process.exit(130))
  })
}

const build = () => {
  log("building dist/ (tsc, the bundled executor, the UI)")
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" })
  if (tsc.status !== 0) log(`tsc reported problems (dist/ was still emitted):\n${tsc.stdout.slice(0, 2000)}`)
  for (const script of ["scripts/bundle-executor.mjs", "scripts/build-ui.mjs"]) {
    const r = spawnSync(process.execPath, [join(root, script)], { cwd: root, encoding: "utf8" })
    if (r.status !== 0) throw new Error(`${script} failed:\n${r.stderr.slice(0, 2000)}`)
  }
}

/**
 * Cold loads (a new context each) and warm ones (a second load in the same context); then cold
 * loads whose Tracker answers are replayed from the first one's (the UI's own time, without the
 * runtime's).
 */
const loads = async (url: string, instances: number): Promise<{ cold: Array<Load>; warm: Array<Load>; replayed: Array<Load> }> => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"] })
  try {
    const cold: Array<Load> = []
    const warm: Array<Load> = []
    const replayed: Array<Load> = []
    const recording: Recording = new Map()
    // The page's readiness is polled by a script the page's CSP would refuse to evaluate.
    const newContext = () => browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true })
    for (let i = 0; i < RUNS; i++) {
      const context = await newContext()
      cold.push(await measureLoad(context, url, instances, 3000, i === 0 ? { record: recording } : {}))
      warm.push(await measureLoad(context, url, instances))
      await context.close()
      log(`  ${instances} instances, run ${i + 1}: cold ${cold[i]?.renderMs.toFixed(0)} ms, warm ${warm[i]?.renderMs.toFixed(0)} ms, ${cold[i]?.toRender.length} requests`)
    }
    for (let i = 0; i < RUNS; i++) {
      const context = await newContext()
      replayed.push(await measureLoad(context, url, instances, 500, { replay: recording }))
      await context.close()
      log(`  ${instances} instances, replayed run ${i + 1}: ${replayed[i]?.renderMs.toFixed(0)} ms`)
    }
    return { cold, warm, replayed }
  } finally {
    await browser.close()
  }
}

const main = async (): Promise<Measured> => {
  if (!argv.includes("--no-build")) build()
  const base = await harness.startRuntime()
  log(`runtime at ${base}; HERON_HOME ${harness.home}`)
  session = await Session.open(harness.home)
  const s = session
  for (const [name, instances] of [["wide", WIDE], ["narrow", NARROW]] as const) {
    log(`registering ${name}: ${instances} instances, 10 minutes of metrics each`)
    // The spout is one of the instances; 100 a container.
    await s.run(Wide.setUp(s.stateManager, { name, cluster: "local", instances: instances - 1, perContainer: 100, minutes: 10 }))
  }
  const page = (name: string) => `${base}/topology/local/bench/default/${name}`
  log(`loading the 3,000-instance page ${RUNS} times cold and warm`)
  const wide = await loads(page("wide"), WIDE)
  log(`loading the 30-instance page ${RUNS} times cold and warm`)
  const narrow = await loads(page("narrow"), NARROW)
  const manifest: unknown = JSON.parse(readFileSync(join(root, "dist/ui/manifest.json"), "utf8"))
  return { runs: RUNS, wide, narrow, manifest }
}

main()
  .then(async (m) => {
    await cleanup()
    const table = rows(m)
    const say = (line: string) => process.stdout.write(`${line}\n`)
    say(`\nheron-runtime UI benchmark — ${new Date().toISOString()}, ${cpus().length} cores, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`)
    say(`topology page of ${WIDE} instances (30 containers) and of ${NARROW}, in Chromium at 1280×800; ${RUNS} cold and ${RUNS} warm loads each; times from navigation start to DAG + instances + health drawn\n`)
    say(render(table))
    const checked = table.filter((r) => r.outcome !== "info")
    say(`\n${checked.filter((r) => r.outcome === "pass").length} of ${checked.length} targets met; ${((Date.now() - t0) / 1000).toFixed(0)} s`)
    if (jsonFile !== undefined) {
      writeFileSync(jsonFile, `${JSON.stringify({ measured: m, rows: table }, null, 2)}\n`)
      say(`results written to ${jsonFile}`)
    }
    process.exit(checked.every((r) => r.outcome === "pass") ? 0 : 1)
  })
  .catch(async (e: unknown) => {
    log(`failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`)
    await cleanup()
    process.exit(1)
  })
