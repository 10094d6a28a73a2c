/**
 * The topology list: `/topologies/states` flattened into rows, filtered by cluster, environ,
 * role and a search on the name, and sorted.
 */
import type { StatesWire } from "../../../core/tracker/wire/Tree.js"
import type { Address } from "./Address.js"

export interface Row {
  readonly key: string
  readonly address: Address
  readonly status: string
  readonly version: string
  readonly submittedBy: string
  /** Epoch seconds. */
  readonly launchedAt: number
}

export const rowsOf = (states: StatesWire | undefined): ReadonlyArray<Row> => {
  if (states === undefined) return []
  return Object.values(states).flatMap((byEnviron) =>
    Object.values(byEnviron).flatMap((byName) =>
      Object.entries(byName).map(([name, s]) => {
        const address = { cluster: s.cluster, role: s.role, environ: s.environ, name }
        return {
          key: `${s.cluster}/${s.role}/${s.environ}/${name}`,
          address,
          status: s.status,
          version: s.release_version,
          submittedBy: s.submission_user,
          launchedAt: s.submission_time
        }
      })))
}

export interface Filters {
  readonly cluster: string
  readonly environ: string
  readonly role: string
  /** Part of the name, any case. */
  readonly q: string
}

export const filterRows = (rows: ReadonlyArray<Row>, f: Filters): ReadonlyArray<Row> => {
  const q = f.q.trim().toLowerCase()
  return rows.filter((r) =>
    (f.cluster === "" || r.address.cluster === f.cluster) &&
    (f.environ === "" || r.address.environ === f.environ) &&
    (f.role === "" || r.address.role === f.role) &&
    (q === "" || r.address.name.toLowerCase().includes(q)))
}

/** The distinct values of one field, sorted: the filters' choices. */
export const choices = (rows: ReadonlyArray<Row>, field: "cluster" | "environ" | "role"): ReadonlyArray<string> =>
  [...new Set(rows.map((r) => r.address[field]))].sort()

export type SortKey = "name" | "status" | "cluster" | "role" | "environ" | "version" | "submittedBy" | "launchedAt"

export const sortRows = (rows: ReadonlyArray<Row>, key: SortKey, descending: boolean): ReadonlyArray<Row> => {
  const value = (r: Row): string | number => {
    switch (key) {
      case "name":
        return r.address.name
      case "cluster":
      case "role":
      case "environ":
        return r.address[key]
      default:
        return r[key]
    }
  }
  const sorted = [...rows].sort((a, b) => {
    const x = value(a)
    const y = value(b)
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "en", { numeric: true })
    return c !== 0 ? c : a.key.localeCompare(b.key)
  })
  return descending ? sorted.reverse() : sorted
}
