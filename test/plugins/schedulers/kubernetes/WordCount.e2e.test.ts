// The word count really runs on "Kubernetes": `heron-runtime` with the kubernetes scheduler talks
// to the API-server double, whose kubelet runs each pod's command as a local process. The pods'
// executors fetch the package through the cluster's uploader and register through its state
// manager, as on any cluster: the Tracker's physical plan lists the pods' processes.
import { Effect, Exit, Scope } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { existsSync, readdirSync } from "node:fs"
import { isRecord, processesUnder, result } from "../../../support/localCluster.js"
import { logLines, run, start, stopAll, tempHome, waitFor } from "../../../support/processes.js"
import { startKubeApiServer, type KubeApiServer } from "../../../support/services/kubeApiServer.js"

const clustersDir = fileURLToPath(new URL("./fixtures/clusters/", import.meta.url))
const scope = Effect.runSync(Scope.make())
afterAll(async () => {
  await stopAll()
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

/** Calls `probe` every 100 ms until `done` holds (`timeoutMs` at most); returns the last value. */
const poll = async <A>(probe: () => Promise<A>, done: (a: A) => boolean, timeoutMs = 30_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const a = await probe()
    if (done(a) || Date.now() > deadline) return a
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Stream manager id → pid, from the Tracker's physical plan of the word count. */
const stmgrPids = async (base: string): Promise<Record<string, number>> => {
  const plan = await result(`${base}/topologies/physicalplan?cluster=k8s-double&environ=default&topology=word-count`).catch(() => undefined)
  const stmgrs = isRecord(plan) && isRecord(plan["stmgrs"]) ? plan["stmgrs"] : {}
  return Object.fromEntries(Object.entries(stmgrs).flatMap(([id, s]) => (isRecord(s) && typeof s["pid"] === "number" ? [[id, s["pid"]]] : [])))
}

/** The words the count bolt's instances executed, summed. */
const executed = async (base: string): Promise<number> => {
  const name = "__execute-count/split/default"
  const r = await result(`${base}/topologies/metrics?cluster=k8s-double&environ=default&topology=word-count&component=count&metricname=${encodeURIComponent(name)}&interval=-1`).catch(() => undefined)
  const values = isRecord(r) && isRecord(r["metrics"]) && isRecord(r["metrics"][name]) ? Object.values(r["metrics"][name]).map(Number) : []
  return values.reduce((a, b) => a + b, 0)
}

const podPhases = (api: KubeApiServer) =>
  Object.fromEntries(api.list("pods", "heron").map((p) => [
    isRecord(p["metadata"]) ? String(p["metadata"]["name"]) : "",
    isRecord(p["status"]) ? String(p["status"]["phase"]) : ""
  ]))

describe("the word count on the kubernetes scheduler (API-server double running pods as processes)", () => {
  it("submit → pods run the executors, the Tracker shows them; kill → no object, pod or process left", async () => {
    const home = tempHome()
    const api = await Effect.runPromise(Scope.extend(startKubeApiServer({ run: { dir: join(home.dir, "pods"), maxGraceMs: 5000 } }), scope))
    const env = { HERON_HOME: home.dir, USER: "alice", HERON_TEST_KUBE_API: api.url }
    const rt = start("heron-runtime", ["--cluster", "k8s-double", "--clusters-dir", clustersDir, "--port", "0"], env)
    // Generous: a loaded machine takes long to import the runtime's module graph.
    const base = await waitFor(`heron-runtime ready (stderr so far: ${rt.stderr()})`, () => {
      const ready = logLines(rt).find((l) => l["message"] === "heron-runtime ready")
      const annotations = ready?.["annotations"]
      return isRecord(annotations) && typeof annotations["tracker"] === "string" ? annotations["tracker"] : undefined
    }, 60_000)

    const submitted = await run("heron", ["submit", "k8s-double", "examples/word-count.ts", "--clusters-dir", clustersDir, "--json"], env)
    expect(submitted.stderr).toContain("waiting for word-count to run")
    expect(submitted.code).toBe(0)
    expect(podPhases(api)).toEqual({ "word-count-manager-0": "Running", "word-count-executors-0": "Running", "word-count-executors-1": "Running" })

    const stmgrs = await poll(() => stmgrPids(base), (s) => Object.keys(s).length === 2)
    expect(Object.keys(stmgrs).sort()).toEqual(["stmgr-1", "stmgr-2"])
    // Container i runs in pod word-count-executors-(i-1), as the pod's process.
    expect(stmgrs["stmgr-1"]).toBe(api.pids("word-count-executors-0")[0])
    expect(stmgrs["stmgr-2"]).toBe(api.pids("word-count-executors-1")[0])
    expect(api.pids("word-count-manager-0")).toHaveLength(1)
    // Tuples flow: the count bolt's executed words, as the Tracker reports them, grow.
    const first = await poll(() => executed(base), (n) => n > 0, 60_000)
    expect(first).toBeGreaterThan(0)
    expect(await poll(() => executed(base), (n) => n > first, 60_000)).toBeGreaterThan(first)

    const killed = await run("heron", ["kill", "k8s-double", "word-count", "--clusters-dir", clustersDir], env)
    expect(killed.code).toBe(0)
    // Every pod process (working folder under <home>/pods) is gone.
    expect(processesUnder(join(home.dir, "pods"))).toEqual([])
    expect([api.list("statefulsets", "heron"), api.list("services", "heron"), api.list("pods", "heron")]).toEqual([[], [], []])
    expect(existsSync(join(home.dir, "k8s-double", "state", "topologies")) ? readdirSync(join(home.dir, "k8s-double", "state", "topologies")) : []).toEqual([])
    rt.child.kill("SIGTERM")
    expect(await rt.exited).toBe(0)
    expect(logLines(rt).some((l) => String(l["message"]).startsWith("created word-count-manager"))).toBe(true)
    home.cleanup()
  }, 240_000)
})
