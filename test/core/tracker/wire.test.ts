import { describe, expect, it } from "@effect/vitest"
import { Topology } from "../../../core/model/Topology.js"
import { topologyConfig, topologyInfo } from "../../../core/tracker/wire/Info.js"
import { schedulerLocation, tmanagerLocation } from "../../../core/tracker/wire/Locations.js"
import { groupingName, logicalPlanRaw, logicalPlanView, stages } from "../../../core/tracker/wire/LogicalPlan.js"
import { packingPlan } from "../../../core/tracker/wire/PackingPlan.js"
import { emptyPhysicalPlan, instanceGroup, physicalPlan, shellLogfilesUrl } from "../../../core/tracker/wire/PhysicalPlan.js"
import type { TopologySnapshot } from "../../../core/tracker/wire/Snapshot.js"
import { executionState, metadata, runtimeState, status } from "../../../core/tracker/wire/State.js"
import { statesTree, topologiesTree } from "../../../core/tracker/wire/Tree.js"
import { ExecutionState, ReleaseState } from "../../../core/model/ExecutionState.js"
import { PhysicalPlan } from "../../../core/model/PhysicalPlan.js"
import { wcPacking, wcPhysical, wcTopology } from "./fixtures.js"

const es = (name: string, cluster: string, role: string, environ: string) =>
  new ExecutionState({
    topologyName: name, topologyId: `${name}-1`, cluster, role, environ, submissionTime: 1700000000.5,
    submissionUser: role, packageUri: "file:///p", release: new ReleaseState({ releaseUsername: role, releaseTag: "t", releaseVersion: "v" })
  })
const snapshot = (over: Partial<TopologySnapshot> = {}): TopologySnapshot => ({
  name: "wc", executionState: es("wc", "local", "alice", "default"), topology: wcTopology(),
  packingPlan: wcPacking, physicalPlan: wcPhysical, tmanager: undefined, scheduler: undefined, ...over
})

describe("logical plan", () => {
  it("raw plan has spouts with type/source and bolts with Heron grouping names", () => {
    const raw = logicalPlanRaw(wcTopology())
    expect(raw.spouts["sentence"]).toEqual({
      config: { "topology.component.parallelism": "2", "spout.type": "kafka", "spout.source": "sentences" },
      type: "kafka", source: "sentences", version: "NA", outputs: [{ stream_name: "default" }], extra_links: []
    })
    expect(raw.bolts["count"]?.inputs).toEqual([{ stream_name: "default", component_name: "split", grouping: "FIELDS" }])
    expect(raw.bolts["split"]?.inputs[0]?.grouping).toBe("SHUFFLE")
    expect(Object.keys(raw.bolts)).toEqual(["split", "count"])
  })

  it("view renames spout fields, lists input components and counts stages", () => {
    const view = logicalPlanView(logicalPlanRaw(wcTopology()))
    expect(view.stages).toBe(2)
    expect(view.spouts["sentence"]).toMatchObject({ spout_type: "kafka", spout_source: "sentences", version: "NA" })
    expect(view.bolts["count"]?.inputComponents).toEqual(["split"])
  })

  it("maps every grouping and measures the longest path even with branches", () => {
    expect([groupingName({ _tag: "all" }), groupingName({ _tag: "global" }), groupingName({ _tag: "direct" })])
      .toEqual(["ALL", "LOWEST", "DIRECT"])
    expect(groupingName({ _tag: "custom", name: "x" })).toBe("CUSTOM")
    const plan = { spouts: {}, bolts: {} }
    expect(stages(plan)).toBe(0)
    expect(logicalPlanRaw(undefined)).toEqual({ spouts: {}, bolts: {} })
  })
})

describe("physical plan", () => {
  const pp = physicalPlan(wcPhysical)
  it("lists instances with their stream manager and heron-shell log file", () => {
    expect(pp.instances["container_1_split_3"]).toEqual({
      id: "container_1_split_3", name: "split", stmgr_id: "stmgr-1",
      logfile: "http://worker-1:7001/file/logs/container.log"
    })
    expect(Object.keys(pp.instances)).toHaveLength(6)
  })
  it("describes stream managers, groups, spouts, bolts, config and components", () => {
    expect(pp.stmgrs["stmgr-2"]).toEqual({
      id: "stmgr-2", host: "worker-2", port: 6002, shell_port: 7002, cwd: "/var/heron/wc/2", pid: 4242,
      joburl: "http://worker-2:7002/browse/", logfiles: "http://worker-2:7002/browse/logs/",
      instance_ids: ["container_2_sentence_2", "container_2_split_4", "container_2_count_6"]
    })
    expect(pp.instance_groups).toEqual({
      container_1: ["container_1_sentence_1", "container_1_split_3", "container_1_count_5"],
      container_2: ["container_2_sentence_2", "container_2_split_4", "container_2_count_6"]
    })
    expect(pp.spouts).toEqual({ sentence: ["container_1_sentence_1", "container_2_sentence_2"] })
    expect(pp.bolts["count"]).toEqual(["container_1_count_5", "container_2_count_6"])
    expect(pp.config["topology.stmgrs"]).toBe("2")
    expect(pp.components["split"]).toEqual({ config: { "topology.component.parallelism": "2" } })
  })
  it("is empty, not missing, before the TManager wrote it", () => {
    expect(physicalPlan(undefined)).toEqual(emptyPhysicalPlan)
    expect(Object.keys(emptyPhysicalPlan).sort()).toEqual(["bolts", "components", "config", "instance_groups", "instances", "spouts", "stmgrs"])
  })
  it("has no shell links without a shell port, and groups ids as Heron does", () => {
    expect(shellLogfilesUrl("h", 0, ["container.log"])).toBeNull()
    expect(shellLogfilesUrl("h", 7001, [])).toBeNull()
    expect(instanceGroup("container_12_word_3")).toBe("container_12")
  })
})

describe("packing plan", () => {
  it("maps containers, instances and resources (bytes), scheduled resources {} when unknown", () => {
    const p = packingPlan(wcPacking)
    expect(p.id).toBe("wc-6b1f")
    expect(p.container_plans.map((c) => c.id)).toEqual([1, 2])
    expect(p.container_plans[0]?.instances[1]).toEqual({
      component_name: "split", task_id: 3, component_index: 0,
      instance_resources: { cpu: 1, ram: 512 * 1024 * 1024, disk: 1024 * 1024 * 1024 }
    })
    expect(p.container_plans[0]?.scheduled_resources).toEqual({ cpu: 4, ram: 4096 * 1024 * 1024, disk: 8192 * 1024 * 1024 })
    expect(p.container_plans[1]?.scheduled_resources).toEqual({})
    expect(packingPlan(undefined)).toEqual({ id: "", container_plans: [] })
  })
})

describe("execution state, metadata, runtime state", () => {
  it("execution state carries jobname, epoch seconds, release info and what is running", () => {
    expect(executionState(snapshot())).toEqual({
      cluster: "local", environ: "default", role: "alice", jobname: "wc", submission_time: 1700000000.5,
      submission_user: "alice", release_username: "alice", release_tag: "t", release_version: "v", viz: null, extra_links: [],
      has_physical_plan: true, has_packing_plan: true, has_tmanager_location: false, has_scheduler_location: false,
      status: "Running"
    })
  })
  it("status follows the physical plan: Paused, or Unknown without one", () => {
    expect(status(snapshot({ physicalPlan: new PhysicalPlan({ ...wcPhysical, topology: wcTopology("PAUSED") }) }))).toBe("Paused")
    expect(status(snapshot({ physicalPlan: undefined }))).toBe("Unknown")
    expect(executionState(snapshot({ physicalPlan: undefined })).has_physical_plan).toBe(false)
  })
  it("metadata has no runtime fields", () => {
    expect(Object.keys(metadata(snapshot()))).not.toContain("has_physical_plan")
  })
  it("runtime state marks expected stream managers missing from the physical plan as not registered", () => {
    expect(runtimeState(snapshot()).stmgrs).toEqual({ "stmgr-1": { is_registered: true }, "stmgr-2": { is_registered: true } })
    expect(runtimeState(snapshot({ physicalPlan: undefined })).stmgrs).toEqual({
      "stmgr-1": { is_registered: false }, "stmgr-2": { is_registered: false }
    })
  })
})

describe("locations, info, config", () => {
  it("absent locations are objects of nulls", () => {
    expect(tmanagerLocation(undefined)).toEqual({ name: null, id: null, host: null, controller_port: null, server_port: null, stats_port: null })
    expect(schedulerLocation(undefined)).toEqual({ name: null, http_endpoint: null, job_page_link: null })
  })
  it("info holds every part, config falls back to the submitted topology", () => {
    const info = topologyInfo(snapshot({ physicalPlan: undefined }))
    expect(Object.keys(info).sort()).toEqual([
      "execution_state", "id", "logical_plan", "metadata", "name", "packing_plan", "physical_plan", "runtime_state",
      "scheduler_location", "tmanager_location"
    ])
    expect(info.physical_plan.components).toEqual({})
    expect(info.id).toBe("wc-6b1f")
    expect(topologyConfig(snapshot({ physicalPlan: undefined, topology: new Topology({ ...wcTopology(), config: { a: "1" } }) }))).toEqual({ a: "1" })
  })
})

describe("listing trees", () => {
  const pending = snapshot({ name: "pending", executionState: es("pending", "local", "bob", "devel"), physicalPlan: undefined })
  const all = [snapshot(), pending, snapshot({ name: "ingest", executionState: es("ingest", "prod", "alice", "prod") })]
  const none = { clusters: [], environs: [], role: undefined }
  it("/topologies nests cluster > role > environ > names and filters", () => {
    expect(topologiesTree(none, all)).toEqual({
      local: { alice: { default: ["wc"] }, bob: { devel: ["pending"] } },
      prod: { alice: { prod: ["ingest"] } }
    })
    expect(topologiesTree({ ...none, role: "alice" }, all)).toEqual({ local: { alice: { default: ["wc"] } }, prod: { alice: { prod: ["ingest"] } } })
    expect(topologiesTree({ ...none, environs: ["devel"] }, all)).toEqual({ local: { bob: { devel: ["pending"] } } })
    expect(topologiesTree({ ...none, clusters: ["prod"] }, all)).toEqual({ prod: { alice: { prod: ["ingest"] } } })
  })
  it("/topologies/states nests cluster > environ > name > execution state", () => {
    const tree = statesTree(none, all)
    expect(tree["local"]?.["devel"]?.["pending"]?.jobname).toBe("pending")
    expect(tree["local"]?.["devel"]?.["pending"]?.has_physical_plan).toBe(false)
    expect(tree["prod"]?.["prod"]?.["ingest"]?.status).toBe("Running")
    expect(statesTree({ ...none, role: "bob" }, all)).toEqual({ local: { devel: { pending: executionState(pending) } } })
  })
})
