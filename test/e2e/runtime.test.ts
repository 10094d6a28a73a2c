import { afterAll, describe, expect, it } from "vitest"
import { existsSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { fixtureClusters, logLines, run, start, stopAll, tempHome, trackerUrl } from "../support/processes.js"

afterAll(stopAll)

const getJson = async (url: string) => {
  const res = await fetch(url)
  return { status: res.status, text: await res.text() }
}

describe("heron-runtime --cluster local", () => {
  it("serves /clusters in Heron's envelope, logs JSON on stderr, and exits 0 on SIGTERM", async () => {
    const home = tempHome()
    const rt = start("heron-runtime", ["--cluster", "local", "--port", "0"], { HERON_HOME: home.dir })
    const base = await trackerUrl(rt)
    const { status, text } = await getJson(`${base}/clusters`)
    expect(status).toBe(200)
    expect(text).toMatch(/"executiontime":\s*\d+\.\d+/)
    expect(JSON.parse(text)).toMatchObject({ status: "success", message: "", result: ["local"] })
    expect((await getJson(`${base}/health`)).status).toBe(200)
    // The embedded default keeps its state under HERON_HOME.
    expect(existsSync(join(home.dir, "local", "state"))).toBe(true)
    rt.child.kill("SIGTERM")
    expect(await rt.exited).toBe(0)
    expect(rt.stdout()).toBe("")
    const lines = logLines(rt)
    expect(lines.every((l) => typeof l["message"] === "string" && typeof l["logLevel"] === "string")).toBe(true)
    expect(lines.filter((l) => l["message"] === "heron-runtime ready")).toHaveLength(1)
    expect(lines.filter((l) => l["message"] === "heron-runtime stopped")).toHaveLength(1)
    home.cleanup()
  })

  it("exits 0 on SIGINT too", async () => {
    const home = tempHome()
    const rt = start("heron-runtime", ["--cluster", "local", "--port", "0"], { HERON_HOME: home.dir })
    await trackerUrl(rt)
    rt.child.kill("SIGINT")
    expect(await rt.exited).toBe(0)
    home.cleanup()
  })

  it("serves several clusters at once", async () => {
    const home = tempHome()
    const rt = start("heron-runtime", ["--cluster", "local", "--cluster", "base", "--clusters-dir", fixtureClusters, "--port", "0"], { HERON_HOME: home.dir })
    const base = await trackerUrl(rt)
    expect(JSON.parse((await getJson(`${base}/clusters`)).text).result).toEqual(["local", "base"])
    rt.child.kill("SIGTERM")
    expect(await rt.exited).toBe(0)
    home.cleanup()
  })

  it("builds a third-party plugin loaded by package name", async () => {
    const home = tempHome()
    const sinkPath = join(home.dir, "sink-secret-location.jsonl")
    const rt = start("heron-runtime", ["--cluster", "layered", "--clusters-dir", fixtureClusters], { HERON_HOME: home.dir, HERON_TEST_SINK_PATH: sinkPath })
    await trackerUrl(rt)
    // The fixture package's layer ran with the cluster's PluginHost and its decoded options.
    expect(JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(`${sinkPath}.started`, "utf8")))).toEqual({ cluster: "layered", batch: 1 })
    rt.child.kill("SIGTERM")
    expect(await rt.exited).toBe(0)
    expect(rt.stderr()).not.toContain("sink-secret-location")
    home.cleanup()
  })
})

describe("heron-runtime start-up failures: one line, non-zero exit, nothing started", () => {
  it("a port already in use", async () => {
    const home = tempHome()
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r))
    const address = blocker.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    const r = await run("heron-runtime", ["--cluster", "local", "--port", String(port)], { HERON_HOME: home.dir })
    blocker.close()
    expect(r.code).toBe(1)
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`heron-runtime: error: .*port ${port}.*in use`))
    home.cleanup()
  })

  it("a cluster file with a wrong type names the file and key path, and creates nothing", async () => {
    const home = tempHome()
    const r = await run("heron-runtime", ["--cluster", "bad-type", "--clusters-dir", fixtureClusters], { HERON_HOME: home.dir })
    expect(r.code).toBe(1)
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`${fixtureClusters}/bad-type.heron.ts`)
    expect(lines[0]).toMatch(/at tracker\.port: expected .*, got "eighty"/)
    expect(existsSync(join(home.dir, "bad-type"))).toBe(false)
    home.cleanup()
  })

  it("an unknown cluster lists the known ones", async () => {
    const r = await run("heron-runtime", ["--cluster", "nope"])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toMatch(/cluster "nope" not found .* known clusters: .*local/)
  })

  it("a state manager that cannot start", async () => {
    const home = tempHome()
    const r = await run("heron-runtime", ["--cluster", "unreachable-state", "--clusters-dir", fixtureClusters], { HERON_HOME: home.dir })
    expect(r.code).toBe(1)
    const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("{"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("state-manager/localfs")
    expect(lines[0]).toContain("/dev/null/heron-state")
  })
})

describe("printing resolved definitions", () => {
  it("heron-runtime --list-clusters --json lists every cluster with secrets redacted", async () => {
    const r = await run("heron-runtime", ["--list-clusters", "--json", "--clusters-dir", fixtureClusters], { HERON_TEST_SINK_PATH: "/tmp/very-secret-path" })
    expect(r.code).toBe(0)
    const listed = JSON.parse(r.stdout) as Array<{ name: string; error?: string; sinks?: Array<{ options: { path?: string } }> }>
    const names = listed.map((c) => c.name)
    expect(names).toContain("local")
    expect(names).toContain("layered")
    expect(listed.find((c) => c.name === "layered")?.sinks?.[0]?.options.path).toBe("<redacted>")
    expect(listed.find((c) => c.name === "bad-type")?.error).toContain("tracker.port")
    expect(r.stdout).not.toContain("very-secret-path")
  })

  it("heron config <cluster> prints one resolved definition", async () => {
    const r = await run("heron", ["config", "layered", "--clusters-dir", fixtureClusters], { HERON_TEST_SINK_PATH: "/tmp/very-secret-path" })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('name: "layered"')
    expect(r.stdout).toContain('plugin: "scheduler/local"')
    expect(r.stdout).toContain('killGraceMs: 1000')
    expect(r.stdout).toContain('path: "<redacted>"')
    expect(r.stdout).not.toContain("very-secret-path")
    const json = await run("heron", ["config", "local", "list", "--json"])
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ name: "local", tracker: { port: 8888 } })
  })
})
