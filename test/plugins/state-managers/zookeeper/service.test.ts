import { describe, expect, it } from "vitest"
import { existsSync } from "node:fs"
import { fourLetterWord, launchZooKeeper, skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"

// The Promise face of the test server, as suites outside Effect (the HA tests) use it.
describe.skipIf(skipWithoutZooKeeper())("the ZooKeeper test server", () => {
  it("starts serving, restarts on the same port and data, and is gone with its files after close", async () => {
    const zk = await launchZooKeeper()
    expect(zk.connectionString).toBe(`127.0.0.1:${zk.port}`)
    expect(await zk.fourLetter("srvr")).toContain("Mode: standalone")
    await zk.restart()
    expect(await zk.fourLetter("ruok")).toBe("imok")
    expect(existsSync(zk.dataDir)).toBe(true)
    await zk.close()
    await expect(fourLetterWord(zk.port, "ruok")).rejects.toThrow()
    expect(existsSync(zk.dataDir)).toBe(false)
  }, 120_000)
})
