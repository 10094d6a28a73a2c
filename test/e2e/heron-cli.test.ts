// The control plane with real processes: `heron-runtime --cluster local` (temp HERON_HOME, port 0)
// and the `heron` bin, on the embedded local cluster with the real executor.
import { afterAll, describe, expect, it } from "vitest"
import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { logLines, run, stopAll, tempHome, trackerUrl, waitFor } from "../support/processes.js"
import { containerPids, groupMembers, isRecord, result, startRuntime, stateEntries, stmgrPids, stopRuntime } from "../support/localCluster.js"

afterAll(stopAll)

describe("heron CLI against heron-runtime --cluster local", () => {
  it("submit → physical plan in the Tracker; runtime restart adopts the containers; kill leaves no process, state or package", async () => {
    const home = tempHome()
    const env = { HERON_HOME: home.dir, USER: "alice" }
    let rt = startRuntime(home.dir)
    let base = await trackerUrl(rt)

    const submitted = await run("heron", ["submit", "local", "examples/word-count.ts", "--json"], env)
    expect(submitted.stderr).toContain("[8/8] waiting for word-count to run")
    expect(submitted.code).toBe(0)
    expect(JSON.parse(submitted.stdout)).toMatchObject({ cluster: "local", role: "alice", environ: "default", topology: "word-count", state: "RUNNING", containers: 2 })

    const stmgrs = await stmgrPids(base, "word-count")
    expect(Object.keys(stmgrs ?? {}).sort()).toEqual(["stmgr-1", "stmgr-2"])
    const pids = await containerPids(base, "word-count")
    expect([...pids.keys()].sort()).toEqual([0, 1, 2])
    expect(pids.get(1)).toBe(stmgrs?.["stmgr-1"])
    for (const pid of pids.values()) expect(groupMembers(pid)).toContain(pid)

    // SIGTERM leaves the topology running; a new runtime adopts the same processes.
    await stopRuntime(rt)
    expect(logLines(rt).some((l) => l["message"] === "leaving 1 topology running")).toBe(true)
    for (const pid of pids.values()) expect(groupMembers(pid)).toContain(pid)
    rt = startRuntime(home.dir)
    base = await trackerUrl(rt)
    expect(await containerPids(base, "word-count")).toEqual(pids)
    await waitFor("the adopted topology's scheduler location", () =>
      stateEntries(home.dir, "schedulers").includes("word-count") ? true : undefined)
    expect(await containerPids(base, "word-count")).toEqual(pids)
    expect(await stmgrPids(base, "word-count")).toEqual(stmgrs)

    // A second submit of the same name is refused while it runs.
    const again = await run("heron", ["submit", "local", "examples/word-count.ts"], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("heron: error: topology word-count already runs on cluster local")

    // restart of one container replaces that process only.
    const restarted = await run("heron", ["restart", "local", "word-count", "1"], env)
    expect(restarted.stdout).toBe("restarted container 1 of word-count\n")
    const afterRestart = await containerPids(base, "word-count")
    expect(afterRestart.get(1)).not.toBe(pids.get(1))
    expect([afterRestart.get(0), afterRestart.get(2)]).toEqual([pids.get(0), pids.get(2)])
    expect(groupMembers(pids.get(1) ?? -1)).toEqual([])

    // update: the physical plan follows; container 0 is left running.
    const updated = await run("heron", ["update", "local", "word-count", "--component-parallelism", "count:3"], env)
    expect(updated.stdout).toBe("topology word-count updated: 2 containers, 6 instances\n")
    const plan = await result(`${base}/topologies/physicalplan?cluster=local&environ=default&topology=word-count`)
    const bolts = isRecord(plan) && isRecord(plan["bolts"]) ? plan["bolts"] : {}
    expect(Array.isArray(bolts["count"]) ? bolts["count"].length : 0).toBe(3)
    const current = await containerPids(base, "word-count")
    expect(current.get(0)).toBe(pids.get(0))

    const killed = await run("heron", ["kill", "local", "word-count"], env)
    expect(killed.code).toBe(0)
    expect(killed.stdout).toBe("topology word-count killed on local/alice/default: containers stopped, state and package removed\n")
    for (const pid of [...pids.values(), ...current.values()]) expect(groupMembers(pid)).toEqual([])
    for (const kind of ["topologies", "packingplans", "pplans", "executionstate", "tmanagers", "schedulers"]) {
      expect(stateEntries(home.dir, kind)).toEqual([])
    }
    const packages = join(home.dir, "local", "packages")
    expect(existsSync(packages) ? readdirSync(packages) : []).toEqual([])

    // The same name can be submitted again at once.
    const resubmitted = await run("heron", ["submit", "local", "examples/word-count.ts", "--name", "wc2"], env)
    expect(resubmitted.code).toBe(0)
    expect(resubmitted.stdout).toMatch(/^topology wc2 \(id wc2-[0-9a-f]+\) runs on local\/alice\/default/)
    expect((await run("heron", ["kill", "local", "wc2"], env)).code).toBe(0)
    await stopRuntime(rt)
    home.cleanup()
  }, 180_000)

  it("without a runtime every verb fails in one line; --dry-run needs none", async () => {
    const home = tempHome()
    const env = { HERON_HOME: home.dir }
    for (const args of [["kill", "local", "wc"], ["submit", "local", "examples/word-count.ts"], ["activate", "local", "wc"], ["restart", "local", "wc", "1"]]) {
      const r = await run("heron", args, env)
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("heron:"))).toEqual([
        "heron: error: no heron-runtime serves cluster local: start it with `heron-runtime --cluster local`"
      ])
    }
    const dry = await run("heron", ["submit", "local", "examples/word-count.ts", "--dry-run"], env)
    expect(dry.code).toBe(0)
    expect(dry.stdout).toMatch(/^packing plan of word-count \(id word-count-[0-9a-f]+\): 2 containers, 5 instances/)
    expect(dry.stdout).toContain("| container | instances | cpu | ram (MB) | disk (MB) |")
    const json = await run("heron", ["submit", "local", "examples/word-count.ts", "--dry-run", "--json"], env)
    expect(JSON.parse(json.stdout)).toMatchObject({ topology: "word-count", containers: [{ id: 1 }, { id: 2 }] })
    home.cleanup()
  }, 60_000)

  it("a second runtime for a cluster already served is refused in one line", async () => {
    const home = tempHome()
    const rt = startRuntime(home.dir)
    await trackerUrl(rt)
    const second = await run("heron-runtime", ["--cluster", "local", "--port", "0"], { HERON_HOME: home.dir })
    expect(second.code).toBe(1)
    expect(second.stderr.trim().split("\n")).toEqual([
      `heron-runtime: error: cluster local is already served by heron-runtime pid ${rt.child.pid} (${await trackerUrl(rt)}): stop it first`
    ])
    await stopRuntime(rt)
    home.cleanup()
  }, 60_000)

  it("a submit that cannot pack, or a missing file, fails in one line and writes nothing", async () => {
    const home = tempHome()
    const rt = startRuntime(home.dir)
    await trackerUrl(rt)
    const r = await run("heron", ["submit", "local", "test/package/fixtures/tiny.ts", "--config-property", "topology.stmgrs=x"], { HERON_HOME: home.dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('heron: error: cannot pack tiny: topology.stmgrs must be an integer >= 1, got "x"')
    const missing = await run("heron", ["submit", "local", "no/such/file.ts"], { HERON_HOME: home.dir })
    expect(missing.stderr).toContain("heron: error: no/such/file.ts: no such file")
    expect(stateEntries(home.dir, "topologies")).toEqual([])
    await stopRuntime(rt)
    home.cleanup()
  }, 60_000)
})
