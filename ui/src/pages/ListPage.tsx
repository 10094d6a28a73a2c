/**
 * The topology list: name, status, cluster, role, environ, instances, version, submitted by,
 * launched at; filters (cluster, environ, role, a search on the name) kept in the URL; rows with
 * back-pressure, failures or containers down marked in words and colour; live refresh.
 */
import { useEffect, useMemo, useState } from "preact/hooks"
import { result, run } from "../api/Run.js"
import { Link, navigate, useLocation, withQuery } from "../app/Router.js"
import { type RowDetail, useRowDetails } from "../app/RowDetails.js"
import { useResource } from "../app/useResource.js"
import { ErrorNote, Freshness, LevelMark, Loading, StatusBadge } from "../components/Status.js"
import { topologyPath } from "../model/Address.js"
import { count, dateTime, percent } from "../model/Format.js"
import type { Level } from "../model/Health.js"
import { Flash } from "./Flash.js"
import { choices, filterRows, type Row, rowsOf, type SortKey, sortRows } from "../model/ListRows.js"

const columns: ReadonlyArray<{ readonly key: SortKey | "instances" | "health"; readonly label: string }> = [
  { key: "name", label: "Name" },
  { key: "status", label: "Status" },
  { key: "cluster", label: "Cluster" },
  { key: "role", label: "Role" },
  { key: "environ", label: "Environ" },
  { key: "instances", label: "Instances" },
  { key: "version", label: "Version" },
  { key: "submittedBy", label: "Submitted by" },
  { key: "launchedAt", label: "Launched at" },
  { key: "health", label: "Health (10 min)" }
]

const rank: Readonly<Record<Level, number>> = { none: 0, ok: 1, warn: 2, bad: 3 }

/** The problems of a row, worst first; none: healthy. */
const problems = (d: RowDetail | undefined): ReadonlyArray<{ readonly level: Level; readonly text: string }> => {
  if (d === undefined) return []
  const out: Array<{ level: Level; text: string }> = []
  if (d.containersDown !== undefined && d.containersDown > 0) out.push({ level: "bad", text: `${d.containersDown} container${d.containersDown > 1 ? "s" : ""} down` })
  if (d.failures !== undefined && d.failures > 0) out.push({ level: "warn", text: `${count(d.failures)} failed` })
  if (d.backPressure !== undefined && d.backPressure >= 0.01) out.push({ level: d.backPressure >= 0.1 ? "bad" : "warn", text: `back-pressure ${percent(d.backPressure)}` })
  return out.sort((a, b) => rank[b.level] - rank[a.level])
}

const Filter = ({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: ReadonlyArray<string>; onChange: (v: string) => void }) => (
  <label for={id}>
    {label}
    <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">all</option>
      {options.map((o) => <option key={o} value={o}>{o}</option>)}
    </select>
  </label>
)

const HealthCell = ({ detail }: { readonly detail: RowDetail | undefined }) => {
  if (detail === undefined) return <span class="muted">…</span>
  const list = problems(detail)
  if (list.length === 0) return <LevelMark level="ok">{detail.metricsNote ?? "healthy"}</LevelMark>
  return <ul class="problems">{list.map((p) => <li key={p.text}><LevelMark level={p.level}>{p.text}</LevelMark></li>)}</ul>
}

const TopologyRow = ({ row, detail }: { readonly row: Row; readonly detail: RowDetail | undefined }) => {
  const unhealthy = problems(detail).length > 0
  return (
    <tr class={unhealthy ? "unhealthy" : undefined} data-topology={row.address.name}>
      <th scope="row"><Link href={topologyPath(row.address)}>{row.address.name}</Link></th>
      <td><StatusBadge status={row.status} /></td>
      <td>{row.address.cluster}</td>
      <td>{row.address.role}</td>
      <td>{row.address.environ}</td>
      <td class="num">{detail?.instances ?? "…"}</td>
      <td>{row.version}</td>
      <td>{row.submittedBy}</td>
      <td><time dateTime={new Date(row.launchedAt * 1000).toISOString()}>{dateTime(row.launchedAt)}</time></td>
      <td><HealthCell detail={detail} /></td>
    </tr>
  )
}

export const ListPage = () => {
  const { pathname, search } = useLocation()
  const filters = { cluster: search.get("cluster") ?? "", environ: search.get("environ") ?? "", role: search.get("role") ?? "", q: search.get("q") ?? "" }
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: "name", descending: false })
  const states = useResource("states", (signal) => run((t) => result(t.topologies.states({ urlParams: {} })), signal), { refreshMs: 5000 })
  const all = useMemo(() => rowsOf(states.data), [states.data])
  const rows = useMemo(() => sortRows(filterRows(all, filters), sort.key, sort.descending), [all, filters.cluster, filters.environ, filters.role, filters.q, sort])
  const details = useRowDetails(rows)
  const set = (patch: Record<string, string>) => navigate(withQuery(pathname, search, patch), { replace: true })
  useEffect(() => void (document.title = "Topologies — Heron"), [])
  const unhealthy = rows.filter((r) => problems(details.get(r.key)).length > 0).length

  return (
    <section aria-labelledby="list-title">
      <div class="page-head">
        <h1 id="list-title">Topologies</h1>
        <Freshness updatedAt={states.updatedAt} error={states.data === undefined ? undefined : states.error} loading={states.loading} />
      </div>
      <Flash />
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <Filter id="f-cluster" label="Cluster" value={filters.cluster} options={choices(all, "cluster")} onChange={(v) => set({ cluster: v })} />
        <Filter id="f-environ" label="Environ" value={filters.environ} options={choices(all, "environ")} onChange={(v) => set({ environ: v })} />
        <Filter id="f-role" label="Role" value={filters.role} options={choices(all, "role")} onChange={(v) => set({ role: v })} />
        <label for="f-q">
          Name
          <input id="f-q" type="search" placeholder="search by name" value={filters.q} onInput={(e) => set({ q: e.currentTarget.value })} />
        </label>
      </form>
      {states.data === undefined && states.error !== undefined ? <ErrorNote what="cannot list topologies" message={states.error} /> : null}
      {states.data === undefined && states.error === undefined ? <Loading what="topologies" /> : null}
      {states.data === undefined ? null : (
        <>
          <p class="summary" aria-live="polite">
            {rows.length} of {all.length} topologies{unhealthy > 0 ? `, ${unhealthy} unhealthy` : ""}
          </p>
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Topologies">
            <table class="topologies">
              <thead>
                <tr>
                  {columns.map((c) => {
                    const key = c.key
                    const sortable = key !== "instances" && key !== "health"
                    const active = sortable && sort.key === key
                    return (
                      <th key={key} scope="col" aria-sort={active ? (sort.descending ? "descending" : "ascending") : undefined}>
                        {sortable
                          ? <button type="button" class="sort" onClick={() => setSort({ key, descending: active ? !sort.descending : false })}>
                            {c.label} <span aria-hidden="true">{active ? (sort.descending ? "▼" : "▲") : "↕"}</span>
                          </button>
                          : c.label}
                      </th>
                    )
                  })}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => <TopologyRow key={r.key} row={r} detail={details.get(r.key)} />)}
              </tbody>
            </table>
          </div>
          {rows.length === 0 ? <p class="empty">{all.length === 0 ? "No topology is running. Submit one with `heron submit <cluster> <file>`." : "No topology matches these filters."}</p> : null}
        </>
      )}
    </section>
  )
}
