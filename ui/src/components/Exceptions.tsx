/**
 * Exceptions: per component, grouped by class (`/topologies/exceptionsummary`), and with their
 * stack traces per instance (`/topologies/exceptions`) on demand.
 */
import { useState } from "preact/hooks"
import type { ExceptionLog, ExceptionSummary } from "../../../core/engine/metricscache/Protocol.js"
import { result, run } from "../api/Run.js"
import { Link } from "../app/Router.js"
import { useResource } from "../app/useResource.js"
import { type Address, formatAddress, instancePath, trackerParams } from "../model/Address.js"
import { count } from "../model/Format.js"
import { ErrorNote, Loading } from "./Status.js"

/** Stack traces of a component's instances (or of one instance). */
export const ExceptionList = ({ address, component, instance }: { readonly address: Address; readonly component: string; readonly instance?: string }) => {
  const logs = useResource(
    `exc:${formatAddress(address)}:${component}:${instance ?? "*"}`,
    (signal) => run((t) => result(t.metrics.exceptions({ urlParams: { ...trackerParams(address), component, ...(instance === undefined ? {} : { instance }) } })), signal),
    { refreshMs: 15_000 }
  )
  if (logs.data === undefined) return logs.error === undefined ? <Loading what="exceptions" /> : <ErrorNote what="cannot read exceptions" message={logs.error} />
  if (logs.data.length === 0) return <p class="muted">No exception reported{instance === undefined ? ` by ${component}` : ""}.</p>
  return (
    <ul class="exceptions">
      {logs.data.map((e: ExceptionLog) => (
        <li key={`${e.instance_id}:${e.stack_trace.slice(0, 80)}`}>
          <p>
            <strong>{e.stack_trace.split("\n")[0]}</strong>
            <br />
            <Link href={instancePath(address, e.instance_id)}>{e.instance_id}</Link> on {e.hostname} · {count(Number(e.count))} time{e.count === "1" ? "" : "s"} · first {e.firsttime} · last {e.lasttime}
          </p>
          <pre class="stack" tabIndex={0}>{e.stack_trace}</pre>
        </li>
      ))}
    </ul>
  )
}

export const ExceptionsSummary = ({ address, summaries }: {
  readonly address: Address
  readonly summaries: ReadonlyArray<{ readonly component: string; readonly summary: ReadonlyArray<ExceptionSummary> }>
}) => {
  const [open, setOpen] = useState<string | undefined>(undefined)
  const rows = summaries.flatMap((s) => s.summary.map((e) => ({ component: s.component, ...e })))
  if (rows.length === 0) return <p class="muted">No exception reported by any component.</p>
  return (
    <>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Exceptions by class">
        <table>
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Exception</th>
              <th scope="col" class="num">Count</th>
              <th scope="col">First</th>
              <th scope="col">Last</th>
              <th scope="col"><span class="sr-only">Stack traces</span></th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.component}:${r.class_name}`} class="unhealthy">
                <th scope="row">{r.component}</th>
                <td><span aria-hidden="true">⚠ </span>{r.class_name}</td>
                <td class="num">{count(Number(r.count))}</td>
                <td>{r.firsttime}</td>
                <td>{r.lasttime}</td>
                <td>
                  <button type="button" aria-expanded={open === r.component} onClick={() => setOpen(open === r.component ? undefined : r.component)}>
                    {open === r.component ? "Hide" : "Show"} stack traces of {r.component}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open === undefined ? null : <ExceptionList address={address} component={open} />}
    </>
  )
}
