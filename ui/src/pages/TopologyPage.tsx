/**
 * A topology: its controls, the logical DAG and the physical plan (containers holding instances,
 * mapped to the DAG on hover) under a health overlay, counters over 10 min / 1 h / 3 h / all,
 * metric charts per component, exceptions with their stacks, and the config. Its Tracker
 * requests depend on the number of components, never on the number of instances.
 */
import { useEffect, useMemo, useState } from "preact/hooks"
import { HighlightStyle } from "../app/Highlight.js"
import { navigate } from "../app/Router.js"
import { HEALTH_WINDOW_S, useExceptionSummary, useExecution, useHealthMetrics, useLogical, usePacking, usePhysical, useSchedulerStatus } from "../app/TopologyData.js"
import { ComponentCharts } from "../components/ComponentCharts.js"
import { ConfigTable } from "../components/ConfigTable.js"
import { type ContainerState, Containers } from "../components/Containers.js"
import { Controls } from "../components/Controls.js"
import { Counters } from "../components/Counters.js"
import { Dag, type NodeBadge } from "../components/Dag.js"
import { ExceptionsSummary } from "../components/Exceptions.js"
import { formatOverlay, OverlayPicker } from "../components/OverlayPicker.js"
import { ErrorNote, Freshness, Loading, StatusBadge } from "../components/Status.js"
import { type Address, formatAddress } from "../model/Address.js"
import { dateTime } from "../model/Format.js"
import { containerBackPressure, grade, type InstanceHealth, instanceHealth, type Overlay, overlays, overlayValue, worst } from "../model/Health.js"
import { counterNames } from "../model/Metrics.js"
import { componentsOf, planOf } from "../model/Plan.js"
import { setFlash } from "./Flash.js"

const COMPACT_FROM = 200

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

const sections = [
  { id: "dag", label: "Logical plan" },
  { id: "containers", label: "Containers" },
  { id: "counters", label: "Counters" },
  { id: "charts", label: "Metrics" },
  { id: "exceptions", label: "Exceptions" },
  { id: "config", label: "Config" }
] as const

/** A component's value for the overlay: the worst of its instances (failures: their sum). */
const rollUp = (o: Overlay, list: ReadonlyArray<InstanceHealth>): NodeBadge | undefined => {
  const values = list.flatMap((h) => {
    const v = overlayValue(h, o)
    return v === undefined ? [] : [v]
  })
  if (values.length === 0) return undefined
  if (o === "failures") {
    const failed = values.reduce((a, b) => a + b, 0)
    const processed = list.reduce((a, h) => a + (h.processed ?? 0), 0)
    return { level: grade(o, failed, processed), text: formatOverlay(o, failed) }
  }
  const max = Math.max(...values)
  return { level: worst(list.map((h) => grade(o, overlayValue(h, o), h.processed))), text: `max ${formatOverlay(o, max)}` }
}

export const TopologyPage = ({ address }: { readonly address: Address }) => {
  useEffect(() => void (document.title = `${address.name} — Heron`), [address.name])
  const logical = useLogical(address)
  const execution = useExecution(address)
  // The components are known from the small logical plan: their metrics are asked beside the physical plan.
  const components = useMemo(() => (logical.data === undefined ? undefined : componentsOf(logical.data, undefined)), [logical.data])
  const health = useHealthMetrics(address, components)
  const physical = usePhysical(address, logical.data !== undefined || logical.error !== undefined)
  const status = useSchedulerStatus(address)
  // Below the fold, and ELK's worker (1.6 MB of script to start): once the containers are drawn, as they would slow it.
  const drawn = health.data !== undefined || health.error !== undefined
  const exceptions = useExceptionSummary(address, components, drawn)
  const packing = usePacking(address, drawn)
  const hasTManager = execution.data?.has_tmanager_location ?? true
  const plan = useMemo(
    () => (logical.data === undefined || physical.data === undefined ? undefined : planOf({ logical: logical.data, physical: physical.data, packing: packing.data, hasTManager })),
    [logical.data, physical.data, packing.data, hasTManager]
  )
  const [overlay, setOverlay] = useState<Overlay>("capacity")
  const [chart, setChart] = useState<{ component: string; kind: string; windowS: number }>({ component: "", kind: "emitted", windowS: 600 })

  const launched = execution.data?.submission_time ?? 0
  const windowMs = Math.max(1, Math.min(HEALTH_WINDOW_S, Math.floor(Date.now() / 1000) - launched)) * 1000
  const derived = useMemo(() => {
    if (plan === undefined || health.data === undefined) return undefined
    const bp = containerBackPressure(health.data.stmgr, plan.containers, windowMs)
    const byInstance = new Map<string, InstanceHealth>()
    const byComponent = new Map<string, Array<InstanceHealth>>()
    for (const c of plan.components) {
      const t = health.data.byComponent.get(c.name)
      if (t === undefined) continue
      const names = counterNames(c)
      for (const id of c.instances) {
        const i = plan.instances.get(id)
        if (i === undefined) continue
        const h = instanceHealth(t, c, names, i, windowMs, bp)
        byInstance.set(id, h)
        const list = byComponent.get(c.name)
        if (list === undefined) byComponent.set(c.name, [h])
        else list.push(h)
      }
    }
    return { bp, byInstance, byComponent }
  }, [plan, health.data])
  const badges = useMemo(() => new Map(plan?.components.flatMap((c) => {
    const b = rollUp(overlay, derived?.byComponent.get(c.name) ?? [])
    return b === undefined ? [] : [[c.name, b] as const]
  }) ?? []), [plan, derived, overlay])
  const states = useMemo(() => new Map<number, ContainerState>(status.data?.containers.map((c) => [c.index, { state: c.state, restarts: c.restarts }]) ?? []), [status.data])

  const failed = [execution, logical, physical].find((r) => r.data === undefined && r.error !== undefined)?.error
  if (execution.data === undefined || plan === undefined) {
    return (
      <section class="topology" aria-labelledby="topology-title">
        <h1 id="topology-title">{address.name}</h1>
        {failed === undefined ? <Loading what={formatAddress(address)} /> : <ErrorNote what={`cannot show ${formatAddress(address)}`} message={failed} />}
      </section>
    )
  }
  const es = execution.data
  const selectComponent = (name: string) => {
    setChart((c) => ({ ...c, component: name }))
    document.getElementById("charts")?.scrollIntoView({ block: "start" })
  }
  const overlayLabel = overlays.find((o) => o.id === overlay)?.label ?? overlay
  return (
    <section class="topology" aria-labelledby="topology-title" data-structure="ready" data-health={derived === undefined ? "loading" : "ready"}>
      <HighlightStyle />
      <div class="page-head">
        <h1 id="topology-title">{address.name} <StatusBadge status={es.status} /></h1>
        <Freshness updatedAt={physical.updatedAt} error={execution.error ?? physical.error} loading={physical.loading} />
      </div>
      <p class="facts">
        <span>{formatAddress(address)}</span>
        <span>{plural(plan.instanceCount, "instance")} in {plural(plan.containers.filter((c) => c.index > 0).length, "container")}</span>
        <span>submitted by {es.submission_user}</span>
        <span>launched {dateTime(es.submission_time)}</span>
        <span>version {es.release_version}</span>
      </p>
      <Controls
        address={address}
        status={es.status}
        containers={plan.containers.map((c) => c.index)}
        onDone={(action) => {
          if (action.kind === "kill") {
            setFlash(`${formatAddress(address)} was killed.`)
            navigate("/")
          } else {
            execution.reload()
            physical.reload()
            status.reload()
          }
        }}
      />
      <nav class="in-page" aria-label="Sections of this page">
        {sections.map((s) => <a key={s.id} href={`#${s.id}`}>{s.label}</a>)}
      </nav>
      <OverlayPicker value={overlay} onChange={setOverlay} />
      {health.error !== undefined && health.data === undefined ? <ErrorNote what="no health metrics" message={health.error} /> : null}
      <section id="dag" aria-labelledby="dag-title">
        <h2 id="dag-title">Logical plan</h2>
        <Dag elk={drawn} components={plan.components} edges={plan.edges} badges={badges} overlayLabel={overlayLabel} onSelect={selectComponent} />
      </section>
      <section id="containers" aria-labelledby="containers-title">
        <h2 id="containers-title">Containers</h2>
        {/* Drawn once with their health: drawing thousands of cells twice would delay both. */}
        {derived === undefined && health.error === undefined ? <Loading what={`the health of ${plural(plan.instanceCount, "instance")}`} /> : null}
        {derived === undefined && health.error === undefined ? null : <Containers
          address={address}
          containers={plan.containers}
          health={derived?.byInstance ?? new Map()}
          overlay={overlay}
          states={states}
          backPressure={derived?.bp ?? new Map()}
          compact={plan.instanceCount >= COMPACT_FROM}
        />}
      </section>
      <section id="counters" aria-labelledby="counters-title">
        <h2 id="counters-title">Counters</h2>
        <Counters address={address} components={plan.components} tenMinutes={health.data} />
      </section>
      <section id="charts" aria-labelledby="charts-title">
        <h2 id="charts-title">Metrics</h2>
        <ComponentCharts
          enabled={drawn}
          address={address}
          components={plan.components}
          selected={chart.component}
          onSelect={(component) => setChart((c) => ({ ...c, component }))}
          kind={chart.kind}
          onKind={(kind) => setChart((c) => ({ ...c, kind }))}
          windowS={chart.windowS}
          onWindow={(windowS) => setChart((c) => ({ ...c, windowS }))}
        />
      </section>
      <section id="exceptions" aria-labelledby="exceptions-title">
        <h2 id="exceptions-title">Exceptions</h2>
        {exceptions.data === undefined
          ? (exceptions.error === undefined ? <Loading what="exceptions" /> : <ErrorNote message={exceptions.error} />)
          : <ExceptionsSummary address={address} summaries={exceptions.data} />}
      </section>
      <section id="config" aria-labelledby="config-title">
        <h2 id="config-title">Config</h2>
        <ConfigTable config={plan.config} label="Topology config" />
        {plan.components.filter((c) => Object.keys(c.config).length > 0).map((c) => <ConfigTable key={c.name} config={c.config} label={`${c.name}'s config`} />)}
      </section>
    </section>
  )
}
