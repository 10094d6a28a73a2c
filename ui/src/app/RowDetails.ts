/**
 * What the list shows beside each topology's execution state: its instances (packing plan, read
 * once per submission) and its health over the last 10 minutes: containers not running (the
 * scheduler's status), tuples failed (one metrics query over every component) and back-pressure
 * (the stream managers' time in it). Rows are read four at a time and refreshed every 15 s
 * while live refresh is on.
 */
import { Effect, Either } from "effect"
import { useEffect, useState } from "preact/hooks"
import { result, runEffect } from "../api/Run.js"
import { Tracker } from "../api/TrackerClient.js"
import { trackerParams } from "../model/Address.js"
import type { Row } from "../model/ListRows.js"
import { BACK_PRESSURE, counterNames, STMGR } from "../model/Metrics.js"
import { useLive } from "./Live.js"

export interface RowDetail {
  readonly instances: number | undefined
  readonly containersDown: number | undefined
  readonly failures: number | undefined
  /** The worst stream manager's share of the window in back-pressure. */
  readonly backPressure: number | undefined
  /** Why metrics are missing (no metrics cache yet, ...). */
  readonly metricsNote: string | undefined
}

const WINDOW_S = 600
const REFRESH_MS = 15_000

/** Packing plans and logical plans per submission: they do not change while it runs. */
const structure = new Map<string, { readonly instances: number; readonly failed: ReadonlyArray<{ readonly component: string; readonly name: string }> }>()

const detailOf = (row: Row) =>
  Effect.gen(function*() {
    const t = yield* Tracker
    const p = trackerParams(row.address)
    const key = `${row.key}@${row.launchedAt}`
    let s = structure.get(key)
    if (s === undefined) {
      const [packing, logical] = yield* Effect.all([
        result(t.topologies.packingplan({ urlParams: p })),
        result(t.topologies.logicalplan({ urlParams: p }))
      ], { concurrency: 2 })
      const failed = [
        ...Object.entries(logical.spouts).flatMap(([name, sp]) => counterNames({ kind: "spout", outputs: sp.outputs.map((o) => o.stream_name), inputs: [] }).failed.map((m) => ({ component: name, name: m }))),
        ...Object.entries(logical.bolts).flatMap(([name, b]) => counterNames({ kind: "bolt", outputs: [], inputs: b.inputs.map((i) => ({ component: i.component_name, stream: i.stream_name, grouping: i.grouping })) }).failed.map((m) => ({ component: name, name: m })))
      ]
      s = { instances: packing.container_plans.reduce((n, c) => n + c.instances.length, 0), failed }
      structure.set(key, s)
    }
    const now = Math.floor(Date.now() / 1000)
    const query = s.failed.length === 0 ? undefined : `SUM(${s.failed.map((f) => `TS(${f.component},*,${f.name})`).join(",")})`
    const [status, failures, stmgrs] = yield* Effect.all([
      Effect.either(t.scheduler.status({ urlParams: { cluster: row.address.cluster, topology: row.address.name } })),
      query === undefined ? Effect.succeed(Either.right(undefined)) : Effect.either(result(t.metrics.metricsquery({ urlParams: { ...p, query, starttime: String(now - WINDOW_S), endtime: String(now) } }))),
      Effect.either(result(t.metrics.metrics({ urlParams: { ...p, component: STMGR, metricname: [BACK_PRESSURE], interval: String(WINDOW_S) } })))
    ], { concurrency: 3 })
    const window = Math.max(1, Math.min(WINDOW_S, now - row.launchedAt)) * 1000
    const bp = Either.isRight(stmgrs) ? Object.values(stmgrs.right.metrics[BACK_PRESSURE] ?? {}).map(Number).filter(Number.isFinite) : []
    const failedTotal = Either.isRight(failures) && failures.right !== undefined
      ? failures.right.timeline.reduce((n, series) => n + Object.values(series.data).reduce((a, b) => a + b, 0), 0)
      : undefined
    const detail: RowDetail = {
      instances: s.instances,
      containersDown: Either.isRight(status) ? status.right.containers.filter((c) => c.state !== "running").length : undefined,
      failures: failedTotal,
      backPressure: bp.length === 0 ? undefined : Math.min(1, Math.max(...bp) / window),
      metricsNote: Either.isLeft(stmgrs) ? "no metrics yet" : undefined
    }
    return detail
  })

/** Details of `rows`, keyed by row; rows appear as their answers arrive. */
export const useRowDetails = (rows: ReadonlyArray<Row>): ReadonlyMap<string, RowDetail> => {
  const [details, setDetails] = useState<ReadonlyMap<string, RowDetail>>(new Map())
  const [tick, setTick] = useState(0)
  const live = useLive()
  const keys = rows.map((r) => `${r.key}@${r.launchedAt}`).join("|")
  useEffect(() => {
    const controller = new AbortController()
    const each = Effect.forEach(rows, (row) =>
      Effect.either(detailOf(row)).pipe(Effect.tap((d) => Effect.sync(() => {
        if (Either.isRight(d)) setDetails((m) => new Map(m).set(row.key, d.right))
      }))), { concurrency: 4, discard: true })
    let timer: ReturnType<typeof setTimeout> | undefined
    void runEffect(each, controller.signal).then(() => {
      if (live && !controller.signal.aborted) timer = setTimeout(() => setTick((n) => n + 1), REFRESH_MS)
    }, () => undefined)
    return () => {
      controller.abort()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [keys, tick, live])
  return details
}
