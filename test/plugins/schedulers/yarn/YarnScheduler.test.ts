// The yarn scheduler through the Scheduler contract, against the ResourceManager double
// (test/support/services/yarnRm.ts): no YARN can run on these machines, so these tests show the
// REST protocol as Hadoop's documentation describes it.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { createServer } from "node:net"
import { ContainerLaunch, LaunchRequest } from "../../../../core/Scheduler.js"
import { definition, yarn } from "../../../../plugins/schedulers/yarn/index.js"
import { startYarnRm, type YarnRmDouble } from "../../../support/services/yarnRm.js"
import { collectingLogs, request, scheduler, topologyRef } from "./helpers.js"

const eventually = <A, E>(self: Effect.Effect<A, E>, done: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      const a = yield* self
      if (done(a)) return a
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.dieMessage("timed out")
  })

/** `METHOD /path` of every request the double received, after `from`. */
const calls = (rm: YarnRmDouble, from = 0) =>
  rm.requests.slice(from).map((r) => `${r.method} ${r.path.replace(/application_\d+_(\d+)/, "app$1")}`)

/** Consecutive polls of one URL collapsed, so that assertions do not depend on timing. */
const collapsed = (lines: ReadonlyArray<string>) => lines.filter((l, i) => l !== lines[i - 1])

const submissions = (rm: YarnRmDouble) => rm.requests.filter((r) => r.method === "POST" && r.path === "/ws/v1/cluster/apps")

describe("yarn scheduler: the plugin", () => {
  it("is declared as the scheduler plugin `yarn`, loadable from its module", () => {
    expect(definition).toMatchObject({ kind: "scheduler", name: "yarn" })
    expect(definition.module).toMatch(/plugins\/schedulers\/yarn\/index\.(ts|js)$/)
    expect(yarn({ resourceManager: "http://rm:8088" }).options).toEqual({ resourceManager: "http://rm:8088" })
    const config = Schema.decodeUnknownSync(definition.config)({ resourceManager: "http://rm:8088" })
    expect(config).toMatchObject({ queue: "default", applicationType: "HERON", maxAppAttempts: 2, amMemoryMb: 512, amVcores: 1 })
  })

  it("refuses bad options, naming them", () => {
    const decode = Schema.decodeUnknownEither(definition.config, { errors: "all", onExcessProperty: "error" })
    for (const [options, key] of [
      [{}, "resourceManager"],
      [{ resourceManager: "rm:8088" }, "resourceManager"],
      [{ resourceManager: "http://rm:8088", applicationType: "A-TYPE-LONGER-THAN-TWENTY" }, "applicationType"],
      [{ resourceManager: "http://rm:8088", maxAppAttempts: 0 }, "maxAppAttempts"],
      [{ resourceManager: "http://rm:8088", localResources: { "a.jar": { resource: "hdfs:///a.jar", type: "JAR", visibility: "PUBLIC", size: 1, timestamp: 1 } } }, "localResources"],
      [{ resourceManager: "http://rm:8088", queues: "x" }, "queues"]
    ] as const) {
      const result = decode(options)
      expect(result._tag, key).toBe("Left")
      if (result._tag === "Left") expect(String(result.left)).toContain(key)
    }
  })
})

describe("yarn scheduler: schedule / status / kill", () => {
  it.scopedLive("submits one application whose context carries the DistributedShell master, the size and the tags", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url, queue: "default", maxAppAttempts: 3 })
      yield* s.schedule(request("wc", [0, 1, 2], { ramGiB: 2 }))
      expect(collapsed(calls(rm))).toEqual([
        "GET /ws/v1/cluster/apps",
        "POST /ws/v1/cluster/apps/new-application",
        "POST /ws/v1/cluster/apps",
        "GET /ws/v1/cluster/apps/app0001/state"
      ])
      // Simple authentication as the topology's role; JSON bodies.
      expect(rm.requests.every((r) => r.query["user.name"] === "alice")).toBe(true)
      const [app] = rm.apps()
      const context = submissions(rm)[0]?.body
      expect(context).toEqual({
        "application-id": app?.id,
        "application-name": "wc",
        queue: "default",
        "am-container-spec": {
          "local-resources": { entry: [] },
          environment: {
            entry: [
              { key: "CLASSPATH", value: expect.stringContaining("{{HADOOP_YARN_HOME}}/share/hadoop/yarn/*") },
              { key: "HERON_CONTAINER_SCRIPT", value: expect.stringMatching(/^[A-Za-z0-9+/=]+$/) }
            ]
          },
          commands: { command: expect.any(String) }
        },
        "unmanaged-AM": false,
        "max-app-attempts": 3,
        resource: { memory: 512, vCores: 1 },
        "application-type": "HERON",
        "keep-containers-across-application-attempts": true,
        "application-tags": {
          tag: ["heron", expect.stringMatching(/^heron-topology:[0-9a-f]{24}$/), expect.stringMatching(/^heron-launch:[0-9a-f]{16}$/), "heron-containers:0-2", "heron-restarts:0"]
        }
      })
      const command = (context as { "am-container-spec": { commands: { command: string } } })["am-container-spec"].commands.command
      // Three YARN containers of the largest Heron container (2 GiB, 2 cores), relaunched forever.
      expect(command).toMatch(/^echo [A-Za-z0-9+/=]+\|base64 -d>shellCommands&&\{\{JAVA_HOME\}\}\/bin\/java -Xmx409m org\.apache\.hadoop\.yarn\.applications\.distributedshell\.ApplicationMaster /)
      expect(command).toContain("--container_memory 2048 --container_vcores 2 --num_containers 3 --priority 0")
      expect(command).toContain("--container_retry_policy 1 --container_max_retries -1 --container_retry_interval 10000")
      expect(command).toMatch(/--shell_env HERON_CONTAINER_SCRIPT=\$HERON_CONTAINER_SCRIPT 1><LOG_DIR>\/AppMaster\.stdout 2><LOG_DIR>\/AppMaster\.stderr$/)
      // Nothing YARN's launch script would interpret inside its "...": no quote, backquote or backslash.
      expect(command).not.toMatch(/["`\\]/)

      const status = yield* eventually(s.status(topologyRef("wc")), (st) => st.every((c) => c.state === "running"))
      expect(status.map((c) => [c.index, c.state, c.handle, c.restarts])).toEqual([0, 1, 2].map((i) => [i, "running", `${app?.id}#${i}`, 0]))
      expect(yield* s.jobLinks(topologyRef("wc"))).toEqual([
        `${rm.url}/proxy/${app?.id}/`,
        `${rm.url}/cluster/app/${app?.id}`,
        expect.stringMatching(/^http:\/\/nm1\.example\.com:8042\/node\/containerlogs\/container_\d+_0001_01_000001\/alice$/)
      ])

      const before = rm.requests.length
      yield* s.kill(topologyRef("wc"))
      expect(collapsed(calls(rm, before))).toEqual([
        "GET /ws/v1/cluster/apps",
        "PUT /ws/v1/cluster/apps/app0001/state",
        "GET /ws/v1/cluster/apps/app0001/state"
      ])
      expect(rm.requests.find((r) => r.method === "PUT")?.body).toEqual({ state: "KILLED" })
      expect(rm.apps()[0]?.history).toEqual(["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "KILLED"])
      expect(yield* s.status(topologyRef("wc"))).toEqual([])
    }))

  it.scopedLive("reports containers pending while YARN has not started the master, and schedule is idempotent", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      rm.holdAt("ACCEPTED")
      const s = yield* scheduler({ resourceManager: rm.url })
      yield* s.schedule(request("held", [0, 1]))
      const pending = yield* s.status(topologyRef("held"))
      expect(pending.map((c) => [c.index, c.state, c.message])).toEqual([[0, "pending", "application ACCEPTED"], [1, "pending", "application ACCEPTED"]])
      yield* s.schedule(request("held", [0, 1]))
      expect(submissions(rm)).toHaveLength(1)
      rm.holdAt(undefined)
      yield* eventually(s.status(topologyRef("held")), (st) => st.every((c) => c.state === "running"))
      // Fewer YARN containers than Heron containers: YARN cannot tell which ones run.
      rm.setRunningContainers(rm.apps()[0]?.id ?? "", 2)
      expect((yield* s.status(topologyRef("held"))).map((c) => [c.state, c.message])).toEqual([
        ["unknown", "1 of 2 YARN containers run; YARN does not say which"],
        ["unknown", "1 of 2 YARN containers run; YARN does not say which"]
      ])
      yield* s.kill(topologyRef("held"))
    }))

  it.scopedLive("kill of an unknown topology succeeds without killing anything", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url })
      yield* s.kill(topologyRef("nothing"))
      expect(calls(rm)).toEqual(["GET /ws/v1/cluster/apps"])
      expect(yield* s.status(topologyRef("nothing"))).toEqual([])
      expect(yield* s.jobLinks(topologyRef("nothing"))).toEqual([])
    }))

  it.scopedLive("a topology of another cluster, role or name with the same application name is not touched", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url })
      yield* s.schedule(request("twin", [0], { role: "alice" }))
      yield* s.schedule(request("twin", [0], { role: "bob" }))
      expect(rm.apps().map((a) => a.user)).toEqual(["alice", "bob"])
      yield* s.kill(topologyRef("twin", "bob"))
      expect(rm.apps().map((a) => [a.user, a.state === "KILLED"])).toEqual([["alice", false], ["bob", true]])
      yield* s.kill(topologyRef("twin", "alice"))
    }))
})

describe("yarn scheduler: restart / update / adoption", () => {
  it.scopedLive("restart resubmits the application (YARN cannot restart one container) and counts it", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url })
      yield* s.schedule(request("rs", [0, 1, 2]))
      const missing = yield* Effect.flip(s.restart(topologyRef("rs"), Option.some(7)))
      expect(missing).toMatchObject({ _tag: "SchedulerError", op: "restart", topology: "rs", retryable: false, message: "topology rs has no container 7" })
      yield* s.restart(topologyRef("rs"), Option.some(1))
      const [first, second] = rm.apps()
      expect([first?.state, second?.state]).toEqual(["KILLED", expect.not.stringMatching(/KILLED/)])
      expect(second?.tags).toContain("heron-restarts:1")
      expect(second?.submission["am-container-spec"]).toEqual(first?.submission["am-container-spec"])
      const status = yield* s.status(topologyRef("rs"))
      expect(status.map((c) => [c.index, c.restarts, c.handle])).toEqual([0, 1, 2].map((i) => [i, 1, `${second?.id}#${i}`]))
      yield* s.restart(topologyRef("rs"), Option.none())
      expect(rm.apps().map((a) => a.state === "KILLED")).toEqual([true, true, false])
      yield* s.kill(topologyRef("rs"))
      const gone = yield* Effect.flip(s.restart(topologyRef("rs"), Option.none()))
      expect(gone).toMatchObject({ retryable: false, message: "topology rs has no live YARN application" })
    }))

  it.scopedLive("update leaves an unchanged application alone and resubmits a changed one", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url })
      yield* s.schedule(request("up", [0, 1, 2]))
      yield* s.update(request("up", [0, 1, 2]))
      expect(submissions(rm)).toHaveLength(1)
      // One more container: a new application with four YARN containers replaces the old one.
      yield* s.update(request("up", [0, 1, 2, 3]))
      const [old, now] = rm.apps()
      expect(old?.state).toBe("KILLED")
      expect(now?.tags).toEqual(expect.arrayContaining(["heron-containers:0-3", "heron-restarts:1"]))
      expect(JSON.stringify(now?.submission)).toContain("--num_containers 4")
      expect((yield* s.status(topologyRef("up"))).map((c) => c.index)).toEqual([0, 1, 2, 3])
      yield* s.kill(topologyRef("up"))
    }))

  it.scopedLive("a new runtime adopts the running application: status sees it, update keeps it, restart then works", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const first = yield* scheduler({ resourceManager: rm.url })
      yield* first.schedule(request("adopt", [0, 1]))
      const second = yield* scheduler({ resourceManager: rm.url })
      expect((yield* second.status(topologyRef("adopt"))).map((c) => c.index)).toEqual([0, 1])
      // Before the supervisor handed it the request, a restart cannot resubmit: retryable.
      expect(yield* Effect.flip(second.restart(topologyRef("adopt"), Option.none()))).toMatchObject({ retryable: true })
      yield* second.update(request("adopt", [0, 1]))
      expect(submissions(rm)).toHaveLength(1)
      yield* second.restart(topologyRef("adopt"), Option.none())
      expect(submissions(rm)).toHaveLength(2)
      yield* second.kill(topologyRef("adopt"))
    }))

  it.scopedLive("an application that failed is reported failed with YARN's diagnostics", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url })
      yield* s.schedule(request("crash", [0, 1]))
      rm.fail(rm.apps()[0]?.id ?? "", "Application application_x failed 2 times due to AM Container exited with exitCode: 1")
      expect((yield* s.status(topologyRef("crash"))).map((c) => [c.state, c.message])).toEqual([
        ["failed", "Application application_x failed 2 times due to AM Container exited with exitCode: 1"],
        ["failed", "Application application_x failed 2 times due to AM Container exited with exitCode: 1"]
      ])
      // The supervisor's next update submits it again.
      yield* s.update(request("crash", [0, 1]))
      expect(submissions(rm)).toHaveLength(2)
      yield* s.kill(topologyRef("crash"))
    }))
})

describe("yarn scheduler: errors", () => {
  it.scopedLive("an unknown queue fails the submission with YARN's diagnostics", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm({ queues: ["default"] })
      const s = yield* scheduler({ resourceManager: rm.url, queue: "nope" })
      const err = yield* Effect.flip(s.schedule(request("q", [0])))
      expect(err).toMatchObject({ _tag: "SchedulerError", op: "schedule", topology: "q", retryable: false })
      expect(err.message).toMatch(/^application application_\d+_0001 ended FAILED right after its submission: .* to unknown queue: nope$/)
    }))

  it.scopedLive("containers larger than YARN's largest are refused before anything is submitted", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm({ maxMemoryMb: 4096, maxVcores: 8 })
      const s = yield* scheduler({ resourceManager: rm.url })
      const err = yield* Effect.flip(s.schedule(request("big", [0, 1], { ramGiB: 6 })))
      expect(err).toMatchObject({ retryable: false, message: "each Heron container needs 6144 MB and 2 vcores; the largest YARN container of this cluster is 4096 MB and 8 vcores" })
      expect(submissions(rm)).toEqual([])
    }))

  it.scopedLive("a refusal names the method, the URL and YARN's RemoteException", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const alice = yield* scheduler({ resourceManager: rm.url })
      yield* alice.schedule(request("owned", [0]))
      // Another user may list the application but not kill it.
      const bob = yield* scheduler({ resourceManager: rm.url, user: "bob" })
      const err = yield* Effect.flip(bob.kill(topologyRef("owned")))
      expect(err).toMatchObject({ op: "kill", retryable: false })
      expect(err.message).toMatch(new RegExp(`^YARN ResourceManager PUT ${rm.url}/ws/v1/cluster/apps/application_\\d+_0001/state\\?user\\.name=bob: HTTP 403 AuthorizationException \\(org\\.apache\\.hadoop\\.security\\.authorize\\.AuthorizationException\\): Permission denied`))
      yield* alice.kill(topologyRef("owned"))
    }))

  it.scopedLive("an unreachable ResourceManager is a retryable error naming the URL", () =>
    Effect.gen(function*() {
      // A port nothing listens on any more.
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => {
          const server = createServer()
          server.listen(0, "127.0.0.1", () => {
            const address = server.address()
            server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
          })
        })
      )
      const s = yield* scheduler({ resourceManager: `http://127.0.0.1:${port}` })
      const err = yield* Effect.flip(s.schedule(request("down", [0])))
      expect(err).toMatchObject({ op: "schedule", retryable: true })
      expect(err.message).toContain(`YARN ResourceManager GET http://127.0.0.1:${port}/ws/v1/cluster/apps?`)
      expect(err.message).toMatch(new RegExp(`cannot reach the ResourceManager: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`))
    }))

  it.scopedLive("a delegation token goes in its header only, never in a URL, a log line or an error", () =>
    Effect.gen(function*() {
      const token = "MgASY2xpZW50QEVYQU1QTEUuQ09N-s3cr3t"
      const rm = yield* startYarnRm({ delegationToken: { token, user: "svc-heron" } })
      const lines: Array<string> = []
      const run = <A, E>(self: Effect.Effect<A, E>) => self.pipe(Effect.provide(collectingLogs(lines)))
      const s = yield* scheduler({ resourceManager: rm.url, delegationToken: token })
      yield* run(s.schedule(request("secret", [0, 1])))
      yield* run(s.restart(topologyRef("secret"), Option.none()))
      yield* run(s.kill(topologyRef("secret")))
      // The token says who the caller is: no user.name, and the applications belong to its user.
      expect(rm.requests.every((r) => r.delegationToken === token && !("user.name" in r.query))).toBe(true)
      expect(rm.apps().map((a) => a.user)).toEqual(["svc-heron", "svc-heron"])
      const wrong = yield* scheduler({ resourceManager: rm.url, delegationToken: "not-the-token-at-all" })
      const err = yield* Effect.flip(run(wrong.schedule(request("secret", [0]))))
      expect(err.message).toMatch(/^YARN ResourceManager GET http:\/\/127\.0\.0\.1:\d+\/ws\/v1\/cluster\/apps\?\S+: HTTP 401 unexpected answer: <html>/)
      expect(lines.length).toBeGreaterThan(0)
      for (const text of [...lines, err.message, JSON.stringify(err)]) {
        expect(text).not.toContain(token)
        expect(text).not.toContain("not-the-token-at-all")
      }
    }))

  it.scopedLive("a request the shell cannot express is refused, naming the variable", () =>
    Effect.gen(function*() {
      const rm = yield* startYarnRm()
      const s = yield* scheduler({ resourceManager: rm.url })
      const ok = request("badenv", [0])
      const bad = new LaunchRequest({ ...ok, containers: ok.containers.map((c) => new ContainerLaunch({ ...c, env: { "NOT-A-NAME": "x" } })) })
      const err = yield* Effect.flip(s.schedule(bad))
      expect(err).toMatchObject({ retryable: false, message: "environment variable name \"NOT-A-NAME\" cannot be exported by a shell" })
      expect(submissions(rm)).toEqual([])
    }))
})
