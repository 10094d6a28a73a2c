import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { evaluate, type Fetch, minutesIn, type Timeseries } from "../../../core/engine/metricscache/query/Evaluate.js"
import { parse } from "../../../core/engine/metricscache/query/Parser.js"

const M = 60
const S = 1_700_000_040 // a minute boundary
const at = (k: number) => S + k * M

/** component → metric → instance → [minute offset, value][] */
type Data = Record<string, Record<string, Record<string, ReadonlyArray<readonly [number, number]>>>>

const fetchOf = (data: Data, asked: Array<[string, string | undefined, string, number, number]> = []): Fetch =>
  (component, instance, metric, start, end) => {
    asked.push([component, instance, metric, start, end])
    const byInstance = data[component]?.[metric] ?? {}
    return Object.entries(byInstance)
      .filter(([i]) => instance === undefined || i === instance)
      .map(([i, points]) => ({ instance: i, timeline: new Map(points.map(([k, v]) => [at(k), v] as const).filter(([m]) => start <= m && m <= end)) }))
  }

const run = (query: string, data: Data, start = at(0), end = at(4)) => {
  const expr = parse(query)
  if (Either.isLeft(expr)) throw new Error(expr.left.message)
  return evaluate(expr.right, start, end, fetchOf(data))
}

/** Results as {instance or "-": {offset: value}} for readable expectations. */
const view = (series: Array<Timeseries>) =>
  series.map((s) => [s.instance ?? "-", Object.fromEntries([...s.timeline].map(([m, v]) => [(m - S) / M, v]))])

const data: Data = {
  split: {
    emit: { i1: [[0, 10], [1, 20], [2, 30], [4, 50]], i2: [[0, 1], [1, 2], [3, 4]] },
    exec: { i1: [[0, 5], [1, 0], [2, 10]], i3: [[0, 7]] },
    old: { i1: [[-1, 100], [0, 110], [1, 130], [3, 160], [4, 170]] }
  }
}

describe("the metrics query language, with Heron's semantics", () => {
  it("minutes are those with start ≤ m ≤ end, on minute boundaries", () => {
    expect(minutesIn(S - 30, S + 150)).toEqual([S, S + 60, S + 120])
    expect(minutesIn(S + 1, S + 59)).toEqual([])
  })

  it("TS gives one series per instance (multivariate), only inside the range", () => {
    const asked: Array<[string, string | undefined, string, number, number]> = []
    const expr = parse("TS(split, *, old)")
    if (Either.isLeft(expr)) throw new Error(expr.left.message)
    expect(view(evaluate(expr.right, at(0), at(3), fetchOf(data, asked)))).toEqual([["i1", { 0: 110, 1: 130, 3: 160 }]])
    expect(asked).toEqual([["split", undefined, "old", at(0), at(3)]])
    expect(view(run("TS(split, i2, emit)", data))).toEqual([["i2", { 0: 1, 1: 2, 3: 4 }]])
    expect(run("TS(split, *, nothing)", data)).toEqual([])
  })

  it("DEFAULT fills the minutes a series lacks, per instance; nothing to fill without a series", () => {
    expect(view(run("DEFAULT(-1, TS(split, *, emit))", data))).toEqual([
      ["i1", { 0: 10, 1: 20, 2: 30, 3: -1, 4: 50 }],
      ["i2", { 0: 1, 1: 2, 2: -1, 3: 4, 4: -1 }]
    ])
    expect(view(run("DEFAULT(0, TS(split, i1, exec))", data))).toEqual([["i1", { 0: 5, 1: 0, 2: 10, 3: 0, 4: 0 }]])
    expect(run("DEFAULT(0, TS(split, *, nothing))", data)).toEqual([])
  })

  it("SUM is univariate over every minute of the range; numbers add to each minute", () => {
    expect(view(run("SUM(TS(split, *, emit))", data))).toEqual([["-", { 0: 11, 1: 22, 2: 30, 3: 4, 4: 50 }]])
    expect(view(run("SUM(TS(split, *, emit), 100, TS(split, *, exec))", data))).toEqual([["-", { 0: 123, 1: 122, 2: 140, 3: 104, 4: 150 }]])
    expect(view(run("SUM(TS(split, *, nothing))", data))).toEqual([["-", { 0: 0, 1: 0, 2: 0, 3: 0, 4: 0 }]])
  })

  it("MAX is univariate over the minutes that have data; numbers fill every minute", () => {
    expect(view(run("MAX(TS(split, *, emit))", data))).toEqual([["-", { 0: 10, 1: 20, 2: 30, 3: 4, 4: 50 }]])
    expect(view(run("MAX(TS(split, *, exec), 6)", data))).toEqual([["-", { 0: 7, 1: 6, 2: 10, 3: 6, 4: 6 }]])
  })

  it("PERCENTILE takes the value at floor(p × (n-1) / 100) per minute; numbers take no part", () => {
    const many: Data = { c: { m: Object.fromEntries([5, 1, 4, 2, 3].map((v, k) => [`i${k}`, [[0, v]] as const])) } }
    expect(view(run("PERCENTILE(0, TS(c, *, m))", many))).toEqual([["-", { 0: 1 }]])
    expect(view(run("PERCENTILE(50, TS(c, *, m))", many))).toEqual([["-", { 0: 3 }]])
    expect(view(run("PERCENTILE(99, TS(c, *, m), 1000)", many))).toEqual([["-", { 0: 4 }]])
    expect(view(run("PERCENTILE(100, TS(c, *, m))", many))).toEqual([["-", { 0: 5 }]])
  })

  it("multivariate with multivariate: same instances only; minutes both have; no division by 0", () => {
    expect(view(run("DIVIDE(TS(split, *, emit), TS(split, *, exec))", data))).toEqual([["i1", { 0: 2, 2: 3 }]])
    expect(view(run("SUBTRACT(TS(split, *, emit), TS(split, *, exec))", data))).toEqual([["i1", { 0: 5, 1: 20, 2: 20 }]])
    expect(view(run("MULTIPLY(TS(split, *, emit), TS(split, *, exec))", data))).toEqual([["i1", { 0: 50, 1: 0, 2: 300 }]])
  })

  it("a TS of one instance stays multivariate: its instance is kept", () => {
    expect(view(run("SUBTRACT(TS(split, i1, emit), TS(split, i1, exec))", data))).toEqual([["i1", { 0: 5, 1: 20, 2: 20 }]])
  })

  it("univariate with multivariate applies to every instance and keeps the instances", () => {
    expect(view(run("DIVIDE(TS(split, *, emit), 10)", data))).toEqual([["i1", { 0: 1, 1: 2, 2: 3, 4: 5 }], ["i2", { 0: 0.1, 1: 0.2, 3: 0.4 }]])
    expect(view(run("SUBTRACT(100, TS(split, *, emit))", data))).toEqual([["i1", { 0: 90, 1: 80, 2: 70, 4: 50 }], ["i2", { 0: 99, 1: 98, 3: 96 }]])
    expect(view(run("DIVIDE(SUM(TS(split, *, emit)), TS(split, *, exec))", data))).toEqual([["i1", { 0: 11 / 5, 2: 3 }], ["i3", { 0: 11 / 7 }]])
    expect(view(run("MULTIPLY(TS(split, *, exec), MAX(TS(split, i2, emit)))", data))).toEqual([["i1", { 0: 5, 1: 0 }], ["i3", { 0: 7 }]])
  })

  it("univariate with univariate gives one univariate series", () => {
    expect(view(run("DIVIDE(SUM(TS(split, *, emit)), MAX(TS(split, *, emit)))", data))).toEqual([["-", { 0: 1.1, 1: 1.1, 2: 1, 3: 1, 4: 1 }]])
    expect(view(run("MULTIPLY(2, SUM(TS(split, *, exec)))", data))).toEqual([["-", { 0: 24, 1: 0, 2: 20, 3: 0, 4: 0 }]])
  })

  it("an empty operand gives an empty result", () => {
    expect(run("DIVIDE(TS(split, *, nothing), TS(split, *, emit))", data)).toEqual([])
    expect(run("DIVIDE(TS(split, *, emit), TS(split, *, nothing))", data)).toEqual([])
    expect(run("MULTIPLY(2, TS(split, *, nothing))", data)).toEqual([])
  })

  it("RATE reads the minute before start and differences consecutive minutes only", () => {
    expect(view(run("RATE(TS(split, *, old))", data))).toEqual([["i1", { 0: 10, 1: 20, 4: 10 }]])
    // SUM fills the extra minute too (with 0 here): the first rate is the first value.
    expect(view(run("RATE(SUM(TS(split, *, emit)))", data))).toEqual([["-", { 0: 11, 1: 11, 2: 8, 3: -26, 4: 46 }]])
  })
})
