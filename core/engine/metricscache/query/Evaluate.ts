/**
 * Evaluates a parsed metrics query over `[start, end]` (epoch seconds), with the semantics of
 * Heron's Tracker:
 *
 * - Timestamps are minutes (epoch seconds floored to the minute); a series holds the minutes m
 *   with `start ≤ m ≤ end`. Filling (DEFAULT, and numbers as operands) covers those minutes.
 * - A result is a list of series. It is *univariate* when it is one series without an instance
 *   (SUM, MAX, PERCENTILE, a number, or an operation on univariate operands), otherwise
 *   *multivariate*: one series per instance (TS, even with one instance, and what derives from it).
 * - DIVIDE / MULTIPLY / SUBTRACT: multivariate with multivariate pairs series of the same
 *   instance (instances on one side only are left out); univariate with multivariate applies the
 *   univariate series to each instance, keeping the instances; univariate with univariate gives
 *   one univariate series. A minute is kept only where both operands have it (and, for DIVIDE,
 *   where the divisor is not 0).
 * - RATE reads one more minute before `start` and gives, per series, the difference from the
 *   previous minute where the two are consecutive.
 *
 * Where Heron differs, this follows the rule its own documentation states: DEFAULT fills only
 * missing minutes (Heron also overwrote zeros, a workaround for TManager buckets that were
 * reported before being filled, which this cache never reports); SUBTRACT pairs single-instance
 * multivariate operands like DIVIDE does (Heron's SUBTRACT failed on them); a multivariate
 * operand with an empty one gives an empty result (Heron failed).
 */
import type { BinaryOperator, Expr } from "./Ast.js"

/** One series of a result: `instance` undefined for a univariate series. */
export interface Timeseries {
  readonly instance: string | undefined
  readonly timeline: Map<number, number>
}

/** How `TS` reads the store: minutes in `[start, end]` only; `instance` undefined for every
 * instance. The maps returned are read, never changed. */
export type Fetch = (
  component: string,
  instance: string | undefined,
  metric: string,
  start: number,
  end: number
) => ReadonlyArray<{ readonly instance: string; readonly timeline: Map<number, number> }>

/** The minutes m with `start ≤ m ≤ end`. */
export const minutesIn = (start: number, end: number): Array<number> => {
  const out: Array<number> = []
  for (let m = Math.ceil(start / 60) * 60; m <= end; m += 60) out.push(m)
  return out
}

const constantSeries = (value: number, start: number, end: number): Timeseries => ({
  instance: undefined,
  timeline: new Map(minutesIn(start, end).map((m) => [m, value]))
})

const within = (m: number, start: number, end: number) => start <= m && m <= end

type Side =
  | { readonly kind: "univariate"; readonly series: Timeseries }
  | { readonly kind: "multivariate"; readonly series: ReadonlyArray<Timeseries> }
  | { readonly kind: "empty" }

const apply: Record<BinaryOperator, (a: number, b: number) => number> = {
  DIVIDE: (a, b) => a / b,
  MULTIPLY: (a, b) => a * b,
  SUBTRACT: (a, b) => a - b
}

/** Evaluates `expr`; never fails (the parser refused what Heron fails on at run time). */
export const evaluate = (expr: Expr, start: number, end: number, fetch: Fetch): Array<Timeseries> => {
  const go = (e: Expr, s: number, t: number): Array<Timeseries> => {
    switch (e._tag) {
      case "Constant":
        return [constantSeries(e.value, s, t)]
      case "TS":
        // The fetched maps hold only minutes of [s, t] and are never changed here (every operator
        // builds new maps): no copy.
        return fetch(e.component, e.instance, e.metric, s, t).map((x) => ({ instance: x.instance, timeline: x.timeline }))
      case "Default":
        return go(e.operand, s, t).map((x) => {
          const timeline = new Map(x.timeline)
          for (const m of minutesIn(s, t)) if (!timeline.has(m)) timeline.set(m, e.value)
          return { instance: x.instance, timeline: new Map([...timeline].sort(([a], [b]) => a - b)) }
        })
      case "Sum": {
        const constants = e.operands.flatMap((o) => (o._tag === "Constant" ? [o.value] : []))
        const out = constantSeries(constants.reduce((a, b) => a + b, 0), s, t)
        for (const o of e.operands) {
          if (o._tag === "Constant") continue
          for (const x of go(o, s, t)) {
            for (const [m, v] of x.timeline) {
              const acc = out.timeline.get(m)
              if (acc !== undefined) out.timeline.set(m, acc + v)
            }
          }
        }
        return [out]
      }
      case "Max": {
        const constants = e.operands.flatMap((o) => (o._tag === "Constant" ? [o.value] : []))
        const out: Timeseries = constants.length > 0 ? constantSeries(Math.max(...constants), s, t) : { instance: undefined, timeline: new Map() }
        for (const o of e.operands) {
          if (o._tag === "Constant") continue
          for (const x of go(o, s, t)) {
            for (const [m, v] of x.timeline) {
              if (!within(m, s, t)) continue
              const acc = out.timeline.get(m)
              out.timeline.set(m, acc === undefined ? v : Math.max(acc, v))
            }
          }
        }
        return [{ instance: undefined, timeline: new Map([...out.timeline].sort(([a], [b]) => a - b)) }]
      }
      case "Percentile": {
        // As Heron: numbers among the operands take no part.
        const values = new Map<number, Array<number>>()
        for (const o of e.operands) {
          if (o._tag === "Constant") continue
          for (const x of go(o, s, t)) {
            for (const [m, v] of x.timeline) {
              if (!within(m, s, t)) continue
              const list = values.get(m)
              if (list === undefined) values.set(m, [v])
              else list.push(v)
            }
          }
        }
        const timeline = new Map<number, number>()
        for (const [m, list] of [...values].sort(([a], [b]) => a - b)) {
          list.sort((a, b) => a - b)
          timeline.set(m, list[Math.floor((e.quantile * (list.length - 1)) / 100)] ?? Number.NaN)
        }
        return [{ instance: undefined, timeline }]
      }
      case "Binary":
        return binaryOp(e.op, side(e.left, s, t), side(e.right, s, t))
      case "Rate":
        return go(e.operand, s - 60, t).map((x) => {
          const minutes = [...x.timeline.keys()].sort((a, b) => a - b)
          const timeline = new Map<number, number>()
          for (let i = 1; i < minutes.length; i++) {
            const m = minutes[i] ?? 0
            const prev = minutes[i - 1] ?? 0
            if (within(m, s, t) && m - prev === 60) timeline.set(m, (x.timeline.get(m) ?? 0) - (x.timeline.get(prev) ?? 0))
          }
          return { instance: x.instance, timeline }
        })
    }
  }

  const side = (e: Expr, s: number, t: number): Side => {
    const result = go(e, s, t)
    const [only] = result
    if (only === undefined) return { kind: "empty" }
    if (result.length === 1 && only.instance === undefined) return { kind: "univariate", series: only }
    return { kind: "multivariate", series: result }
  }

  const combine = (op: BinaryOperator, instance: string | undefined, a: Timeseries, b: Timeseries): Timeseries => {
    const timeline = new Map<number, number>()
    for (const [m, x] of a.timeline) {
      const y = b.timeline.get(m)
      if (y === undefined || (op === "DIVIDE" && y === 0)) continue
      timeline.set(m, apply[op](x, y))
    }
    return { instance, timeline }
  }

  const binaryOp = (op: BinaryOperator, a: Side, b: Side): Array<Timeseries> => {
    if (a.kind === "multivariate" && b.kind === "multivariate") {
      const right = new Map(b.series.map((x) => [x.instance, x]))
      return a.series.flatMap((x) => {
        const y = right.get(x.instance)
        return y === undefined ? [] : [combine(op, x.instance, x, y)]
      })
    }
    if (a.kind === "univariate") {
      const others = b.kind === "empty" ? [] : b.kind === "univariate" ? [b.series] : b.series
      return others.map((y) => combine(op, y.instance, a.series, y))
    }
    if (b.kind === "univariate") {
      const others = a.kind === "multivariate" ? a.series : []
      return others.map((x) => combine(op, x.instance, x, b.series))
    }
    return []
  }

  return go(expr, start, end)
}
