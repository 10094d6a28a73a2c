// Keeps the Tracker benchmark from rotting: `bench/tracker.ts --smoke` (a real heron-runtime, 50
// registered topologies, the word count, 1 s load passes) must finish, print the table with every
// row, and give every row its numbers. No figure is checked against a target here: performance
// lives in bench/.
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { pidsWithEnv } from "../../bench/internal/Proc.js"
import { ROW_IDS } from "../../bench/tracker/Report.js"
import { repoRoot } from "../support/processes.js"

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

const dir = mkdtempSync(join(tmpdir(), "heron-tracker-bench-smoke-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("bench/tracker.ts --smoke", () => {
  it("prints the table with every row, each with its numbers, and leaves nothing behind", async () => {
    const json = join(dir, "results.json")
    const child = spawn(process.execPath, ["--import", "tsx", "bench/tracker.ts", "--smoke", "--no-build", "--json", json], {
      cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code, `${stdout}\n${stderr}`).toBe(0)

    // NaN is written as null: decoded as such, so that the row is named below.
    const out = Schema.decodeUnknownSync(Schema.parseJson(Output))(readFileSync(json, "utf8"))
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
    // Nothing left behind: no process carries the run's HERON_HOME, which is removed.
    const home = /HERON_HOME (\/\S+)/.exec(stderr)?.[1]
    if (home === undefined) throw new Error(`no HERON_HOME in the bench's log: ${stderr}`)
    expect(existsSync(home)).toBe(false)
    expect(pidsWithEnv("HERON_HOME", home)).toEqual([])
  }, 300_000)
})
