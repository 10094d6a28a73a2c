import { afterAll, describe, expect, it } from "vitest"
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import stall from "../fixtures/topologies/stall.js"
import { eventually, fixtureTopologies, getState, killAll, makeHome, startExecutor, submit } from "./support/harness.js"

afterAll(killAll)

const emitted = (file: string): number => {
  try {
    return Number(readFileSync(file, "utf8"))
  } catch {
    return 0
  }
}

/** Resident memory of a process, in bytes (threads included). */
const rss = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
  return m === null ? 0 : Number(m[1]) * 1024
}

/** Waits until `value` stops growing for `quietMs`. */
const plateau = (value: () => number, quietMs: number, timeoutMs: number) => {
  let last = value()
  let since = Date.now()
  return eventually("a plateau", () => {
    const v = value()
    if (v !== last) {
      last = v
      since = Date.now()
      return undefined
    }
    return Date.now() - since >= quietMs ? v : undefined
  }, timeoutMs, 50)
}

/** Every metric value a metrics manager's file sink wrote, by name. */
const metricValues = (dir: string, name: string): Array<number> => {
  let files: Array<string> = []
  try {
    files = readdirSync(dir).filter((f) => /^stall-metricsmgr-\d\.json\.\d+$/.test(f))
  } catch {
    return []
  }
  return files.flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter((l) => l !== ""))
    .flatMap((l) => {
      const record: unknown = JSON.parse(l)
      const metrics = typeof record === "object" && record !== null && "metrics" in record && Array.isArray(record.metrics) ? record.metrics : []
      return metrics.filter((m: { name?: unknown }) => m.name === name).map((m: { value?: unknown }) => Number(m.value))
    })
}

describe("backpressure across containers", () => {
  it("stops the spout while a bolt in another container stalls, bounds memory, and resumes", async () => {
    const home = makeHome("engine")
    const out = join(home.dir, "emitted.txt")
    const marker = join(home.dir, "stall")
    await submit(home, stall, { "fixture.out": out, "fixture.stall": marker })
    const module = join(fixtureTopologies, "stall.ts")
    const execs = [0, 1, 2].map((c) => startExecutor(home, "stall", c, module))
    const plan = await eventually("physical plan", () => getState(home, "pplans", "stall"))
    // The spout (task 1) runs in container 1, the bolt (task 2) in container 2.
    expect(plan.instances.map((i) => [i.componentName, i.stmgrId])).toEqual([["fast", "stmgr-1"], ["slow", "stmgr-2"]])
    await eventually("tuples flowing", () => (emitted(out) > 200_000 ? true : undefined), 20_000)
    const before = Math.max(rss(execs[1]!.child.pid!), rss(execs[2]!.child.pid!))

    writeFileSync(marker, "")
    const held = await plateau(() => emitted(out), 1000, 20_000)
    let peak = 0
    for (let i = 0; i < 10; i++) {
      peak = Math.max(peak, rss(execs[1]!.child.pid!), rss(execs[2]!.child.pid!))
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(emitted(out)).toBe(held)
    if (process.env["HERON_ENGINE_DEBUG"] !== undefined) console.log({ before, peak, held })
    // Within the high watermark (4 MB) plus 32 MB of what was already resident.
    expect(peak).toBeLessThan(before + 36 * 1024 * 1024)

    rmSync(marker)
    await eventually("emitting again", () => (emitted(out) > held + 100_000 ? true : undefined), 20_000)
    const metrics = join(home.dir, "engine", "metrics")
    await eventually("backpressure time in the metrics", () =>
      metricValues(metrics, "__server/__time_spent_back_pressure_initiated").some((v) => v > 0) ? true : undefined)
    expect(metricValues(metrics, "__emit-count/default").some((v) => v > 0)).toBe(true)
    expect(metricValues(metrics, "__tuples_to_workers").some((v) => v > 0)).toBe(true)
  }, 90_000)
})
