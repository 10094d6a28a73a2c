/**
 * `/topologies/info`: everything about one topology in one answer, and `/topologies/config`.
 */
import { Schema } from "effect"
import { LogicalPlanRaw, logicalPlanRaw } from "./LogicalPlan.js"
import { PackingPlanWire, packingPlan } from "./PackingPlan.js"
import { PhysicalPlanWire, physicalPlan } from "./PhysicalPlan.js"
import { SchedulerLocationWire, TManagerLocationWire, schedulerLocation, tmanagerLocation } from "./Locations.js"
import type { TopologySnapshot } from "./Snapshot.js"
import { ExecutionStateWire, MetadataWire, RuntimeStateWire, executionState, metadata, runtimeState } from "./State.js"

export const TopologyInfoWire = Schema.Struct({
  name: Schema.String,
  id: Schema.String,
  logical_plan: LogicalPlanRaw,
  physical_plan: PhysicalPlanWire,
  packing_plan: PackingPlanWire,
  execution_state: ExecutionStateWire,
  tmanager_location: TManagerLocationWire,
  scheduler_location: SchedulerLocationWire,
  metadata: MetadataWire,
  runtime_state: RuntimeStateWire
})
export type TopologyInfoWire = typeof TopologyInfoWire.Type

/** The logical plan: the stored one, else the one the running physical plan carries. */
export const logicalTopology = (s: TopologySnapshot) => s.topology ?? s.physicalPlan?.topology

export const topologyInfo = (s: TopologySnapshot): TopologyInfoWire => ({
  name: s.name,
  id: s.physicalPlan?.topology.id ?? s.topology?.id ?? s.executionState.topologyId,
  logical_plan: logicalPlanRaw(logicalTopology(s)),
  physical_plan: physicalPlan(s.physicalPlan),
  packing_plan: packingPlan(s.packingPlan),
  execution_state: executionState(s),
  tmanager_location: tmanagerLocation(s.tmanager),
  scheduler_location: schedulerLocation(s.scheduler),
  metadata: metadata(s),
  runtime_state: runtimeState(s)
})

export const ConfigWire = Schema.Record({ key: Schema.String, value: Schema.String })

/** The running topology's config (Heron reads it off the physical plan); the submitted one before. */
export const topologyConfig = (s: TopologySnapshot): typeof ConfigWire.Type =>
  s.physicalPlan?.topology.config ?? s.topology?.config ?? {}
