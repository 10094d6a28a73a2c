/**
 * Everything the state manager holds about one topology, read at one point in time. The input of
 * every wire function; the execution state is what makes a topology visible at all.
 */
import type { ExecutionState } from "../../model/ExecutionState.js"
import type { MetricsCacheLocation, SchedulerLocation, TManagerLocation } from "../../model/Locations.js"
import type { PackingPlan } from "../../model/PackingPlan.js"
import type { PhysicalPlan } from "../../model/PhysicalPlan.js"
import type { Topology } from "../../model/Topology.js"

export interface TopologySnapshot {
  /** The topology's name (its node under every folder of the state manager). */
  readonly name: string
  readonly executionState: ExecutionState
  /** The logical plan; missing only while a submit or kill is half done. */
  readonly topology: Topology | undefined
  readonly packingPlan: PackingPlan | undefined
  /** Written by the TManager once every stream manager registered. */
  readonly physicalPlan: PhysicalPlan | undefined
  readonly tmanager: TManagerLocation | undefined
  readonly scheduler: SchedulerLocation | undefined
  /**
   * Where container 0's metrics cache listens, when the snapshot was read with it (the watched
   * cache follows it); absent: not known here, ask the state manager.
   */
  readonly metricsCache?: MetricsCacheLocation | undefined
}
