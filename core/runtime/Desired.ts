/**
 * Desired state, as the CLI writes it and the supervisors read it: the topology (with its
 * RUNNING / PAUSED / KILLED state), its packing plan and its execution state. Shared helpers.
 */
import type { ExecutionState } from "../model/ExecutionState.js"
import { Topology, type TopologyState } from "../model/Topology.js"
import { TopologyRef } from "../Scheduler.js"
import type { StateKind } from "../StateManager.js"

/** The same topology with another desired state. */
export const withState = (t: Topology, state: TopologyState): Topology =>
  new Topology({ id: t.id, name: t.name, state, components: t.components, config: t.config })

/** Every kind of state a topology has, `topologies` last: removing them in this order leaves the
 * topology visible (and its kill retried) until everything else is gone. */
export const topologyKinds: ReadonlyArray<Exclude<StateKind, "runtimes">> = [
  "pplans",
  "tmanagers",
  "metricscaches",
  "schedulers",
  "executionstate",
  "packingplans",
  "topologies"
]

/** How the scheduler knows the topology: from its execution state, or by name alone when the
 * execution state is gone (a half-finished submit being killed). */
export const topologyRef = (cluster: string, topology: { readonly name: string; readonly id: string }, execution: ExecutionState | undefined): TopologyRef =>
  new TopologyRef({
    cluster,
    role: execution?.role ?? "",
    environ: execution?.environ ?? "",
    name: topology.name,
    id: execution?.topologyId ?? topology.id
  })
