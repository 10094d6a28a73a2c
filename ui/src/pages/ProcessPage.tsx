/**
 * An instance or a container: its logs (tail, paging, follow), its files (browse, view,
 * download), its exceptions and metrics (instances), its process (pid, stack dump) and its memory
 * (heap statistics, heap dump). The tab is in the URL (`?tab=`), so every view has an address.
 */
import { useEffect, useState } from "preact/hooks"
import { result, run } from "../api/Run.js"
import { Link, navigate, useLocation, withQuery } from "../app/Router.js"
import { useResource } from "../app/useResource.js"
import { type Target, Memory, ProcessInfo } from "../components/Diagnostics.js"
import { ExceptionList } from "../components/Exceptions.js"
import { FileBrowser } from "../components/FileBrowser.js"
import { InstanceCharts } from "../components/InstanceCharts.js"
import { LogViewer } from "../components/LogViewer.js"
import { ErrorNote, Loading } from "../components/Status.js"
import { Tabs } from "../components/Tabs.js"
import { type Address, containerPath, formatAddress, instancePath, topologyPath, trackerParams } from "../model/Address.js"
import { logPathOf, parseInstanceId } from "../model/Plan.js"

type TabId = "logs" | "files" | "exceptions" | "metrics" | "process" | "memory" | "instances"

const instanceTabs: ReadonlyArray<{ id: TabId; label: string }> = [
  { id: "logs", label: "Logs" },
  { id: "files", label: "Files" },
  { id: "exceptions", label: "Exceptions" },
  { id: "metrics", label: "Metrics" },
  { id: "process", label: "Process & stack" },
  { id: "memory", label: "Memory & heap dump" }
]
const containerTabs: ReadonlyArray<{ id: TabId; label: string }> = [
  { id: "logs", label: "Logs" },
  { id: "files", label: "Files" },
  { id: "instances", label: "Instances" },
  { id: "process", label: "Process & stack" },
  { id: "memory", label: "Memory & heap dump" }
]

/** The instances of one container, from the physical plan. */
const ContainerInstances = ({ address, container }: { readonly address: Address; readonly container: number }) => {
  const plan = useResource(`pp:${formatAddress(address)}`, (signal) => run((t) => result(t.topologies.physicalplan({ urlParams: trackerParams(address) })), signal), { refreshMs: 15_000 })
  if (plan.data === undefined) return plan.error === undefined ? <Loading what="the physical plan" /> : <ErrorNote message={plan.error} />
  const ids = plan.data.instance_groups[`container_${container}`] ?? []
  if (ids.length === 0) return <p class="muted">Container {container} runs no instance{container === 0 ? " (it runs the TManager and the metrics cache)" : ""}.</p>
  return <ul class="instance-list">{ids.map((id) => <li key={id}><Link href={instancePath(address, id)}>{id}</Link> <span class="muted">{plan.data?.instances[id]?.name}</span></li>)}</ul>
}

export const ProcessPage = ({ address, target }: { readonly address: Address; readonly target: Target }) => {
  const { pathname, search } = useLocation()
  const tabs = target.kind === "instance" ? instanceTabs : containerTabs
  const wanted = search.get("tab")
  const tab: TabId = tabs.find((t) => t.id === wanted)?.id ?? "logs"
  const parsed = target.kind === "instance" ? parseInstanceId(target.instance) : undefined
  const container = target.kind === "instance" ? parsed?.container ?? -1 : target.container
  const component = parsed?.component ?? ""
  const pp = useResource(`pp-log:${formatAddress(address)}`, (signal) => run((t) => result(t.topologies.physicalplan({ urlParams: trackerParams(address) })), signal), { enabled: target.kind === "instance" })
  const [viewing, setViewing] = useState<string | undefined>(undefined)
  const logPath = viewing ?? (target.kind === "instance" ? logPathOf(pp.data?.instances[target.instance]?.logfile) : "container.log")
  const title = target.kind === "instance" ? target.instance : `Container ${target.container}`
  useEffect(() => void (document.title = `${title} — ${address.name} — Heron`), [title, address.name])
  const select = (id: TabId) => navigate(withQuery(pathname, search, { tab: id === "logs" ? undefined : id }), { replace: true })

  return (
    <section class="process" aria-labelledby="process-title">
      <nav class="breadcrumbs" aria-label="Breadcrumbs">
        <ol>
          <li><Link href="/">Topologies</Link></li>
          <li><Link href={topologyPath(address)}>{address.name}</Link></li>
          {target.kind === "instance" && container >= 0 ? <li><Link href={containerPath(address, container)}>Container {container}</Link></li> : null}
          <li aria-current="page">{title}</li>
        </ol>
      </nav>
      <h1 id="process-title">{title}</h1>
      <p class="facts">
        <span>{formatAddress(address)}</span>
        {target.kind === "instance" ? <span>component {component}</span> : null}
        {target.kind === "instance" ? <span>task {parsed?.task}</span> : null}
        <span>container {container}{container === 0 ? " (TManager)" : ""}</span>
      </p>
      {target.kind === "instance" && container < 0 ? <ErrorNote message={`${target.instance} is not an instance id (container_<n>_<component>_<task>)`} /> : null}
      <Tabs label={`${title}: views`} tabs={tabs} current={tab} onChange={select}>
        {tab === "logs" ? (
          <>
            {target.kind === "instance" ? <p class="muted">Instances run as threads of their container's process and share its log.</p> : null}
            {viewing === undefined ? null : <p>Viewing <code>{viewing}</code> <button type="button" class="link" onClick={() => setViewing(undefined)}>back to the log</button></p>}
            {target.kind === "instance" && pp.data === undefined && viewing === undefined ? <Loading what="where the log is" /> : <LogViewer key={`${container}:${logPath}`} address={address} container={container} path={logPath} />}
          </>
        ) : null}
        {tab === "files" ? <FileBrowser address={address} container={container} onView={(p) => { setViewing(p); select("logs") }} /> : null}
        {tab === "exceptions" && target.kind === "instance" ? <ExceptionList address={address} component={component} instance={target.instance} /> : null}
        {tab === "metrics" && target.kind === "instance" ? <InstanceCharts address={address} component={component} instance={target.instance} /> : null}
        {tab === "instances" && target.kind === "container" ? <ContainerInstances address={address} container={target.container} /> : null}
        {tab === "process" ? <ProcessInfo address={address} target={target} /> : null}
        {tab === "memory" ? <Memory address={address} target={target} /> : null}
      </Tabs>
    </section>
  )
}
