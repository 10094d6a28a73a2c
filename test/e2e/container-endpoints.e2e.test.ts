// Container endpoints end to end: `heron-runtime --cluster local` runs a topology submitted with
// the `heron` bin; every container starts a shell that reaches the physical plan; the Tracker
// answers pid / jstack / jmap / histo / containerfile* / machines through those shells, a heap
// snapshot downloaded through it is a V8 snapshot, and traversal is refused with 403.
import { afterAll, describe, expect, it } from "vitest"
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { isRecord, result, startRuntime, stopRuntime } from "../support/localCluster.js"
import { polling } from "../support/polling.js"
import { repoRoot, run, stopAll, tempHome, trackerUrl } from "../support/processes.js"

afterAll(stopAll)

const until = polling({ timeoutMs: 60_000, everyMs: 100, onProbeError: "fail" })

const record = (u: unknown): Record<string, unknown> => (isRecord(u) ? u : {})

describe("container endpoints through the Tracker, on the local cluster", () => {
  it("answers every container endpoint in Heron's shape and refuses traversal with 403", async () => {
    const home = tempHome()
    const rt = startRuntime(home.dir)
    const base = await trackerUrl(rt)
    const submit = await run("heron", ["submit", "local", join(repoRoot, "test/fixtures/topologies/ticker.ts")], { HERON_HOME: home.dir })
    expect(submit.code, submit.stderr).toBe(0)
    const q = "cluster=local&environ=default&topology=ticker"
    const envelope = async (path: string) => {
      const res = await fetch(`${base}${path}`)
      const text = await res.text()
      expect(text).toMatch(/"executiontime":\d+\.\d+,/)
      return { status: res.status, body: record(JSON.parse(text)) }
    }
    /** The `result` string of pid / jstack / jmap / histo, parsed as Heron's UI does. */
    const shellAnswer = async (what: string, extra: string) => {
      const { status, body } = await envelope(`/topologies/${what}?${q}&${extra}`)
      expect([what, status, body["status"], typeof body["result"]]).toEqual([what, 200, "success", "string"])
      const parsed = record(JSON.parse(String(body["result"])))
      expect(typeof parsed["command"]).toBe("string")
      expect(typeof parsed["stdout"]).toBe("string")
      return parsed
    }

    // Every stream manager reports its shell; the plan's links point at it.
    const plan = await until("a physical plan with shells", async () => {
      const p = record(await result(`${base}/topologies/physicalplan?${q}`))
      const s = record(record(p["stmgrs"])["stmgr-1"])
      return typeof s["shell_port"] === "number" && s["shell_port"] > 0 ? p : undefined
    })
    const stmgr = record(record(plan["stmgrs"])["stmgr-1"])
    const shell = `http://127.0.0.1:${String(stmgr["shell_port"])}`
    expect(stmgr).toMatchObject({ joburl: `${shell}/browse/`, logfiles: `${shell}/browse/` })
    const spout = String((plan["spouts"] as Record<string, Array<string>>)["ticks"]?.[0])
    const bolt = String((plan["bolts"] as Record<string, Array<string>>)["sink"]?.[0])
    const logfile = String(record(record(plan["instances"])[spout])["logfile"])
    expect(logfile).toBe(`${shell}/file/container.log`)
    expect(await (await fetch(logfile)).text()).toContain("shell of container 1")

    const pid = await shellAnswer("pid", `instance=${spout}`)
    expect(pid).toMatchObject({ pid: stmgr["pid"], stdout: `${String(stmgr["pid"])}\n`, instance: spout, container: 1 })
    expect(pid["thread_id"]).toBeGreaterThan(0)

    const jstack = await shellAnswer("jstack", `instance=${spout}`)
    const threads = jstack["threads"] as Array<{ name: string; thread_id: number; stack: Array<string> }>
    expect(threads[0]).toMatchObject({ name: spout, thread_id: pid["thread_id"] })
    expect(threads.map((t) => t.name)).toEqual(expect.arrayContaining(["main", spout, bolt]))
    expect(String(jstack["stdout"])).toContain(`"${spout}" thread ${String(pid["thread_id"])}`)
    expect(JSON.stringify(jstack)).not.toContain("environmentVariables")

    const histo = await shellAnswer("histo", `instance=${bolt}`)
    expect(histo["spaces"]).toEqual(expect.arrayContaining([expect.objectContaining({ space_name: "old_space" })]))
    expect(record(histo["heap"])["used_heap_size"]).toBeGreaterThan(0)

    // jmap writes the snapshot into the container's directory; containerfiledownload fetches it.
    const jmap = await shellAnswer("jmap", `instance=${spout}`)
    const file = String(jmap["file"])
    expect(file).toBe(`heapdump-${spout}.heapsnapshot`)
    expect(String(jmap["stdout"])).toContain(`containerfiledownload?container=1&path=${file}`)
    const download = await fetch(`${base}/topologies/containerfiledownload?${q}&container=1&path=${file}`)
    expect(download.status).toBe(200)
    expect(download.headers.get("content-disposition")).toContain(`filename="${file}"`)
    const bytes = Buffer.from(await download.arrayBuffer())
    expect(bytes.length).toBe(jmap["size"])
    const snapshot = record(JSON.parse(bytes.toString("utf8")))
    expect(record(record(snapshot["snapshot"])["meta"])["node_fields"]).toEqual(expect.arrayContaining(["type", "name", "id"]))

    // Container 0 (the TManager) has a shell too: its main thread's heap and its files.
    const tmJmap = await shellAnswer("jmap", "container=0")
    expect(tmJmap).toMatchObject({ command: "v8.writeHeapSnapshot()", file: "heapdump-container-0.heapsnapshot", container: 0 })
    const tmFiles = await envelope(`/topologies/containerfilestats?${q}&container=0`)
    expect(record(tmFiles.body["result"])).toHaveProperty(["container.log"])
    expect(record(tmFiles.body["result"])).toHaveProperty(["heapdump-container-0.heapsnapshot"])

    const stats = await envelope(`/topologies/containerfilestats?${q}&container=1&path=.`)
    expect(stats.status).toBe(200)
    expect(record(stats.body["result"])).toMatchObject({
      "container.log": { is_dir: false, path: "container.log", formatted_stat: expect.stringMatching(/^-rw/) },
      [file]: { is_dir: false, size: jmap["size"] }
    })
    const size = Number(record(record(stats.body["result"])["container.log"])["size"])
    const head = await envelope(`/topologies/containerfiledata?${q}&container=1&path=container.log&offset=0&length=64`)
    expect(head.body["result"]).toEqual({ offset: 0, length: 64, data: expect.any(String) })
    const end = await envelope(`/topologies/containerfiledata?${q}&container=1&path=container.log&offset=-1&length=-1`)
    expect(record(end.body["result"])["length"]).toBe(0)
    expect(record(end.body["result"])["offset"]).toBeGreaterThanOrEqual(size)

    // Traversal, absolute paths and a symlink that leads out: 403, through the Tracker.
    const outside = join(home.dir, "outside")
    mkdirSync(outside)
    writeFileSync(join(outside, "secret.txt"), "not for the tracker")
    symlinkSync(outside, join(String(stmgr["cwd"]), "escape"))
    for (const path of ["../container-0/container.log", "/etc/passwd", "escape/secret.txt", "escape"]) {
      for (const endpoint of ["containerfiledata", "containerfilestats", "containerfiledownload"]) {
        const res = await fetch(`${base}/topologies/${endpoint}?${q}&container=1&path=${encodeURIComponent(path)}`)
        const text = await res.text()
        expect([endpoint, path, res.status]).toEqual([endpoint, path, 403])
        expect(JSON.parse(text)).toMatchObject({ status: "failure", result: null })
        expect(text).not.toContain("not for the tracker")
      }
    }

    const machines = await envelope("/machines")
    expect(machines.body["result"]).toEqual({ local: { default: { ticker: ["127.0.0.1"] } } })

    const kill = await run("heron", ["kill", "local", "ticker"], { HERON_HOME: home.dir })
    expect(kill.code, kill.stderr).toBe(0)
    await stopRuntime(rt)
    home.cleanup()
  }, 180_000)
})
