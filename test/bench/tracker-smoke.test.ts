// Keeps the Tracker benchmark from rotting: `bench/tracker.ts --smoke` (a real heron-runtime, 50
// registered topologies, the word count, 1 s load passes) must finish, print the table with every
// row, and give every row its numbers. No figure is checked against a target here: performance
// lives in bench/.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ROW_IDS } from "../../bench/tracker/Report.js"
import { expectNothingLeft, runSmoke } from "./helpers.js"

const Num = Schema.NullOr(Schema.Number)
const Output = Schema.Struct({
  results: Schema.Struct({ errors: Schema.Record({ key: Schema.String, value: Schema.String }) }),
  rows: Schema.Array(Schema.Struct({
    id: Schema.String,
    value: Num,
    p50: Num,
    p99: Num,
    baselineValue: Num,
    baselineP50: Num,
    baselineP99: Num,
    ratio: Num,
    outcome: Schema.Literal("pass", "FAIL", "info")
  }))
})

describe("bench/tracker.ts --smoke", () => {
  it("prints the table with every row, each with its numbers, and leaves nothing behind", async () => {
    // NaN is written as null: decoded as such, so that the row is named below.
    const { stdout, stderr, output: out } = await runSmoke("bench/tracker.ts", Output)
    expect(out.results.errors).toEqual({})
    expect(out.rows.map((r) => r.id)).toEqual(ROW_IDS)
    for (const r of out.rows) {
      expect(Number.isFinite(r.value), r.id).toBe(true)
      // The HTTP rows: the Tracker's and the bare server's req/s and latencies, and their ratio.
      if (/\.(max|1k)$/.test(r.id)) {
        for (const v of [r.p50, r.p99, r.baselineValue, r.baselineP50, r.baselineP99, r.ratio]) expect(Number.isFinite(v), r.id).toBe(true)
      }
      if (r.id.startsWith("wide.")) for (const v of [r.p50, r.p99]) expect(Number.isFinite(v), r.id).toBe(true)
      if (r.id === "pipeline.overhead") expect(Number.isFinite(r.baselineValue)).toBe(true)
      expect(stdout).toContain(`| ${r.id} `)
    }
    expect(stdout).toMatch(/\d+ of \d+ targets met/)
    expectNothingLeft(stderr)
  }, 300_000)
})
