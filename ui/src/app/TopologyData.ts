/**
 * The data of a topology page, in a bounded number of Tracker requests whatever the number of
 * instances: its structure (the logical plan, the execution state and the physical plan; the
 * packing plan once drawn), its containers' states (the scheduler's status), the health metrics
 * of every instance (one `/topologies/metrics` request per component, every instance in it, plus
 * one for the stream managers), counters over longer windows (one request per component, when
 * asked) and exceptions (one summary per component).
 *
 * In the order that draws the page soonest: the small logical plan first, as it names the
 * components whose health metrics to ask; then those metrics and the large physical plan
 * together (the Tracker answers a small request queued behind the physical plan only once that
 * is written, and the browser decodes the physical plan meanwhile); what is below the fold
 * (exceptions, charts) once the containers are drawn. The page's HTML preloads the three plans
 * (core/tracker/UiHttp.ts), so on a first load they are already here when the script runs.
 */
import { Effect } from "effect"
import { result, run, runEffect } from "../api/Run.js"
import { Tracker } from "../api/TrackerClient.js"
import { type Address, formatAddress, trackerParams } from "../model/Address.js"
import { allCounters, BACK_PRESSURE, counterNames, healthNames, type MetricTable, STMGR } from "../model/Metrics.js"
import type { ComponentNode } from "../model/Plan.js"
import { useResource } from "./useResource.js"

/** The window of the health overlays, in seconds. */
export const HEALTH_WINDOW_S = 600

/** The logical plan: small, and enough to ask for every component's metrics at once. */
export const useLogical = (a: Address) =>
  useResource(`lp:${formatAddress(a)}`, (signal) => run((t) => result(t.topologies.logicalplan({ urlParams: trackerParams(a) })), signal), { refreshMs: 60_000 })

/** Status, who and when: small, refreshed often. */
export const useExecution = (a: Address) =>
  useResource(`es:${formatAddress(a)}`, (signal) => run((t) => result(t.topologies.executionstate({ urlParams: trackerParams(a) })), signal), { refreshMs: 5000 })

/** Containers and instances: the largest answer (about 180 bytes an instance); asked once `enabled`. */
export const usePhysical = (a: Address, enabled = true) =>
  useResource(`pp:${formatAddress(a)}`, (signal) => run((t) => result(t.topologies.physicalplan({ urlParams: trackerParams(a) })), signal), { refreshMs: 15_000, enabled })

/** Each instance's resources, for the memory overlay; asked once the page is drawn. */
export const usePacking = (a: Address, enabled: boolean) =>
  useResource(`pk:${formatAddress(a)}`, (signal) => run((t) => result(t.topologies.packingplan({ urlParams: trackerParams(a) })), signal), { refreshMs: 60_000, enabled })

export const useSchedulerStatus = (a: Address) =>
  useResource(`status:${formatAddress(a)}`, (signal) => run((t) => t.scheduler.status({ urlParams: { cluster: a.cluster, topology: a.name } }), signal), { refreshMs: 5000 })

/** Metrics of every component (and the stream managers) over one window. */
export interface WindowMetrics {
  readonly byComponent: ReadonlyMap<string, MetricTable>
  readonly stmgr: MetricTable
  /** Components whose metrics could not be read, with why. */
  readonly errors: ReadonlyMap<string, string>
}

const componentsKey = (components: ReadonlyArray<ComponentNode>) => components.map((c) => `${c.name}:${c.inputs.length}:${c.outputs.length}`).join(",")

const windowMetrics = (a: Address, components: ReadonlyArray<ComponentNode>, interval: number, names: (c: ComponentNode) => ReadonlyArray<string>, withStmgr: boolean) =>
  Effect.gen(function*() {
    const t = yield* Tracker
    const p = { ...trackerParams(a), interval: String(interval) }
    const ask = (component: string, metricname: ReadonlyArray<string>) =>
      Effect.either(Effect.map(t.metrics.metrics({ urlParams: { ...p, component, metricname } }), (r) => r.result.metrics))
    const [answers, stmgr] = yield* Effect.all([
      Effect.forEach(components, (c) => ask(c.name, names(c)), { concurrency: 6 }),
      withStmgr ? ask(STMGR, [BACK_PRESSURE]) : Effect.succeed(undefined)
    ], { concurrency: 2 })
    const byComponent = new Map<string, MetricTable>()
    const errors = new Map<string, string>()
    answers.forEach((r, k) => {
      const name = components[k]?.name ?? ""
      if (r._tag === "Right") byComponent.set(name, r.right)
      else errors.set(name, "message" in r.left && typeof r.left.message === "string" ? r.left.message : "cannot read its metrics")
    })
    const result: WindowMetrics = { byComponent, stmgr: stmgr?._tag === "Right" ? stmgr.right : {}, errors }
    return result
  })

/** Health metrics over the last 10 minutes; refreshed every 15 s. */
export const useHealthMetrics = (a: Address, components: ReadonlyArray<ComponentNode> | undefined) =>
  useResource(
    `health:${formatAddress(a)}:${componentsKey(components ?? [])}`,
    (signal) => runEffect(windowMetrics(a, components ?? [], HEALTH_WINDOW_S, healthNames, true), signal),
    { refreshMs: 15_000, enabled: components !== undefined && components.length > 0 }
  )

/** Counters over `interval` seconds (-1: since the metrics cache started); refreshed every minute. */
export const useCounters = (a: Address, components: ReadonlyArray<ComponentNode> | undefined, interval: number, enabled: boolean) =>
  useResource(
    `counters:${formatAddress(a)}:${interval}:${componentsKey(components ?? [])}`,
    (signal) => runEffect(windowMetrics(a, components ?? [], interval, (c) => allCounters(counterNames(c)), false), signal),
    { refreshMs: 60_000, enabled: enabled && components !== undefined && components.length > 0 }
  )

/** Exceptions of each component, grouped by class; asked once `enabled`. */
export const useExceptionSummary = (a: Address, components: ReadonlyArray<ComponentNode> | undefined, enabled = true) =>
  useResource(
    `exceptions:${formatAddress(a)}:${componentsKey(components ?? [])}`,
    (signal) =>
      runEffect(
        Effect.flatMap(Tracker, (t) =>
          Effect.forEach(components ?? [], (c) =>
            Effect.map(Effect.either(result(t.metrics.exceptionsummary({ urlParams: { ...trackerParams(a), component: c.name } }))), (r) => ({
              component: c.name,
              summary: r._tag === "Right" ? r.right : []
            })), { concurrency: 6 })),
        signal
      ),
    { refreshMs: 15_000, enabled: enabled && components !== undefined && components.length > 0 }
  )
