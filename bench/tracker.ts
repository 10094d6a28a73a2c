/**
 * The Tracker benchmark of issue 5: one command, one table.
 *
 *   npm run bench:tracker                    # ~6 minutes: 20 s per load pass
 *   npm run bench:tracker -- --quick         # ~2 minutes: 5 s per pass
 *   npm run bench:tracker -- --smoke         # ~1 minute: 2 s passes; checks the harness only
 *   npm run bench:tracker -- --json <file>   # also write every figure
 *   npm run bench:tracker -- --no-build      # use dist/ as it is
 *
 * A real `heron-runtime --cluster local` (127.0.0.1, port 0, temporary HERON_HOME) with 50 idle
 * topologies registered as state (see `tracker/Registry.ts`) and the bench word count submitted
 * with the real `heron` CLI. The word count runs first with metrics off, then on (their
 * throughputs compared), then stays at half its maximum rate while autocannon drives
 * `/topologies/physicalplan`, `/topologies/metrics` and `/topologies/metricstimeline` about it,
 * each as fast as it answers and at 1,000 req/s, next to a bare Node HTTP server (its own process)
 * answering the same JSON. Then a 3,000-instance topology's metrics are asked in one request
 * (`tracker/Wide.ts`). Whatever it started is stopped on exit, on failure and on Ctrl-C.
 */
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Command from "./internal/Command.js"
import { Harness, sleep, waitFor } from "./internal/Harness.js"
import { type Deployed, measure, settle, type Window, writeControl } from "./internal/Scenarios.js"
import { WORDS_PER_SENTENCE } from "./topologies/sentences.js"
import { sequential } from "./tracker/Load.js"
import { about, answer, countListed, endpointUrls, metricParams, runPasses } from "./tracker/Passes.js"
import { register, registration } from "./tracker/Registry.js"
import { render, type Results, rows } from "./tracker/Report.js"
import * as Session from "./tracker/Session.js"
import * as Wide from "./tracker/Wide.js"
import * as WordCount from "./tracker/WordCount.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const topologyFile = join(root, "bench/topologies/word-count.ts")
const bareServer = join(root, "bench/tracker/bare-server.ts")

const { mode, jsonFile, build } = Command.parseArgs(
  process.argv.slice(2),
  "usage: npm run bench:tracker -- [--quick | --smoke] [--json <file>] [--no-build]",
  "tracker-bench-results.json"
)

/** Seconds per load pass; ms for the word count, and rounds of metrics off then on (interleaved,
 * best of each: a disturbed window only loses); sequential requests (measured, then warm-up) of
 * the 3,000-instance queries, and the minutes of metrics fed for them. */
const T = {
  full: { pass: 20, warm: 4000, window: 8000, rounds: 2, settle: 3000, settleMax: 15_000, wideN: 40, wideWarm: 3, wideMinutes: 10 },
  quick: { pass: 5, warm: 2000, window: 3000, rounds: 2, settle: 1500, settleMax: 10_000, wideN: 20, wideWarm: 3, wideMinutes: 10 },
  smoke: { pass: 2, warm: 500, window: 1000, rounds: 1, settle: 300, settleMax: 2000, wideN: 3, wideWarm: 1, wideMinutes: 2 }
}[mode]
const REGISTERED = 50
const WIDE_INSTANCES = 3000
/** Metrics on: a report every second (Heron's default is 60). Off: one a day, i.e. none. */
const METRICS_ON_SECS = 1
const METRICS_OFF_SECS = 86_400
const WC = "wc"

const res: Results = { ...Command.runInfo(mode), http: {}, errors: {} }

const harness = new Harness(root)
let session: Session.Session | undefined
const command = Command.make({
  name: "bench:tracker",
  root,
  results: res,
  cleanup: async () => {
    await session?.close().catch((e: unknown) => log(`closing the session: ${String(e)}`))
    await harness.cleanup()
  }
})
const { log, phase } = command

const sm = () => {
  if (session === undefined) throw new Error("no session on the cluster's state manager")
  return session
}

const tracker = () => harness.tracker

const main = async () => {
  if (build) command.build()

  await phase("runtime", "starting heron-runtime --cluster local (127.0.0.1, temporary HERON_HOME)", async () => {
    log(`  tracker at ${await harness.startRuntime()}; HERON_HOME ${harness.home}`)
    session = await Session.open(harness.home)
  })
  if (res.errors["runtime"] !== undefined) return

  let written = 0
  let writeMs = 0
  await phase("register", `registering ${REGISTERED} idle topologies (state written, nothing launched)`, async () => {
    const start = performance.now()
    const s = sm()
    for (let i = 0; i < REGISTERED; i++) {
      await s.run(register(s.stateManager, registration({
        name: `idle-${String(i).padStart(2, "0")}`, cluster: "local", role: "bench", boltParallelism: 1, perContainer: 2, submittedAt: Math.floor(Date.now() / 1000)
      })))
      written++
    }
    writeMs = performance.now() - start
  })

  let wc: Deployed | undefined
  await phase("pipeline", `word count at full rate, metrics off then on (${T.rounds} round${T.rounds > 1 ? "s" : ""}; best of each)`, async () => {
    const best = (a: Window | undefined, b: Window) => (a === undefined || b.tuplesPerSec > a.tuplesPerSec ? b : a)
    let off: Window | undefined
    let on: Window | undefined
    for (let round = 1; round <= T.rounds; round++) {
      const o = await WordCount.deploy(harness, topologyFile, `wc-metrics-off-${round}`, METRICS_OFF_SECS)
      try {
        await sleep(T.warm)
        const w = await measure(o, T.window)
        log(`  round ${round}, metrics off: ${(w.tuplesPerSec / 1e6).toFixed(2)} M words/s, ${w.cores.toFixed(2)} cores, other load ${w.otherCores.toFixed(2)} cores`)
        off = best(off, w)
      } finally {
        await harness.kill(o.name)
      }
      // The last round's topology stays, for the Tracker passes.
      const last = round === T.rounds
      const d = await WordCount.deploy(harness, topologyFile, last ? WC : `wc-metrics-on-${round}`, METRICS_ON_SECS)
      if (last) wc = d
      try {
        await sleep(Math.max(T.warm, 2500))
        const s = sm()
        const r0 = await s.run(WordCount.cacheRecords(s.stateManager, d.name))
        const ta = Date.now()
        const w = await measure(d, T.window)
        log(`  round ${round}, metrics on: ${(w.tuplesPerSec / 1e6).toFixed(2)} M words/s, ${w.cores.toFixed(2)} cores, other load ${w.otherCores.toFixed(2)} cores`)
        on = best(on, w)
        // The window's last reports reach the cache within a flush or two.
        await sleep(1500)
        const r1 = await s.run(WordCount.cacheRecords(s.stateManager, d.name))
        if (off !== undefined && on !== undefined) {
          res.pipeline = { off, on, intervalSecs: METRICS_ON_SECS, records: r1 - r0, seconds: (Date.now() - ta) / 1000, rounds: round }
        }
      } finally {
        if (!last) await harness.kill(d.name)
      }
    }
  })

  await phase("http", "the Tracker under autocannon, next to a bare Node server", async () => {
    const d = wc
    const on = res.pipeline?.on
    if (d === undefined || on === undefined) throw new Error("the word count is not running: no Tracker load without it")
    const target = on.tuplesPerSec / 2
    writeControl(d, { rate: target / WORDS_PER_SENTENCE, stallMs: 0, stallSeq: 0 })
    await settle(d, T.settle, T.settleMax)

    res.registered = { listed: countListed(JSON.parse(await answer(`${tracker()}/topologies?cluster=local`))), written, ms: writeMs }
    d.files.poll()
    const ta = Date.now()
    const urls = endpointUrls(tracker(), WC, Math.floor(ta / 1000))
    Object.assign(res.http, await runPasses({ urls, dir: harness.home, bareServer, seconds: T.pass, log }))
    // The count tasks' records may lag behind a loaded machine: the window ends at the last one.
    const end = Date.now()
    const tb = await waitFor(`${WC}: records past the start of the HTTP passes`, () => {
      d.files.poll()
      const h = d.files.horizon()
      return h >= end || (h > ta && Date.now() > end + 10_000) ? Math.min(h, end) : undefined
    }, 30_000, 50)
    res.half = { target, tuplesPerSec: (d.files.countAt(tb) - d.files.countAt(ta)) / ((tb - ta) / 1000), seconds: (tb - ta) / 1000 }
  })

  await phase("wide", `a ${WIDE_INSTANCES}-instance topology's metrics in one request`, async () => {
    const s = sm()
    const minutes = T.wideMinutes
    const w = await s.run(Wide.setUp(s.stateManager, { name: "wide", cluster: "local", instances: WIDE_INSTANCES, perContainer: 100, minutes }))
    const base = `${tracker()}/topologies/metrics?${about("wide")}&component=${w.component}&${metricParams(Wide.WIDE_METRICS)}`
    const now = Math.floor(Date.now() / 1000)
    // Each request a URL of its own (an extra parameter the Tracker ignores): every answer is made
    // anew, none is a remembered one (see core/tracker/AnswerCache.ts).
    const metrics = await sequential((i) => `${base}&interval=600&request=${i}`, T.wideN, T.wideWarm)
    // The timeline is information only, and slow: fewer samples.
    const timelineBase = `${base.replace("/topologies/metrics?", "/topologies/metricstimeline?")}&starttime=${now - minutes * 60}&endtime=${now}`
    const timeline = await sequential((i) => `${timelineBase}&request=${i}`, Math.min(T.wideN, 10), T.wideWarm)
    // The metrics cache alone, for the same selection: where the time goes.
    const cache = await sequential(w.cacheMetricsUrl, T.wideN, T.wideWarm, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ selections: [{ component: w.component, metrics: Wide.WIDE_METRICS, instances: [] }], interval: 600 })
    })
    // Every instance must be in the answer, or the figure would flatter the Tracker.
    const sample = await answer(`${base}&interval=600`)
    const instances = new Set(sample.match(/container_\d+_sink_\d+/g) ?? []).size
    if (instances !== WIDE_INSTANCES) throw new Error(`/topologies/metrics answered for ${instances} of ${WIDE_INSTANCES} instances`)
    res.wide = { instances: WIDE_INSTANCES, minutes, records: w.records, metrics, timeline, cache }
  })

  if (wc !== undefined) await harness.kill(wc.name).catch((e: unknown) => log(`killing ${WC}: ${String(e)}`))
}

command.run(main, () => {
  const table = rows(res)
  return {
    what: "Tracker",
    about: `${REGISTERED} idle topologies registered; word count (2 containers) at half load; autocannon in this process, the Tracker in the runtime's, the bare server in its own; latencies are client-side`,
    table,
    rendered: render(table),
    jsonFile
  }
})
