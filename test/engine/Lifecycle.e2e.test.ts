import { afterAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import ticker from "../fixtures/topologies/ticker.js"
import { eventually, fixtureTopologies, getState, killAll, killGroup, lines, makeHome, setRunState, startExecutor, submit } from "./support/harness.js"

afterAll(killAll)

const module = join(fixtureTopologies, "ticker.ts")
const emits = (file: string) => lines(file).filter((l) => l.startsWith("emit ")).length

describe("executor lifecycle", () => {
  it("deactivate stops emission and activate resumes it", async () => {
    const home = makeHome()
    const out = join(home.dir, "ticks.txt")
    await submit(home, ticker, { "fixture.out": out })
    ;[0, 1].map((c) => startExecutor(home, "ticker", c, module))
    await eventually("emitting", () => (emits(out) > 20 ? true : undefined))
    await setRunState(home, "ticker", "PAUSED")
    await eventually("deactivated", () => (lines(out).includes("deactivate") ? true : undefined))
    const atPause = emits(out)
    // Quiet for a whole second (the spout emits every 5 ms when active).
    await new Promise((r) => setTimeout(r, 1000))
    expect(emits(out)).toBe(atPause)
    expect((await getState(home, "pplans", "ticker"))?.topology.state).toBe("PAUSED")
    await setRunState(home, "ticker", "RUNNING")
    await eventually("activated and emitting again", () => (lines(out).includes("activate") && emits(out) > atPause + 20 ? true : undefined))
  }, 60_000)

  it("keeps tuples flowing while the TManager is down, and re-registers with the new one", async () => {
    const home = makeHome()
    const out = join(home.dir, "ticks.txt")
    await submit(home, ticker, { "fixture.out": out })
    const [tm0] = [0, 1].map((c) => startExecutor(home, "ticker", c, module))
    const first = await eventually("TManager location", () => getState(home, "tmanagers", "ticker"))
    await eventually("emitting", () => (emits(out) > 20 ? true : undefined))
    killGroup(tm0!)
    await tm0!.exited
    await eventually("location gone", async () => ((await getState(home, "tmanagers", "ticker")) === undefined ? true : undefined))
    const during = emits(out)
    await eventually("still emitting without a TManager", () => (emits(out) > during + 20 ? true : undefined))
    const tm = startExecutor(home, "ticker", 0, module)
    await eventually("registered again", () => (/stmgr-1 registered/.test(tm.stderr()) ? true : undefined))
    const second = await getState(home, "tmanagers", "ticker")
    expect(second?.controllerPort).not.toBe(first.controllerPort)
    // The plan is logged just after the registration: waited for, not read at once.
    await eventually("the new plan logged", () => (/physical plan: 1 stream manager\(s\), 2 instance\(s\), RUNNING/.test(tm.stderr()) ? true : undefined))
    // Activation still reaches the spout through the new TManager.
    await setRunState(home, "ticker", "PAUSED")
    await eventually("deactivated", () => (lines(out).includes("deactivate") ? true : undefined))
  }, 60_000)

  it("exits 0 on SIGTERM, and the TManager's location goes with it", async () => {
    const home = makeHome()
    await submit(home, ticker, {})
    const [tm, sm] = [0, 1].map((c) => startExecutor(home, "ticker", c, module))
    await eventually("physical plan", () => getState(home, "pplans", "ticker"))
    expect(await getState(home, "tmanagers", "ticker")).toBeDefined()
    sm!.child.kill("SIGTERM")
    expect(await sm!.exited).toBe(0)
    tm!.child.kill("SIGTERM")
    expect(await tm!.exited).toBe(0)
    expect(await getState(home, "tmanagers", "ticker")).toBeUndefined()
    expect(tm!.stderr() + sm!.stderr()).not.toMatch(/"logLevel":"(ERROR|FATAL)"/)
  }, 60_000)

  it("fails with one line when the container is not in the packing plan", async () => {
    const home = makeHome()
    await submit(home, ticker, {})
    const e = startExecutor(home, "ticker", 5, module)
    expect(await e.exited).toBe(1)
    expect(e.stderr()).toMatch(/container 5 is not in the packing plan of ticker/)
  })
})
