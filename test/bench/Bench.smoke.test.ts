// Keeps the benchmark from rotting: `bench/run.ts --smoke` (one 2-container topology on a real
// heron-runtime, tiny windows) must finish, print the table with every row, and measure every row
// the smoke run covers. No figure is checked against a target here: performance lives in bench/.
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { expectNothingLeft, runSmoke } from "./helpers.js"

const Output = Schema.Struct({
  results: Schema.Struct({ errors: Schema.Record({ key: Schema.String, value: Schema.String }) }),
  rows: Schema.Array(Schema.Struct({
    id: Schema.String,
    measured: Schema.String,
    measuredValue: Schema.optional(Schema.Number),
    outcome: Schema.Literal("pass", "FAIL", "info")
  }))
})

const ALL_ROWS = [
  "a.1", "a.2",
  "b1.1", "b1.2", "b1.3", "b2.1", "b2.2", "b2.3",
  "c1.1", "c1.2", "c1.3", "c2.1", "c2.2", "c2.3",
  "b.ratio", "c.ratio",
  "t.raw", "t.small", "t.large",
  "p99.half", "submit", "idle", "idle.floor", "stall.mem", "stall.tput"
]
/** The rows `--smoke` measures (the others say "skipped"). */
const SMOKE_ROWS = ["a.1", "a.2", "c1.1", "c1.2", "c1.3", "t.raw", "t.small", "t.large", "p99.half", "submit", "stall.mem", "stall.tput"]

describe("bench/run.ts --smoke", () => {
  it("prints the table with every row and measures what it runs", async () => {
    const { stdout, stderr, output: out } = await runSmoke("bench/run.ts", Output)
    expect(out.results.errors).toEqual({})
    expect(out.rows.map((r) => r.id)).toEqual(ALL_ROWS)
    for (const r of out.rows) {
      if (SMOKE_ROWS.includes(r.id)) expect(Number.isFinite(r.measuredValue), `${r.id}: ${r.measured}`).toBe(true)
      else expect(r.measured, r.id).toBe("skipped")
    }
    for (const id of ALL_ROWS) expect(stdout).toContain(`| ${id} `)
    expect(stdout).toMatch(/\d+ of \d+ targets met/)
    expectNothingLeft(stderr)
  }, 60_000)
})
