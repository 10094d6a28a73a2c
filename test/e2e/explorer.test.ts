// `heron explorer` against a real `heron-runtime --cluster local` (temp HERON_HOME, port 0) running
// the example word count: every view is read from the runtime's Tracker and agrees with what runs.
import { afterAll, describe, expect, it } from "vitest"
import { run, type Running, stopAll, tempHome, trackerUrl } from "../support/processes.js"
import { containerPids, isRecord, startRuntime, stopRuntime } from "../support/localCluster.js"

afterAll(stopAll)

/** `heron explorer <args>` to completion. */
const explorer = (args: ReadonlyArray<string>, env: Record<string, string>) => run("heron", ["explorer", ...args], env)

const parse = (stdout: string): Record<string, unknown> => {
  const u: unknown = JSON.parse(stdout)
  if (!isRecord(u)) throw new Error(`not a JSON object: ${stdout}`)
  return u
}
const list = (u: unknown): Array<Record<string, unknown>> => (Array.isArray(u) ? u.filter(isRecord) : [])

/** Sum of one column of a component's instances in `metrics --json`. */
const total = (json: Record<string, unknown>, component: string, column: string): number =>
  list(json["components"]).filter((c) => c["component"] === component)
    .flatMap((c) => list(c["instances"]))
    .reduce((n, i) => n + (typeof i[column] === "number" ? i[column] : 0), 0)

/** Container pids (= process groups) of the topology while it runs: killed if the test fails. */
const started: Array<number> = []

const scenario = async (rt: Running, env: Record<string, string>) => {
  const base = await trackerUrl(rt)

  const submitted = await run("heron", ["submit", "local", "examples/word-count.ts", "--config-property", "topology.metrics.interval.secs=1"], env)
  expect(submitted.code, submitted.stderr).toBe(0)

  const clusters = await explorer(["clusters"], env)
  expect(clusters.code, clusters.stderr).toBe(0)
  expect(clusters.stdout).toBe("+---------+\n| cluster |\n+---------+\n| local   |\n+---------+\n")

  const topologies = await explorer(["topologies", "local"], env)
  expect(topologies.stdout).toContain("| local   | alice | default | word-count |")
  // A role filter that matches nothing: an empty listing, not an error.
  const none = await explorer(["topologies", "local/bob"], env)
  expect([none.code, none.stdout]).toEqual([0, "no topologies on local/bob\n"])

  const logical = await explorer(["logical-plan", "local", "word-count"], env)
  expect(logical.code, logical.stderr).toBe(0)
  expect(logical.stdout.split("\n")[0]).toBe("logical plan of word-count: 1 spout, 2 bolts, 5 instances")
  expect(logical.stdout).toMatch(/\| spout \| sentence \| 1 +\| - +\| default → split +\|/)
  expect(logical.stdout).toMatch(/\| bolt +\| count +\| 2 +\| split \(FIELDS\) +\| - +\|/)

  // The physical plan names the processes the scheduler runs.
  const physical = parse((await explorer(["physical-plan", "local/alice", "word-count", "--json"], env)).stdout)
  const containers = list(physical["containers"])
  const pids = await containerPids(base, "word-count")
  started.push(...pids.values())
  expect(containers.map((c) => [c["container"], c["pid"]])).toEqual([[1, pids.get(1)], [2, pids.get(2)]])
  expect(containers.flatMap((c) => list(c["instances"])).length).toBe(5)
  const physicalText = (await explorer(["physical-plan", "local", "word-count"], env)).stdout
  expect(physicalText).toContain(`| 1         | stmgr-1        | 127.0.0.1 |`)
  expect(physicalText).toContain(`| ${pids.get(2)} |`)

  // Metrics flow from the instances to the metrics cache; the explorer shows them per instance.
  let json: Record<string, unknown> = {}
  const deadline = Date.now() + 60_000
  for (;;) {
    const r = await explorer(["metrics", "local", "word-count", "--json"], env)
    if (r.code === 0) {
      json = parse(r.stdout)
      if (total(json, "sentence", "emit") > 0 && total(json, "count", "execute") > 0) break
    }
    if (Date.now() > deadline) throw new Error(`no metrics after 60 s: ${r.stdout.slice(0, 2000)}${r.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  expect(list(json["components"]).map((c) => [c["component"], list(c["instances"]).length])).toEqual([["sentence", 1], ["split", 2], ["count", 2]])
  expect(total(json, "split", "execute")).toBeGreaterThan(0)
  const counted = await explorer(["metrics", "local", "word-count", "--component", "count"], env)
  expect(counted.code, counted.stderr).toBe(0)
  expect(counted.stdout).toContain("'count' metrics (bolt):")
  expect(counted.stdout).toMatch(/\| instance +\| emit +\| execute +\| ack +\| fail +\| execute latency \(ms\) +\|/)
  expect(counted.stdout).toMatch(/\| container_\d_count_\d +\| 0 +\| [1-9]\d* +\|/)
  expect(counted.stdout).not.toContain("'split' metrics")

  // Errors: one line on stderr, exit 1.
  const unknownComponent = await explorer(["metrics", "local", "word-count", "--component", "nope"], env)
  expect([unknownComponent.code, unknownComponent.stderr]).toEqual([1, 'heron: error: topology word-count has no component "nope"; it has sentence, split, count\n'])
  const unknownTopology = await explorer(["logical-plan", "local", "nope"], env)
  expect(unknownTopology.code).toBe(1)
  expect(unknownTopology.stderr).toBe(`heron: error: the Tracker at ${base} refused /topologies/logicalplan: Unknown topology: local/*/default/nope\n`)

  expect((await run("heron", ["kill", "local", "word-count"], env)).code).toBe(0)
  started.length = 0
  await stopRuntime(rt)
  for (const args of [["clusters"], ["topologies", "local"], ["metrics", "local", "word-count"]]) {
    const r = await explorer(args, env)
    expect([r.code, r.stderr]).toEqual([1, "heron: error: no heron-runtime serves cluster local: start it with `heron-runtime --cluster local`\n"])
  }
}

describe("heron explorer against heron-runtime --cluster local", () => {
  it("clusters, topologies, logical and physical plans, metrics; one-line errors", async () => {
    const home = tempHome()
    const env = { HERON_HOME: home.dir, USER: "alice" }
    const rt = startRuntime(home.dir)
    try {
      await scenario(rt, env)
    } finally {
      // On failure too: no container outlives the test (containers outlive a runtime by design).
      if (rt.child.exitCode === null) await run("heron", ["kill", "local", "word-count"], env)
      for (const pid of started) {
        try {
          process.kill(-pid, "SIGKILL")
        } catch {
          // already gone
        }
      }
      home.cleanup()
    }
  }, 180_000)
})
