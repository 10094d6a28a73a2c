/**
 * A real `heron-runtime --cluster local` (port 0, temporary HERON_HOME) running
 * examples/word-count.ts, submitted with the `heron` CLI with metrics every second, and the
 * Tracker's answers the browser tests wait on.
 */
import { join } from "node:path"
import type { Running } from "../../support/processes.js"
import { isRecord, result, startRuntime, stopRuntime } from "../../support/localCluster.js"
import { polling } from "../../support/polling.js"
import { repoRoot, run, tempHome, waitFor } from "../../support/processes.js"

export interface WordCount {
  readonly base: string
  readonly home: string
  readonly runtime: Running
  /** The role the CLI submitted under (`$USER`). */
  readonly role: string
  /** `cluster=local&environ=default&topology=word-count`. */
  readonly query: string
  readonly path: string
  readonly stop: () => Promise<void>
}

/** Polls every 250 ms, for up to 90 s (errors count as "not yet"). */
export const until = polling({ timeoutMs: 90_000, everyMs: 250 })

const record = (u: unknown): Record<string, unknown> => (isRecord(u) ? u : {})

/** The runtime's Tracker URL from its ready line; generous: these machines run many suites at once. */
export const readyUrl = (r: Running, timeoutMs = 120_000): Promise<string> =>
  waitFor(`heron-runtime ready (stderr so far: ${r.stderr().slice(-2000)})`, () => {
    for (const line of r.stderr().split("\n")) {
      if (!line.includes("heron-runtime ready")) continue
      const tracker = record(record(JSON.parse(line))["annotations"])["tracker"]
      if (typeof tracker === "string") return tracker
    }
    return undefined
  }, timeoutMs)

/** The topology's status in `/topologies/executionstate` (`Running`, `Paused`, ...). */
export const status = async (wc: Pick<WordCount, "base" | "query">): Promise<string | undefined> => {
  const es = record(await result(`${wc.base}/topologies/executionstate?${wc.query}`))
  return typeof es["status"] === "string" ? es["status"] : undefined
}

export const startWordCount = async (): Promise<WordCount> => {
  const home = tempHome()
  const runtime = startRuntime(home.dir)
  const base = await readyUrl(runtime)
  const submit = await run("heron", ["submit", "local", join(repoRoot, "examples/word-count.ts"), "--config-property", "topology.metrics.interval.secs=1"], { HERON_HOME: home.dir })
  if (submit.code !== 0) throw new Error(`heron submit failed: ${submit.stderr}`)
  const query = "cluster=local&environ=default&topology=word-count"
  const es = record(await result(`${base}/topologies/executionstate?${query}`))
  const role = String(es["role"])
  const wc = { base, query }
  // Every page below reads metrics: wait until the metrics cache has the bolts' counts.
  await until("word count's metrics in the Tracker", async () => {
    const m = record(record(await result(`${base}/topologies/metrics?${query}&component=count&metricname=__execute-count/split/default&interval=600`))["metrics"])
    return Object.keys(record(m["__execute-count/split/default"])).length === 2 ? true : undefined
  })
  await until("word count running", async () => ((await status(wc)) === "Running" ? true : undefined))
  return {
    base,
    home: home.dir,
    runtime,
    role,
    query,
    path: `/topology/local/${encodeURIComponent(role)}/default/word-count`,
    stop: async () => {
      // Killed by the UI when the test got that far; otherwise here.
      if ((await status(wc).catch(() => undefined)) !== undefined) await run("heron", ["kill", "local", "word-count"], { HERON_HOME: home.dir })
      await stopRuntime(runtime)
      home.cleanup()
    }
  }
}
