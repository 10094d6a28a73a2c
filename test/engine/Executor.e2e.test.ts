import { afterAll, describe, expect, it } from "vitest"
import { NodeContext } from "@effect/platform-node"
import { Effect, Option } from "effect"
import { join } from "node:path"
import * as ClusterSpec from "../../core/runtime/ClusterSpec.js"
import * as ClusterLoader from "../../dsl/ClusterLoader.js"
import fieldsCount, { REPEAT, WORDS } from "../fixtures/topologies/fields-count.js"
import { fixtureClusters } from "../support/processes.js"
import { eventually, fixtureTopologies, getState, killAll, lines, makeHome, startExecutor, submit, uploadPackage } from "./support/harness.js"

afterAll(killAll)

describe("executor: TManager and stream managers as real processes", () => {
  it("assembles the physical plan and computes exact results across 2 containers with fields grouping", async () => {
    const home = makeHome()
    const out = join(home.dir, "counts.txt")
    const { packing } = await submit(home, fieldsCount, { "fixture.out": out })
    const module = join(fixtureTopologies, "fields-count.ts")
    const execs = [0, 1, 2].map((c) => startExecutor(home, "fields-count", c, module))
    const plan = await eventually("pplans/fields-count", () => getState(home, "pplans", "fields-count"))
    expect(plan.stmgrs.map((s) => s.id)).toEqual(["stmgr-1", "stmgr-2"])
    expect(plan.stmgrs.map((s) => s.pid)).toEqual([execs[1]!.child.pid, execs[2]!.child.pid])
    expect(plan.instances.map((i) => i.instanceId).sort()).toEqual(
      packing.containers.flatMap((c) => c.instances.map((i) => `container_${c.id}_${i.componentName}_${i.taskId}`)).sort()
    )
    const total = WORDS * REPEAT
    const done = await eventually("every word counted", () => {
      const l = lines(out)
      return l.length >= total ? l : undefined
    }, 30_000)
    await new Promise((r) => setTimeout(r, 300))
    expect(lines(out)).toHaveLength(total)
    const byWord = new Map<string, Set<string>>()
    const counts = new Map<string, number>()
    const ns = new Set<string>()
    for (const line of done) {
      const [task, word, n] = line.split(" ")
      byWord.set(word!, (byWord.get(word!) ?? new Set()).add(task!))
      counts.set(word!, (counts.get(word!) ?? 0) + 1)
      ns.add(n!)
    }
    expect(ns.size).toBe(total)
    expect(counts.size).toBe(WORDS)
    for (const [, c] of counts) expect(c).toBe(REPEAT)
    // Fields grouping: every word at exactly one task, and the words spread over all 3 tasks.
    for (const [, tasks] of byWord) expect(tasks.size).toBe(1)
    expect(new Set([...byWord.values()].flatMap((s) => [...s])).size).toBe(3)
  }, 60_000)

  it("fetches, extracts and runs the uploaded package when no module is given", async () => {
    const home = makeHome()
    const out = join(home.dir, "counts.txt")
    const { topology } = await submit(home, fieldsCount, { "fixture.out": out })
    await uploadPackage(home, "fields-count", topology.id, join(fixtureTopologies, "fields-count.ts"))
    const execs = [0, 1, 2].map((c) => startExecutor(home, "fields-count", c))
    await eventually("every word counted", () => (lines(out).length >= WORDS * REPEAT ? true : undefined), 30_000)
    expect(execs.every((e) => e.child.exitCode === null)).toBe(true)
    expect(lines(join(home.dir, "containers", "fields-count", "container-1", "topology", "topology.json"))).not.toEqual([])
  }, 60_000)

  it("runs from the cluster spec the runtime hands it, without loading the cluster file", async () => {
    const home = makeHome()
    const out = join(home.dir, "counts.txt")
    await submit(home, fieldsCount, { "fixture.out": out })
    // The spec of the home's cluster, as the runtime computes it; the cluster file given on the
    // command line throws when loaded, so the containers can only run from the spec.
    const saved = process.env["HERON_HOME"]
    process.env["HERON_HOME"] = home.dir
    const spec = await Effect.runPromise(ClusterLoader.loadCluster(home.cluster, [fixtureClusters]).pipe(
      Effect.flatMap(ClusterSpec.encode),
      Effect.map(Option.getOrThrow),
      Effect.provide(NodeContext.layer),
      Effect.ensuring(Effect.sync(() => (saved === undefined ? delete process.env["HERON_HOME"] : (process.env["HERON_HOME"] = saved))))
    ))
    const module = join(fixtureTopologies, "fields-count.ts")
    const throwing = join(fixtureClusters, "throws.heron.ts")
    const execs = [0, 1, 2].map((c) => startExecutor(home, "fields-count", c, module, { [ClusterSpec.CLUSTER_SPEC_ENV]: spec }, [], throwing))
    await eventually("every word counted", () => (lines(out).length >= WORDS * REPEAT ? true : undefined), 30_000)
    expect(execs.every((e) => e.child.exitCode === null)).toBe(true)
    expect(execs.map((e) => e.stderr()).join("")).not.toContain("boom while loading")
  }, 60_000)
})
