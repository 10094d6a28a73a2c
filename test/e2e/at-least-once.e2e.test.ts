// The whole stack at once: `heron submit` of an at-least-once topology onto `heron-runtime --cluster
// local`; a container SIGKILLed mid-run is relaunched by the local scheduler and no tuple is lost;
// the runtime is restarted mid-run and processing goes on meanwhile, the containers adopted; `heron
// kill` leaves no process behind.
import { afterAll, describe, expect, it } from "vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { logLines, repoRoot, run, stopAll, tempHome, trackerUrl } from "../support/processes.js"
import { containerPids, groupMembers, startRuntime, stopRuntime } from "../support/localCluster.js"

afterAll(stopAll)

const events = (file: string): Array<string> => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "") : [])
const idsOf = (lines: ReadonlyArray<string>, kind: string): Set<number> =>
  new Set(lines.filter((l) => l.startsWith(`${kind} `)).map((l) => Number(l.slice(kind.length + 1))))

const until = async <A>(what: string, probe: () => Promise<A | undefined> | A | undefined, timeoutMs = 30_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe("at-least-once on the local cluster, end to end", () => {
  it("survives a SIGKILLed container and a runtime restart without losing a tuple, and kill leaves nothing", async () => {
    const home = tempHome()
    const out = join(home.dir, "events.log")
    const count = 2000
    let rt = startRuntime(home.dir)
    let base = await trackerUrl(rt)
    const submit = await run("heron", [
      "submit", "local", join(repoRoot, "test/fixtures/topologies/acking.ts"),
      "--config-property", `fixture.out=${out}`,
      "--config-property", `fixture.count=${count}`,
      "--config-property", "fixture.rate=250"
    ], { HERON_HOME: home.dir })
    expect(submit.code, submit.stderr).toBe(0)

    await until("the first acks", () => (idsOf(events(out), "acked").size > 100 ? true : undefined))
    const first = await containerPids(base, "acking")
    const victim = first.get(2)
    expect(victim).toBeGreaterThan(0)
    process.kill(-(victim ?? 0), "SIGKILL")
    const relaunched = await until("container 2 relaunched by the local scheduler", async () => {
      const now = await containerPids(base, "acking")
      const pid = now.get(2)
      return pid !== undefined && pid !== victim ? now : undefined
    })
    expect(relaunched.get(0)).toBe(first.get(0))
    expect(relaunched.get(1)).toBe(first.get(1))

    // The runtime goes away mid-run: the containers keep processing without it, and it says so.
    await stopRuntime(rt)
    expect(logLines(rt).some((l) => l["message"] === "leaving 1 topology running")).toBe(true)
    const ackedWhenStopped = idsOf(events(out), "acked").size
    expect(ackedWhenStopped).toBeLessThan(count)
    await until("processing while no runtime runs", () => (idsOf(events(out), "acked").size > ackedWhenStopped + 50 ? true : undefined), 10_000)
    for (const pid of relaunched.values()) expect(groupMembers(pid).length).toBeGreaterThan(0)
    rt = startRuntime(home.dir)
    base = await trackerUrl(rt)
    expect(await containerPids(base, "acking")).toEqual(relaunched)

    // Deactivated mid-run, then activated: in-flight tuples are not lost (checked below).
    const cli = (...args: Array<string>) => run("heron", args, { HERON_HOME: home.dir })
    expect((await cli("deactivate", "local", "acking")).code).toBe(0)
    await new Promise((r) => setTimeout(r, 1000))
    expect((await cli("activate", "local", "acking")).code).toBe(0)

    await until("every id acked", () => (idsOf(events(out), "acked").size === count ? true : undefined), 90_000)
    const lines = events(out)
    const seen = idsOf(lines, "seen")
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i))
    expect(missing).toEqual([])

    const kill = await run("heron", ["kill", "local", "acking"], { HERON_HOME: home.dir })
    expect(kill.code, kill.stderr).toBe(0)
    for (const pid of relaunched.values()) expect(groupMembers(pid)).toEqual([])
    await stopRuntime(rt)
    home.cleanup()
  }, 180_000)
})

describe("activate / deactivate through the CLI", () => {
  it("heron deactivate stops emission, heron activate resumes it", async () => {
    const home = tempHome()
    const out = join(home.dir, "ticks.log")
    const rt = startRuntime(home.dir)
    await trackerUrl(rt)
    const cli = (...args: Array<string>) => run("heron", args, { HERON_HOME: home.dir })
    const submit = await cli("submit", "local", join(repoRoot, "test/fixtures/topologies/ticker.ts"), "--config-property", `fixture.out=${out}`)
    expect(submit.code, submit.stderr).toBe(0)
    const emitted = () => events(out).filter((l) => l.startsWith("emit ")).length
    await until("emission", () => (emitted() > 20 ? true : undefined))

    expect((await cli("deactivate", "local", "ticker")).code).toBe(0)
    await until("the spout deactivated", () => (events(out).includes("deactivate") ? true : undefined))
    const paused = emitted()
    await new Promise((r) => setTimeout(r, 1000))
    expect(emitted()).toBe(paused)

    expect((await cli("activate", "local", "ticker")).code).toBe(0)
    await until("emission resumed", () => (emitted() > paused + 20 ? true : undefined))
    expect(events(out).filter((l) => l === "activate").length).toBeGreaterThan(0)

    expect((await cli("kill", "local", "ticker")).code).toBe(0)
    await stopRuntime(rt)
    home.cleanup()
  }, 120_000)
})
