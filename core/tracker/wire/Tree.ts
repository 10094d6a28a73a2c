/**
 * The nestings of the listing endpoints. `/topologies` is `{cluster: {role: {environ: [names]}}}`;
 * `/topologies/states` is `{cluster: {environ: {name: execution state}}}` — no role level, as in
 * Heron's tracker, whose UI walks exactly three levels and reads `jobname` at the third.
 */
import { Schema } from "effect"
import type { TopologySnapshot } from "./Snapshot.js"
import { ExecutionStateWire, executionState } from "./State.js"

export const TopologiesWire = Schema.Record({
  key: Schema.String,
  value: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) }) })
})
export type TopologiesWire = typeof TopologiesWire.Type

export const StatesWire = Schema.Record({
  key: Schema.String,
  value: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: ExecutionStateWire }) })
})
export type StatesWire = typeof StatesWire.Type

/** Filters of the listing endpoints. An empty list matches everything; `role` is optional. */
export interface ListFilter {
  readonly clusters: ReadonlyArray<string>
  readonly environs: ReadonlyArray<string>
  readonly role: string | undefined
}

/** Whether a topology passes the filter; cluster and environ are read off its execution state. */
export const matches = (f: ListFilter, s: TopologySnapshot): boolean => {
  const es = s.executionState
  return (f.clusters.length === 0 || f.clusters.includes(es.cluster)) &&
    (f.environs.length === 0 || f.environs.includes(es.environ)) &&
    (f.role === undefined || f.role === es.role)
}

/** `parent[key]`, created with `make` when absent. */
const child = <T>(parent: Record<string, T>, key: string, make: () => NoInfer<T>): T => {
  const existing = parent[key]
  if (existing !== undefined) return existing
  const created = make()
  parent[key] = created
  return created
}

/** Topologies whose execution state names no role are left out, as in Heron. */
export const topologiesTree = (f: ListFilter, all: ReadonlyArray<TopologySnapshot>): TopologiesWire => {
  const out: Record<string, Record<string, Record<string, Array<string>>>> = {}
  for (const s of all) {
    const es = s.executionState
    if (!matches(f, s) || es.role === "") continue
    const byRole = child(out, es.cluster, () => ({}))
    const byEnviron = child(byRole, es.role, () => ({}))
    child(byEnviron, es.environ, () => []).push(s.name)
  }
  return out
}

export const statesTree = (f: ListFilter, all: ReadonlyArray<TopologySnapshot>): StatesWire => {
  const out: Record<string, Record<string, Record<string, ExecutionStateWire>>> = {}
  for (const s of all) {
    if (!matches(f, s)) continue
    const es = s.executionState
    child(child(out, es.cluster, () => ({})), es.environ, () => ({}))[s.name] = executionState(s)
  }
  return out
}
