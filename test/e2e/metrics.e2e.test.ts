// Metrics end to end on the local cluster: `heron submit` of a topology whose bolts count tuples
// (a user-defined metric too) and throw; its instances' `__emit-count`, `__execute-count`, the
// user metric and Node's own metrics reach the metrics cache in container 0 through each
// container's metrics manager, and the Tracker serves them in Heron's shapes
// (/metrics, /metricstimeline, /metricsquery), with the thrown exception in /exceptions and
// /exceptionsummary.
import { afterAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { isRecord, result, startRuntime, stopRuntime } from "../support/localCluster.js"
import { polling } from "../support/polling.js"
import { repoRoot, run, stopAll, tempHome, trackerUrl } from "../support/processes.js"

afterAll(stopAll)

/** Polls every 250 ms, for up to a minute. */
const until = polling({ timeoutMs: 60_000, everyMs: 250 })

const record = (u: unknown, ...path: Array<string>): Record<string, unknown> | undefined => {
  let at: unknown = u
  for (const k of path) at = isRecord(at) ? at[k] : undefined
  return isRecord(at) ? at : undefined
}

/** instance → value, for one metric of a /topologies/metrics result. */
const perInstance = (metrics: unknown, name: string): Record<string, number> =>
  Object.fromEntries(Object.entries(record(metrics, "metrics", name) ?? {}).map(([i, v]) => [i, Number(v)]))

describe("metrics and exceptions through the Tracker, end to end", () => {
  it("a running topology's built-in, user and Node metrics and a bolt's exception reach the Tracker", async () => {
    const home = tempHome()
    const rt = startRuntime(home.dir)
    const base = await trackerUrl(rt)
    const submit = await run("heron", ["submit", "local", join(repoRoot, "test/fixtures/topologies/metrics.ts")], { HERON_HOME: home.dir })
    expect(submit.code, submit.stderr).toBe(0)
    const topo = `${base}/topologies/metrics?cluster=local&environ=default&topology=metrics-e2e`
    const at = (path: string, query: string) => `${base}/topologies/${path}?cluster=local&environ=default&topology=metrics-e2e&${query}`

    // Bolt `count`: Heron's execute count per input stream, the user metric, Node's heap; both instances.
    const names = ["__execute-count/words/default", "words-counted", "__node-heap-used", "__node-gc-time"]
    const counted = await until("count's metrics for both instances", async () => {
      const r = await result(`${topo}&component=count&interval=600&${names.map((n) => `metricname=${encodeURIComponent(n)}`).join("&")}`)
      const executed = perInstance(r, "__execute-count/words/default")
      const user = perInstance(r, "words-counted")
      const heap = perInstance(r, "__node-heap-used")
      return Object.keys(executed).length === 2 && Object.values(executed).every((v) => v > 0) &&
          Object.keys(user).length === 2 && Object.keys(heap).length === 2
        ? { r, executed, user, heap }
        : undefined
    })
    expect(record(counted.r)).toMatchObject({ component: "count", interval: 600 })
    for (const id of Object.keys(counted.executed)) expect(id).toMatch(/^container_1_count_\d+$/)
    expect(Object.values(counted.user).every((v) => v > 0)).toBe(true)
    expect(Object.values(counted.heap).every((v) => v > 1_000_000)).toBe(true)
    // Values are strings with six decimals, as Heron's TManager writes them.
    expect(Object.values(record(counted.r, "metrics", "words-counted") ?? {}).every((v) => typeof v === "string" && /^\d+\.\d{6}$/.test(v))).toBe(true)

    // The spout's emit count.
    const emitted = await until("the spout's __emit-count", async () => {
      const e = perInstance(await result(`${topo}&component=words&metricname=__emit-count/default&interval=-1`), "__emit-count/default")
      return Object.values(e).some((v) => v > 0) ? e : undefined
    })
    expect(Object.keys(emitted)).toHaveLength(1)

    // Per minute, between two times.
    const now = Math.floor(Date.now() / 1000)
    const timeline = await result(at("metricstimeline", `component=count&metricname=__execute-count/words/default&metricname=words-counted&starttime=${now - 600}&endtime=${now + 60}`))
    expect(record(timeline)).toMatchObject({ component: "count", starttime: now - 600, endtime: now + 60 })
    for (const name of ["__execute-count/words/default", "words-counted"]) {
      const byInstance = record(timeline, "timeline", name) ?? {}
      expect(Object.keys(byInstance)).toHaveLength(2)
      for (const points of Object.values(byInstance)) {
        const minutes = Object.keys(isRecord(points) ? points : {}).map(Number)
        expect(minutes.length).toBeGreaterThan(0)
        for (const m of minutes) expect(m % 60).toBe(0)
      }
    }

    // The query language over the same data.
    const q = (query: string) => result(at("metricsquery", `starttime=${now - 600}&endtime=${now + 60}&query=${encodeURIComponent(query)}`))
    const sum = await q("SUM(TS(count, *, __execute-count/words/default))")
    const series = Array.isArray(record(sum)?.["timeline"]) ? (record(sum)?.["timeline"] as Array<unknown>) : []
    expect(series).toHaveLength(1)
    expect(record(series[0])?.["instance"]).toBeUndefined()
    expect(Object.values(record(series[0], "data") ?? {}).some((v) => typeof v === "number" && v > 0)).toBe(true)
    const user = await q("TS(count, *, words-counted)")
    const userSeries = Array.isArray(record(user)?.["timeline"]) ? (record(user)?.["timeline"] as Array<unknown>) : []
    expect(userSeries.map((s) => record(s)?.["instance"]).sort()).toEqual(Object.keys(counted.user).sort())

    // Bolt `fail` throws: its exception, with stack, count, first and last time.
    const exceptions = await until("fail's exception", async () => {
      const r = await result(at("exceptions", "component=fail"))
      return Array.isArray(r) && r.length > 0 ? r : undefined
    })
    const first = record(exceptions[0])
    expect(first?.["instance_id"]).toMatch(/^container_1_fail_\d+$/)
    expect(String(first?.["stack_trace"])).toContain("Error: boom after 25 tuples")
    expect(Number(first?.["count"])).toBeGreaterThanOrEqual(1)
    expect(Date.parse(String(first?.["firsttime"]))).toBeLessThanOrEqual(Date.parse(String(first?.["lasttime"])))
    const summary = await result(at("exceptionsummary", "component=fail"))
    expect(summary).toEqual([expect.objectContaining({ class_name: "Error" })])
    expect(Number(record(Array.isArray(summary) ? summary[0] : undefined)?.["count"])).toBeGreaterThanOrEqual(1)

    const kill = await run("heron", ["kill", "local", "metrics-e2e"], { HERON_HOME: home.dir })
    expect(kill.code, kill.stderr).toBe(0)
    await stopRuntime(rt)
    home.cleanup()
  }, 150_000)
})
