// The API server with real processes: `heron-runtime --cluster api` (the fixture cluster with
// api.tokens from HERON_API_TOKENS) and the `heron` bin with `--service-url`, run where the
// cluster cannot be loaded at all (an empty clusters folder, another HERON_HOME): everything goes
// through the API. Submit with the role's token runs the topology; without a token, or with
// another role's, it is refused in one line; activate, deactivate, restart, update and kill change
// what runs as the CLI does; the runtime's stderr (at debug level) never holds a token, and its
// containers do not inherit the access token.
import { afterAll, describe, expect, it } from "vitest"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fixtureClusters, run, start, stopAll, tempHome, trackerUrl } from "../support/processes.js"
import { groupMembers, isRecord, result } from "../support/localCluster.js"

afterAll(stopAll)

const TOKENS = { alice: "e2e-alice-4d1c9a7b", bob: "e2e-bob-83f02c5e" }
const ACCESS = "e2e-access-61be04d9"

/** Container index → pid, from the runtime's scheduler endpoint. */
const containerPids = async (base: string, topology: string): Promise<Map<number, number>> => {
  const res = await fetch(`${base}/scheduler/status?cluster=api&topology=${topology}`)
  const body: unknown = await res.json()
  const containers = isRecord(body) && Array.isArray(body["containers"]) ? body["containers"] : []
  return new Map(containers.flatMap((c: unknown) =>
    isRecord(c) && typeof c["index"] === "number" && typeof c["handle"] === "string" ? [[c["index"], Number(c["handle"].split("@")[0])] as const] : []))
}

/** The topology's status in the Tracker (from its physical plan: what runs, not what was asked). */
const status = async (base: string, topology: string): Promise<unknown> => {
  const r = await result(`${base}/topologies/executionstate?cluster=api&environ=default&topology=${topology}`)
  return isRecord(r) ? r["status"] : undefined
}

/** Polls an asynchronous probe until it holds, or fails after `timeoutMs` naming `what`. */
const until = async (what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const heronLines = (stderr: string) => stderr.trim().split("\n").filter((l) => l.startsWith("heron:"))

describe("heron --service-url against the runtime's API server", () => {
  it("submit with the role's token runs; no token is 401, another role's 403; the verbs act; no token in the runtime's logs", async () => {
    const home = tempHome()
    const rt = start("heron-runtime", ["--cluster", "api", "--clusters-dir", fixtureClusters, "--port", "0"], {
      HERON_HOME: home.dir,
      HERON_API_TOKENS: `alice:${TOKENS.alice},bob:${TOKENS.bob}`,
      HERON_ACCESS_TOKEN: ACCESS,
      HERON_LOG_LEVEL: "Debug"
    })
    const base = await trackerUrl(rt)
    expect(rt.stderr()).toContain("API server: bearer tokens required (the access token; role tokens for api/alice, api/bob)")

    // The CLI's machine knows nothing of the cluster: no cluster file, its own HERON_HOME.
    const away = mkdtempSync(join(tmpdir(), "heron-remote-"))
    const cli = (token: string | undefined, args: ReadonlyArray<string>) =>
      run("heron", [...args, "--service-url", base], {
        USER: "alice",
        HERON_HOME: away,
        HERON_CLUSTERS_DIR: away,
        HERON_API_TOKEN: token ?? ""
      })

    const anonymous = await cli(undefined, ["submit", "api", "examples/word-count.ts"])
    expect(anonymous.code).toBe(1)
    expect(heronLines(anonymous.stderr)).toEqual([expect.stringMatching(
      new RegExp(`^heron: error: the API server at ${base} refused the request \\(401\\): missing bearer token: .* \\(give a token with --token or HERON_API_TOKEN\\)$`)
    )])
    const asBob = await cli(TOKENS.bob, ["submit", "api", "examples/word-count.ts"])
    expect(asBob.code).toBe(1)
    expect(heronLines(asBob.stderr)).toEqual([`heron: error: the API server at ${base} refused the request (403): this token acts for role bob of cluster api, not for role alice`])
    expect(readdirSync(join(home.dir, "api", "state", "topologies")).filter((e) => !e.startsWith("."))).toEqual([])

    const submitted = await cli(TOKENS.alice, ["submit", "api", "examples/word-count.ts", "--json"])
    expect(submitted.stderr).toContain("[2/3] uploading the package of word-count")
    expect(submitted.stderr).toContain("uploaded 100%")
    expect(submitted.code).toBe(0)
    expect(JSON.parse(submitted.stdout)).toMatchObject({ cluster: "api", role: "alice", environ: "default", topology: "word-count", state: "RUNNING", containers: 2, instances: 5 })
    const plan = await result(`${base}/topologies/physicalplan?cluster=api&environ=default&topology=word-count`)
    expect(isRecord(plan) && isRecord(plan["stmgrs"]) ? Object.keys(plan["stmgrs"]).sort() : []).toEqual(["stmgr-1", "stmgr-2"])
    expect(existsSync(join(away, "api"))).toBe(false)

    // deactivate / activate: the TManager follows, as with the CLI.
    const deactivated = await cli(TOKENS.alice, ["deactivate", "api", "word-count"])
    expect([deactivated.code, deactivated.stdout]).toEqual([0, "topology word-count deactivated\n"])
    await until("the topology to be paused", async () => (await status(base, "word-count")) === "Paused")
    const activated = await cli(undefined, ["activate", "api", "word-count", "--token", ACCESS])
    expect([activated.code, activated.stdout]).toEqual([0, "topology word-count activated\n"])
    await until("the topology to run again", async () => (await status(base, "word-count")) === "Running")
    const bobActivates = await cli(TOKENS.bob, ["activate", "api", "word-count"])
    expect(heronLines(bobActivates.stderr)).toEqual([`heron: error: the API server at ${base} refused the request (403): this token acts for role bob of cluster api, not for role alice`])

    // The containers (which run topology code) inherit neither the access token nor the role tokens.
    const pids = await containerPids(base, "word-count")
    for (const pid of pids.values()) {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8")
      for (const secret of [ACCESS, TOKENS.alice, TOKENS.bob]) expect(environ).not.toContain(secret)
    }

    // restart of one container replaces that process only.
    const restarted = await cli(TOKENS.alice, ["restart", "api", "word-count", "1"])
    expect([restarted.code, restarted.stdout]).toEqual([0, "restarted container 1 of word-count\n"])
    const after = await containerPids(base, "word-count")
    expect(after.get(1)).not.toBe(pids.get(1))
    expect([after.get(0), after.get(2)]).toEqual([pids.get(0), pids.get(2)])

    // update: the physical plan follows.
    const updated = await cli(TOKENS.alice, ["update", "api", "word-count", "--component-parallelism", "count:3"])
    expect([updated.code, updated.stdout]).toEqual([0, "topology word-count updated: 2 containers, 6 instances\n"])
    const replan = await result(`${base}/topologies/physicalplan?cluster=api&environ=default&topology=word-count`)
    const bolts = isRecord(replan) && isRecord(replan["bolts"]) ? replan["bolts"] : {}
    expect(Array.isArray(bolts["count"]) ? bolts["count"].length : 0).toBe(3)
    const current = await containerPids(base, "word-count")

    // kill: processes, state and package gone.
    const killed = await cli(TOKENS.alice, ["kill", "api", "word-count"])
    expect([killed.code, killed.stdout]).toEqual([0, "topology word-count killed on api/alice/default: containers stopped, state and package removed\n"])
    for (const pid of [...pids.values(), ...after.values(), ...current.values()]) expect(groupMembers(pid)).toEqual([])
    for (const kind of ["topologies", "packingplans", "pplans", "executionstate", "tmanagers", "schedulers"]) {
      const dir = join(home.dir, "api", "state", kind)
      expect([kind, existsSync(dir) ? readdirSync(dir).filter((e) => !e.startsWith(".")) : []]).toEqual([kind, []])
    }
    const again = await cli(TOKENS.alice, ["kill", "api", "word-count"])
    expect(heronLines(again.stderr)).toEqual(["heron: error: topology word-count does not run under api/alice/default"])

    rt.child.kill("SIGTERM")
    expect(await rt.exited).toBe(0)
    const logged = rt.stderr()
    expect(logged).toContain('"by":"role alice"')
    for (const secret of [...Object.values(TOKENS), ACCESS]) expect(logged).not.toContain(secret)
    home.cleanup()
  }, 180_000)
})
