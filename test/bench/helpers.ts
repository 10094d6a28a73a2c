/** Shared helpers of the benchmark smoke tests: a benchmark run in smoke mode, and what it must leave behind. */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Schema } from "effect"
import { expect } from "vitest"
import { pidsWithEnv } from "../../bench/internal/Proc.js"
import { repoRoot } from "../support/processes.js"

/**
 * Runs `node --import tsx <script> --smoke --no-build --json <file>` from the repository's root and
 * checks that it exits with 0 (its output in the failure's message). Returns what it printed and the
 * JSON it wrote, decoded with `output`.
 */
export const runSmoke = async <A, I>(script: string, output: Schema.Schema<A, I>): Promise<{ readonly stdout: string; readonly stderr: string; readonly output: A }> => {
  const dir = mkdtempSync(join(tmpdir(), "heron-bench-smoke-"))
  try {
    const json = join(dir, "results.json")
    const child = spawn(process.execPath, ["--import", "tsx", script, "--smoke", "--no-build", "--json", json], {
      cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    return { stdout, stderr, output: Schema.decodeUnknownSync(Schema.parseJson(output))(readFileSync(json, "utf8")) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Nothing left behind: the HERON_HOME the benchmark logged is removed, and no process carries it. */
export const expectNothingLeft = (stderr: string): void => {
  const home = /HERON_HOME (\/\S+)/.exec(stderr)?.[1]
  if (home === undefined) throw new Error(`no HERON_HOME in the bench's log: ${stderr}`)
  expect(existsSync(home)).toBe(false)
  expect(pidsWithEnv("HERON_HOME", home)).toEqual([])
}
