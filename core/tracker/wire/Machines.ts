/**
 * `/machines`: the hosts each topology runs on, `{cluster: {environ: {topology: [hosts]}}}`, read
 * off the physical plans (every stream manager's host) and the TManager's location (container 0).
 */
import { Schema } from "effect"
import type { TopologySnapshot } from "./Snapshot.js"

export const MachinesWire = Schema.Record({
  key: Schema.String,
  value: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }) })
})
export type MachinesWire = typeof MachinesWire.Type

/** Filters of `/machines`; an empty list matches everything, `role` is optional. */
export interface MachinesFilter {
  readonly clusters: ReadonlyArray<string>
  readonly environs: ReadonlyArray<string>
  readonly topologies: ReadonlyArray<string>
  readonly role: string | undefined
}

/** The distinct hosts of one topology: container 0's, then the stream managers' in container order.
 * Empty while nothing runs. */
export const machinesOf = (s: TopologySnapshot): ReadonlyArray<string> => {
  const stmgrs = [...(s.physicalPlan?.stmgrs ?? [])].sort((a, b) => a.containerIndex - b.containerIndex)
  return [...new Set([...(s.tmanager === undefined ? [] : [s.tmanager.host]), ...stmgrs.map((m) => m.host)])]
}

export const machinesTree = (f: MachinesFilter, all: ReadonlyArray<TopologySnapshot>): MachinesWire => {
  const out: Record<string, Record<string, Record<string, ReadonlyArray<string>>>> = {}
  for (const s of all) {
    const es = s.executionState
    if (f.clusters.length > 0 && !f.clusters.includes(es.cluster)) continue
    if (f.environs.length > 0 && !f.environs.includes(es.environ)) continue
    if (f.topologies.length > 0 && !f.topologies.includes(s.name)) continue
    if (f.role !== undefined && f.role !== es.role) continue
    const byEnviron = (out[es.cluster] ??= {})
    ;(byEnviron[es.environ] ??= {})[s.name] = machinesOf(s)
  }
  return out
}
