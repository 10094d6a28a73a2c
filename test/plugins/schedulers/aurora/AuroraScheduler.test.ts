// The aurora scheduler through the Scheduler contract, driving a recorded fake `aurora` client put
// first on PATH (test/support/services/fakeAurora.ts): no Aurora can run on these machines, so
// these tests show the exact command lines and job files the real client would get.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { aurora, definition } from "../../../../plugins/schedulers/aurora/index.js"
import { collectingLogs, fakeOnPath, fixtures, home, lines, request, scheduler, topologyRef } from "./helpers.js"

const job = "devcluster/alice/prod/word-count"
const status = `aurora job status --write-json ${job}`

describe("aurora scheduler: the plugin", () => {
  it("is declared as the scheduler plugin `aurora`, loadable from its module", () => {
    expect(definition).toMatchObject({ kind: "scheduler", name: "aurora" })
    expect(definition.module).toMatch(/plugins\/schedulers\/aurora\/index\.(ts|js)$/)
    expect(aurora({ cluster: "devcluster" }).options).toEqual({ cluster: "devcluster" })
    expect(Schema.decodeUnknownSync(definition.config)({})).toMatchObject({ client: "aurora", bindings: {}, setupCommands: [], commandTimeoutMs: 600_000 })
  })

  it("refuses bad options, naming them", () => {
    const decode = Schema.decodeUnknownEither(definition.config, { errors: "all", onExcessProperty: "error" })
    for (const [options, key] of [
      [{ client: "" }, "client"],
      [{ bindings: { "not a name": "x" } }, "bindings"],
      [{ schedulerUrl: "aurora:8081" }, "schedulerUrl"],
      [{ setupCommands: "curl x" }, "setupCommands"],
      [{ commandTimeoutMs: -1 }, "commandTimeoutMs"],
      [{ envs: "prod" }, "envs"]
    ] as const) {
      const result = decode(options)
      expect(result._tag, key).toBe("Left")
      if (result._tag === "Left") expect(String(result.left)).toContain(key)
    }
  })
})

describe("aurora scheduler: schedule / status / kill", () => {
  it.scopedLive("creates one job from a job file equal to the fixture, and reports its instances", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      yield* s.schedule(request("word-count", [0, 1, 2]))
      expect(lines(fake, dir)).toEqual([
        status,
        `aurora job create --wait-until RUNNING ${job} <home>/aurora/word-count/word-count.aurora`
      ])
      const expected = readFileSync(join(fixtures, "word-count.aurora"), "utf8")
      expect(fake.calls()[1]?.jobFile).toBe(expected)
      // The job file stays with the topology, for operators.
      expect(readFileSync(join(dir, "aurora", "word-count", "word-count.aurora"), "utf8")).toBe(expected)

      const tasks = fake.active(job)
      const st = yield* s.status(topologyRef("word-count"))
      expect(st.map((c) => [c.index, c.state, c.handle, c.restarts])).toEqual(tasks.map((t) => [t.instanceId, "running", t.taskId, 0]))
      expect(st).toHaveLength(3)
      expect(yield* s.jobLinks(topologyRef("word-count"))).toEqual([`${fake.schedulerUrl}/scheduler/alice/prod/word-count`])

      const before = fake.calls().length
      yield* s.kill(topologyRef("word-count"))
      expect(lines(fake, dir, before)).toEqual([`aurora job killall --no-batching ${job}`])
      expect(fake.active(job)).toEqual([])
      expect(yield* s.status(topologyRef("word-count"))).toEqual([])
      expect(existsSync(join(dir, "aurora", "word-count"))).toBe(false)
    }))

  it.scopedLive("passes bindings (secret ones redacted in logs and errors) and runs setup commands first", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const secret = "tok-9f8e7d6c5b4a"
      const s = yield* scheduler(dir, {
        bindings: { HERON_RUNTIME_URL: "https://repo.example.com/heron-runtime.tgz" },
        secretBindings: { REPO_TOKEN: secret },
        setupCommands: ["curl -sSf {{HERON_RUNTIME_URL}} -o heron.tgz", "tar xzf heron.tgz -C /opt/heron"],
        schedulerUrl: "http://aurora.example.com:8081/"
      })
      const logs: Array<string> = []
      yield* s.schedule(request("word-count", [0, 1, 2])).pipe(Effect.provide(collectingLogs(logs)))
      expect(lines(fake, dir)[1]).toBe(
        `aurora job create --wait-until RUNNING --bind HERON_RUNTIME_URL=https://repo.example.com/heron-runtime.tgz --bind REPO_TOKEN=${secret} ${job} <home>/aurora/word-count/word-count.aurora`
      )
      expect(fake.calls()[1]?.jobFile).toBe(readFileSync(join(fixtures, "word-count-setup.aurora"), "utf8"))
      expect(yield* s.jobLinks(topologyRef("word-count"))).toEqual(["http://aurora.example.com:8081/scheduler/alice/prod/word-count"])
      yield* s.kill(topologyRef("word-count"))

      fake.failNext("create", 4, `Job creation failed due to error:\n\tcannot fetch with token ${secret}`)
      const err = yield* Effect.flip(s.schedule(request("word-count", [0, 1, 2])).pipe(Effect.provide(collectingLogs(logs))))
      expect(logs.length).toBeGreaterThan(0)
      for (const line of logs) expect(line).not.toContain(secret)
      expect(err.message).toBe(
        `\`aurora job create --wait-until RUNNING --bind HERON_RUNTIME_URL=https://repo.example.com/heron-runtime.tgz --bind REPO_TOKEN=<redacted> ${job} ${dir}/aurora/word-count/word-count.aurora\` exited with 4: Job creation failed due to error: | \tcannot fetch with token <redacted>`
      )
      expect(JSON.stringify(err)).not.toContain(secret)
    }))

  it.scopedLive("schedule adopts a running job (a second runtime) and only adds missing instances", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      yield* (yield* scheduler(dir)).schedule(request("word-count", [0, 1]))
      const ids = fake.active(job).map((t) => t.taskId)
      const again = yield* scheduler(dir)
      const before = fake.calls().length
      yield* again.schedule(request("word-count", [0, 1, 2]))
      expect(lines(fake, dir, before)).toEqual([status, `aurora job add --wait-until RUNNING ${job}/0 1`])
      expect(fake.active(job).map((t) => t.taskId).slice(0, 2)).toEqual(ids)
      yield* again.kill(topologyRef("word-count"))
    }))

  it.scopedLive("kill of an unknown job succeeds, as the client does", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      yield* s.kill(topologyRef("nothing"))
      expect(lines(fake, dir)).toEqual(["aurora job killall --no-batching devcluster/alice/prod/nothing"])
      expect(yield* s.status(topologyRef("nothing"))).toEqual([])
      expect(yield* s.jobLinks(topologyRef("nothing"))).toEqual([])
    }))

  it.scopedLive("reports what Aurora says of each instance: pending, throttled, failures", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      yield* s.schedule(request("word-count", [0, 1, 2]))
      fake.setTask(job, 1, "THROTTLED", "Rescheduling, penalty of 30000 ms", 3)
      fake.setTask(job, 2, "PENDING", "Insufficient: ram")
      const st = yield* s.status(topologyRef("word-count"))
      expect(st.map((c) => [c.index, c.state, c.restarts, c.message])).toEqual([
        [0, "running", 0, undefined],
        [1, "pending", 3, "THROTTLED: Rescheduling, penalty of 30000 ms"],
        [2, "pending", 0, "PENDING: Insufficient: ram"]
      ])
      yield* s.kill(topologyRef("word-count"))
    }))
})

describe("aurora scheduler: restart / update", () => {
  it.scopedLive("restarts one instance or all, with the exact command lines", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      yield* s.schedule(request("word-count", [0, 1, 2]))
      const before = fake.active(job).map((t) => t.taskId)
      const from = fake.calls().length
      yield* s.restart(topologyRef("word-count"), Option.some(1))
      const after = fake.active(job).map((t) => t.taskId)
      expect([after[0] === before[0], after[1] === before[1], after[2] === before[2]]).toEqual([true, false, true])
      yield* s.restart(topologyRef("word-count"), Option.none())
      expect(lines(fake, dir, from)).toEqual([
        status,
        `aurora job restart --batch-size 1 ${job}/1`,
        status,
        `aurora job restart --batch-size 3 ${job}`
      ])
      const missing = yield* Effect.flip(s.restart(topologyRef("word-count"), Option.some(7)))
      expect(missing).toMatchObject({ op: "restart", topology: "word-count", retryable: false, message: "topology word-count has no container 7" })
      yield* s.kill(topologyRef("word-count"))
      expect(yield* Effect.flip(s.restart(topologyRef("word-count"), Option.none()))).toMatchObject({ retryable: false, message: "topology word-count has no running Aurora job" })
    }))

  it.scopedLive("update adds, kills and restarts exactly the instances that changed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      yield* s.schedule(request("word-count", [0, 1, 2]))
      let from = fake.calls().length
      yield* s.update(request("word-count", [0, 1, 2]))
      expect(lines(fake, dir, from)).toEqual([status])

      from = fake.calls().length
      yield* s.update(request("word-count", [0, 1, 2, 3, 4]))
      expect(lines(fake, dir, from)).toEqual([status, `aurora job add --wait-until RUNNING ${job}/0 2`])
      expect(fake.active(job).map((t) => t.instanceId)).toEqual([0, 1, 2, 3, 4])
      // The job file on disk describes the job as it is now.
      expect(readFileSync(join(dir, "aurora", "word-count", "word-count.aurora"), "utf8")).toContain("instances = 5,")

      // Containers 3 and 4 go away; container 1's instances changed (its plan hash).
      const ids = fake.active(job).map((t) => t.taskId)
      from = fake.calls().length
      yield* s.update(request("word-count", [0, 1, 2], { env: (i) => ({ HERON_HOME: "/var/heron", HERON_TOPOLOGY_ID: "word-count-id", HERON_CONTAINER_PLAN: i === 1 ? "plan-1b" : `plan-${i}` }) }))
      expect(lines(fake, dir, from)).toEqual([
        status,
        `aurora job kill --no-batching ${job}/3,4`,
        `aurora job restart --batch-size 1 ${job}/1`
      ])
      const now = fake.active(job).map((t) => t.taskId)
      expect(now).toHaveLength(3)
      expect([now[0] === ids[0], now[1] === ids[1], now[2] === ids[2]]).toEqual([true, false, true])

      const gap = yield* Effect.flip(s.update(request("word-count", [0, 1, 2, 4])))
      expect(gap).toMatchObject({ op: "update", retryable: false, message: "Aurora adds instances from 3 on; containers 4 cannot be added" })
      yield* s.kill(topologyRef("word-count"))
    }))

  it.scopedLive("a changed task (a new topology id in the shared environment) replaces the whole job", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      yield* s.schedule(request("word-count", [0, 1]))
      const from = fake.calls().length
      yield* s.update(request("word-count", [0, 1], { id: "word-count-id2" }))
      expect(lines(fake, dir, from)).toEqual([
        status,
        `aurora job killall --no-batching ${job}`,
        `aurora job create --wait-until RUNNING ${job} <home>/aurora/word-count/word-count.aurora`
      ])
      expect(fake.calls().at(-1)?.jobFile).toContain("HERON_TOPOLOGY_ID='word-count-id2'")
      yield* s.kill(topologyRef("word-count"))
    }))
})

describe("aurora scheduler: errors", () => {
  it.scopedLive("a refusal of the client names the command line, its exit code and its stderr", () =>
    Effect.gen(function*() {
      yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      // Aurora knows prod, devel, test and staging<N>; the topology's environ is `default`.
      const err = yield* Effect.flip(s.schedule(request("word-count", [0], { environ: "default" })))
      expect(err).toMatchObject({ _tag: "SchedulerError", op: "schedule", topology: "word-count", retryable: false })
      expect(err.message).toBe(
        `\`aurora job create --wait-until RUNNING devcluster/alice/default/word-count ${dir}/aurora/word-count/word-count.aurora\` exited with 3: Error loading configuration: Environment name should be one of 'prod', 'devel', 'test' or staging<number>! Got default`
      )
      // The env option fixes it.
      const fixed = yield* scheduler(dir, { env: "devel" })
      yield* fixed.schedule(request("word-count", [0], { environ: "default" }))
      yield* fixed.kill(topologyRef("word-count", "default"))
    }))

  it.scopedLive("a client that cannot run, or a transient failure, is retryable", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const missing = yield* scheduler(dir, { client: "/nonexistent/bin/aurora" })
      const err = yield* Effect.flip(missing.status(topologyRef("word-count")))
      expect(err).toMatchObject({ op: "status", retryable: true })
      expect(err.message).toMatch(/^`\/nonexistent\/bin\/aurora job status --write-json devcluster\/alice\/prod\/word-count` could not be run: /)
      const s = yield* scheduler(dir, { client: fake.bin })
      fake.failNext("status", 7, "Error: Could not connect to the scheduler: http://aurora-scheduler.example.com:8081")
      const down = yield* Effect.flip(s.schedule(request("word-count", [0])))
      expect(down).toMatchObject({ retryable: true, message: expect.stringContaining("exited with 7: Error: Could not connect to the scheduler") })
    }))

  it.scopedLive("containers Aurora cannot number, or whose commands differ beyond their index, are refused before any job", () =>
    Effect.gen(function*() {
      const fake = yield* fakeOnPath()
      const dir = yield* home
      const s = yield* scheduler(dir)
      expect(yield* Effect.flip(s.schedule(request("word-count", [0, 2])))).toMatchObject({ retryable: false, message: "Aurora numbers instances 0..1; the containers are 0,2" })
      const differ = request("word-count", [0, 1], { argv: (i) => ["/usr/bin/node", i === 0 ? "/opt/a.js" : "/opt/b.js"] })
      expect(yield* Effect.flip(s.schedule(differ))).toMatchObject({ retryable: false, message: "argv[1] differs between containers (/opt/a.js, /opt/b.js) other than by the container index" })
      const template = request("word-count", [0], { env: () => ({ X: "{{secret}}" }) })
      expect((yield* Effect.flip(s.schedule(template))).message).toBe("container 0 has \"{{\" in its argv or environment, which Aurora would read as a template")
      expect(lines(fake, dir).filter((l) => l.includes("create"))).toEqual([])
    }))
})
