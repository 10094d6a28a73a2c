// High availability with real processes: two `heron-runtime`s serving one cluster elect a leader;
// SIGKILL of the leader hands the topology to the other, which adopts its containers.
import { afterAll, describe, it } from "vitest"
import { fixtureClusters, stopAll, tempHome } from "../support/processes.js"
import { haScenario } from "./support/ha.js"

afterAll(stopAll)

describe("HA runtime", () => {
  it("localfs cluster: one leader, the standby takes over a SIGKILLed leader's topology without restarting it", async () => {
    const home = tempHome()
    await haScenario({ cluster: "ha-local", clustersDir: fixtureClusters, env: { HERON_HOME: home.dir }, takeoverMs: 15_000 })
    home.cleanup()
  }, 90_000)
})
