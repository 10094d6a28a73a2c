/**
 * Who and where a topology is (`/topologies/metadata`), its execution state (`metadata` plus what
 * is running, `/topologies/executionstate` and each entry of `/topologies/states`) and its runtime
 * state (`/topologies/runtimestate`).
 */
import { Schema } from "effect"
import type { TopologySnapshot } from "./Snapshot.js"

const metadataFields = {
  cluster: Schema.String,
  environ: Schema.String,
  role: Schema.String,
  jobname: Schema.String,
  /** Epoch seconds. */
  submission_time: Schema.Number,
  submission_user: Schema.String,
  release_username: Schema.String,
  release_tag: Schema.String,
  release_version: Schema.String,
  /** Link to a dashboard of the topology; none is configured here. */
  viz: Schema.Null,
  extra_links: Schema.Array(Schema.Struct({ name: Schema.String, url: Schema.String }))
}

export const MetadataWire = Schema.Struct(metadataFields)
export type MetadataWire = typeof MetadataWire.Type

/** Heron's display names of the run state; `Unknown` until a physical plan exists. */
export const TopologyStatus = Schema.Literal("Running", "Paused", "Killed", "Unknown")
export type TopologyStatus = typeof TopologyStatus.Type

export const ExecutionStateWire = Schema.Struct({
  ...metadataFields,
  has_physical_plan: Schema.Boolean,
  has_packing_plan: Schema.Boolean,
  has_tmanager_location: Schema.Boolean,
  has_scheduler_location: Schema.Boolean,
  status: TopologyStatus
})
export type ExecutionStateWire = typeof ExecutionStateWire.Type

export const RuntimeStateWire = Schema.Struct({
  has_physical_plan: Schema.Boolean,
  has_packing_plan: Schema.Boolean,
  has_tmanager_location: Schema.Boolean,
  has_scheduler_location: Schema.Boolean,
  stmgrs: Schema.Record({ key: Schema.String, value: Schema.Struct({ is_registered: Schema.Boolean }) })
})
export type RuntimeStateWire = typeof RuntimeStateWire.Type

export const metadata = (s: TopologySnapshot): MetadataWire => {
  const es = s.executionState
  return {
    cluster: es.cluster,
    environ: es.environ,
    role: es.role,
    jobname: s.name,
    submission_time: es.submissionTime,
    submission_user: es.submissionUser,
    release_username: es.release.releaseUsername,
    release_tag: es.release.releaseTag,
    release_version: es.release.releaseVersion,
    viz: null,
    extra_links: []
  }
}

/** As Heron, the status comes from the physical plan: what runs, not what was asked for. */
export const status = (s: TopologySnapshot): TopologyStatus => {
  switch (s.physicalPlan?.topology.state) {
    case "RUNNING":
      return "Running"
    case "PAUSED":
      return "Paused"
    case "KILLED":
      return "Killed"
    case undefined:
      return "Unknown"
  }
}

export const executionState = (s: TopologySnapshot): ExecutionStateWire => ({
  ...metadata(s),
  has_physical_plan: s.physicalPlan !== undefined,
  has_packing_plan: s.packingPlan !== undefined,
  has_tmanager_location: s.tmanager !== undefined,
  has_scheduler_location: s.scheduler !== undefined,
  status: status(s)
})

/**
 * Heron asks the TManager which stream managers registered. The physical plan is what the TManager
 * assembled from registered stream managers, so: those in it are registered, those the packing
 * plan expects (`stmgr-<container>`) but the physical plan lacks are not.
 */
export const runtimeState = (s: TopologySnapshot): RuntimeStateWire => {
  const registered = new Set(s.physicalPlan?.stmgrs.map((m) => m.id) ?? [])
  const expected = s.packingPlan?.containers.map((c) => `stmgr-${c.id}`) ?? []
  const ids = [...new Set([...expected, ...registered])].sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
  return {
    has_physical_plan: s.physicalPlan !== undefined,
    has_packing_plan: s.packingPlan !== undefined,
    has_tmanager_location: s.tmanager !== undefined,
    has_scheduler_location: s.scheduler !== undefined,
    stmgrs: Object.fromEntries(ids.map((id) => [id, { is_registered: registered.has(id) }]))
  }
}
