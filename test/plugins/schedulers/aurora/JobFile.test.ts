// The job files the aurora scheduler writes, checked the way Aurora would read them: loaded as
// Python against stand-ins of Aurora's schema (fixtures/aurora_dsl.py: unknown, missing or mistyped
// fields refused, every template variable bound), and the executor process's cmdline run with
// bash once per instance after `{{mesos.instance}}` is replaced, as Thermos does.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fakeOnPath, fixtures, home, probe, request, scheduler } from "./helpers.js"

const hasPython = spawnSync("python3", ["--version"], { stdio: "ignore" }).status === 0
if (!hasPython && process.env.CI === "true") throw new Error("python3 is needed to load Aurora job files (apt-get install python3)")

/** The jobs of a job file as the DSL stand-in loads them, or its refusal. */
const load = (file: string, bindings: ReadonlyArray<string> = []) => {
  const r = spawnSync("python3", [join(fixtures, "aurora_dsl.py"), file, ...bindings], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
  return { status: r.status, jobs: r.status === 0 ? JSON.parse(r.stdout) as Array<Job> : [], error: r.stderr.trim() }
}
interface Job {
  readonly name: string
  readonly instances: number
  readonly task: { readonly processes: ReadonlyArray<{ readonly name: string; readonly cmdline: string }>; readonly constraints?: ReadonlyArray<{ readonly order: ReadonlyArray<string> }> }
}

describe.skipIf(!hasPython)("aurora job files, as Aurora reads them", () => {
  it("the fixtures load as Aurora configurations, with their bindings", () => {
    const plain = load(join(fixtures, "word-count.aurora"))
    expect(plain.status, plain.error).toBe(0)
    expect(plain.jobs).toEqual([expect.objectContaining({
      name: "word-count", cluster: "devcluster", role: "alice", environment: "prod", service: true, instances: 3,
      task: expect.objectContaining({ name: "heron_container", resources: { cpu: 2, ram: 2147483648, disk: 1073741824 } })
    })])
    const setup = load(join(fixtures, "word-count-setup.aurora"), ["HERON_RUNTIME_URL"])
    expect(setup.status, setup.error).toBe(0)
    // A SequentialTask: the setup processes run first, in order.
    expect(setup.jobs[0]?.task.constraints).toEqual([{ order: ["setup_0", "setup_1", "heron_executor"] }])
    // Without the binding, the file does not load.
    expect(load(join(fixtures, "word-count-setup.aurora"))).toMatchObject({ status: 1, error: "unbound template variable {{HERON_RUNTIME_URL}}" })
  })

  it("the stand-in refuses what Aurora's schema refuses", () => {
    const dir = mkdtempSync(join(tmpdir(), "heron-aurora-dsl-"))
    try {
      const original = readFileSync(join(fixtures, "word-count.aurora"), "utf8")
      for (const [change, error] of [
        [original.replace("max_failures = 1", "max_failures = \"1\""), "Process.max_failures: expected int, got '1'"],
        [original.replace("    service = True,", "    service = True,\n    colour = \"blue\","), "Job: unknown field 'colour'"],
        [original.replace("    role = \"alice\",\n", ""), "Job: missing required field 'role'"]
      ] as const) {
        writeFileSync(join(dir, "job.aurora"), change)
        expect(load(join(dir, "job.aurora"))).toMatchObject({ status: 1, error })
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it.scopedLive("the executor process, run per instance as Thermos runs it, starts the container with its argv and shared environment", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const tricky = `it's "quoted" $HOME \`date\` \\ back\nnew line, ünïcode, {"json": [1, {"a": "b"}]}`
      const r = request("probe", [0, 1, 2], {
        argv: (i) => [process.execPath, probe, "--container", String(i), "--quote", "a'b \"c\" $d"],
        env: (i) => ({ PROBE_DIR: dir, TRICKY: tricky, HERON_CONTAINER_PLAN: `plan-${i}` })
      })
      const s = yield* scheduler(dir)
      yield* s.schedule(r)
      const file = join(dir, "job.aurora")
      writeFileSync(file, fake.calls().find((c) => c.jobFile !== undefined)?.jobFile ?? "")
      const loaded = load(file)
      expect(loaded.status, loaded.error).toBe(0)
      const job = loaded.jobs[0]
      expect(job?.instances).toBe(3)
      const cmdline = job?.task.processes.find((p) => p.name === "heron_executor")?.cmdline ?? ""
      for (const c of r.containers) {
        const run = spawnSync("bash", ["-c", cmdline.replaceAll("{{mesos.instance}}", String(c.index))], {
          cwd: dir, env: { PATH: process.env.PATH }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"]
        })
        expect(run.status, run.stderr).toBe(0)
        const seen = JSON.parse(readFileSync(join(dir, `container-${c.index}.json`), "utf8")) as { argv: Array<string>; env: Record<string, string> }
        expect(seen.argv).toEqual(c.argv.slice(1))
        expect(seen.env).toMatchObject({ PROBE_DIR: dir, TRICKY: tricky, HERON_CONTAINER_INDEX: String(c.index), HERON_TOPOLOGY_NAME: "probe" })
        // The plan hash differs per container: one Aurora task cannot carry it (the scheduler keeps it).
        expect(seen.env.HERON_CONTAINER_PLAN).toBeUndefined()
      }
      yield* s.kill(r.topology)
    }))
})
