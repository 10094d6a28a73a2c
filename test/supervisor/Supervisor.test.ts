import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, HashMap, Logger, Option, Scope, TestClock } from "effect"
import { RuntimeLocation } from "../../core/model/Locations.js"
import { repack } from "../../core/packing/index.js"
import { withState } from "../../core/runtime/Desired.js"
import type { StateManagerService } from "../../core/StateManager.js"
import { CONTAINER_PLAN_ENV, launchRequest } from "../../core/supervisor/LaunchPlan.js"
import * as Supervisor from "../../core/supervisor/Supervisor.js"
import { Component, Topology } from "../../core/model/Topology.js"
import { advance, clusterOf, eventually, makeScheduler, makeStateManagerService, makeUploader, stateOf, type FakeScheduler, type FakeUploader } from "./fakes.js"
import { launch, seed } from "./seed.js"

interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A state manager, a fake scheduler and uploader, a supervisor in its own scope, and its logs. */
const setup = Effect.gen(function*() {
  const sm = yield* makeStateManagerService
  const scheduler = yield* makeScheduler({ tmanager: sm })
  const uploader = yield* makeUploader
  const logs: Array<LogLine> = []
  const logger = Logger.make(({ annotations, logLevel, message }) => {
    logs.push({ level: logLevel.label, message: Array.isArray(message) ? message.join(" ") : String(message), annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
  })
  const scope = yield* Scope.make()
  const start = Supervisor.start(clusterOf(sm, scheduler.service, uploader.service), {
    launch,
    httpEndpoint: "http://127.0.0.1:8888",
    pollInterval: "100 millis",
    backoffBase: "500 millis",
    backoffMax: "4 seconds"
  }).pipe(Scope.extend(scope), Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
  return { sm, scheduler, uploader, logs, scope, start }
})

const callsOf = (scheduler: FakeScheduler, op: string) => Effect.map(scheduler.calls, (cs) => cs.filter((c) => c.op === op))
const has = (scheduler: FakeScheduler, op: string, n = 1) => Effect.map(callsOf(scheduler, op), (cs) => cs.length >= n)
const packageOf = (uploader: FakeUploader, name: string) => Effect.map(uploader.packages, (m) => m.get(name))
const requests = (scheduler: FakeScheduler, op: "schedule" | "update") =>
  Effect.map(scheduler.calls, (cs) => cs.flatMap((c) => (c.op === op ? [c.request] : [])))

describe("Supervisor", () => {
  it.effect("registers the runtime, and refuses to start when another live runtime serves the cluster", () =>
    Effect.gen(function*() {
      const { scope, sm, start } = yield* setup
      yield* start
      const location = yield* sm.get("runtimes", "local")
      expect(Option.map(location, (l) => [l.pid, l.httpEndpoint])).toEqual(Option.some([process.pid, "http://127.0.0.1:8888"]))
      yield* Scope.close(scope, Exit.void)
      expect(Option.isNone(yield* sm.get("runtimes", "local"))).toBe(true)

      const other = yield* setup
      yield* other.sm.set("runtimes", "local", new RuntimeLocation({ cluster: "local", httpEndpoint: "http://elsewhere:1", pid: 999_999_999, startedAt: 0 }))
      const error = yield* Effect.flip(other.start)
      expect(error.message).toBe("cluster local is already served by heron-runtime pid 999999999 (http://elsewhere:1): stop it first")
    }))

  it.effect("a submit is scheduled as soon as its packing plan and execution state follow the topology, not a poll interval later", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start } = yield* setup
      yield* start
      // What a submit writes, in its order; the supervisor of `wc` starts on the first write and
      // finds nothing to launch yet.
      const { packingPlan, topology } = yield* seed(yield* makeStateManagerService, "wc")
      const execution = yield* Effect.flatMap(makeStateManagerService, (other) => Effect.zipRight(seed(other, "wc"), other.get("executionstate", "wc")))
      yield* sm.set("topologies", "wc", topology)
      yield* TestClock.adjust("10 millis")
      yield* sm.set("packingplans", "wc", packingPlan)
      yield* sm.set("executionstate", "wc", Option.getOrThrow(execution))
      // No clock time passes from here: only the watch can run the step (the interval is 100 ms).
      for (let i = 0; i < 200 && !(yield* has(scheduler, "schedule")); i++) yield* Effect.yieldNow()
      expect(yield* has(scheduler, "schedule")).toBe(true)
    }))

  it.effect("schedules a topology once: container 0 plus the plan's containers, the executor's argv and env", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start } = yield* setup
      const { packingPlan, topology } = yield* seed(sm, "wc")
      yield* start
      yield* eventually(has(scheduler, "schedule"))
      const [request] = yield* requests(scheduler, "schedule")
      expect(request?.topology).toMatchObject({ cluster: "local", role: "alice", environ: "default", name: "wc", id: topology.id })
      expect(request?.packageUri).toBe("mem://wc/topology.tar.gz")
      expect(request?.containers.map((c) => c.index)).toEqual([0, 1, 2])
      expect(request?.containers[1]?.argv).toEqual([
        "/usr/bin/node", "/pkg/dist/core/engine/executor-bin.js",
        "--cluster-file", "/clusters/local.heron.ts", "--cluster", "local", "--topology", "wc", "--container", "1"
      ])
      expect(request?.containers[2]?.env).toMatchObject({ HERON_HOME: "/heron", HERON_TOPOLOGY_ID: topology.id })
      expect(request?.containers[1]?.resources).toEqual(packingPlan.containers[0]?.requiredResources)
      const hashes = new Set(request?.containers.map((c) => c.env[CONTAINER_PLAN_ENV]))
      expect(hashes.size).toBe(3)
      const location = yield* sm.get("schedulers", "wc")
      expect(Option.map(location, (l) => [l.httpEndpoint, l.jobPageLinks])).toEqual(Option.some(["http://127.0.0.1:8888", ["mem://wc"]]))
      // Nothing changes: later polls ask nothing more of the scheduler.
      yield* advance("2 seconds")
      expect((yield* scheduler.calls).filter((c) => c.op !== "status")).toHaveLength(1)
    }))

  it.effect("a new packing plan → scheduler.update, with only the changed containers' plan hash changed", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start } = yield* setup
      const { packingPlan, topology } = yield* seed(sm, "wc", { containers: 2, bolts: 3 })
      yield* start
      yield* eventually(has(scheduler, "schedule"))
      // One more bolt instance: it lands in one container; the other keeps its instances.
      const wider = new Topology({
        ...topology,
        components: topology.components.map((c) => (c.name === "sink" ? new Component({ ...c, parallelism: 4 }) : c))
      })
      const next = yield* repack(packingPlan, wider)
      yield* sm.set("topologies", "wc", wider)
      yield* sm.set("packingplans", "wc", next)
      yield* eventually(has(scheduler, "update"))
      const [before] = yield* requests(scheduler, "schedule")
      const [after] = yield* requests(scheduler, "update")
      const hash = (r: typeof before, i: number) => r?.containers.find((c) => c.index === i)?.env[CONTAINER_PLAN_ENV]
      const changed = [0, 1, 2].filter((i) => hash(before, i) !== hash(after, i))
      expect(changed).toHaveLength(1)
      expect(changed[0]).not.toBe(0)
    }))

  it.effect("KILLED → scheduler.kill, every state kind of the topology removed, the package deleted", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start, uploader } = yield* setup
      const { topology } = yield* seed(sm, "wc")
      yield* uploader.service.upload("wc", "/tmp/topology.tar.gz")
      yield* start
      yield* eventually(Effect.map(sm.get("pplans", "wc"), Option.isSome))
      yield* sm.set("topologies", "wc", withState(topology, "KILLED"))
      yield* eventually(Effect.map(sm.get("topologies", "wc"), Option.isNone))
      expect(yield* callsOf(scheduler, "kill")).toHaveLength(1)
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect(yield* packageOf(uploader, "wc")).toBeUndefined()
      expect((yield* scheduler.running).size).toBe(0)
    }))

  it.effect("adopts what the scheduler already runs (a restarted runtime): update, not schedule", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start } = yield* setup
      const { packingPlan, topology } = yield* seed(sm, "wc")
      // What a previous runtime launched is still running.
      const execution = yield* Effect.flatten(sm.get("executionstate", "wc"))
      yield* scheduler.service.schedule(launchRequest(launch, topology, packingPlan, execution))
      yield* start
      yield* eventually(has(scheduler, "update"))
      expect(yield* callsOf(scheduler, "schedule")).toHaveLength(1) // only the one above
      expect((yield* requests(scheduler, "update"))[0]?.packingPlan).toEqual(packingPlan)
    }))

  it.effect("a failing scheduler is retried with exponential backoff and logged; the supervisor survives", () =>
    Effect.gen(function*() {
      const { logs, scheduler, sm, start } = yield* setup
      yield* scheduler.failNext(3)
      yield* seed(sm, "wc")
      yield* start
      yield* eventually(Effect.map(sm.get("schedulers", "wc"), Option.isSome))
      const times = (yield* callsOf(scheduler, "schedule")).map((c) => c.at)
      expect(times).toHaveLength(4)
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0))
      // 0.5 s, 1 s, 2 s (plus at most one poll step of the test clock).
      expect(gaps.map((g) => Math.round(g / 500) * 500)).toEqual([500, 1000, 2000])
      const warnings = logs.filter((l) => l.level === "WARN")
      expect(warnings).toHaveLength(3)
      expect(warnings[0]?.message).toMatch(/the engine said no; retrying in 500ms$/)
      expect(warnings[0]?.annotations).toMatchObject({ cluster: "local", topology: "wc", attempt: 1 })
      expect(logs.some((l) => l.message === "recovered after 3 failed attempt(s)")).toBe(true)
      // The supervisor still serves new topologies.
      yield* seed(sm, "other")
      yield* eventually(Effect.map(sm.get("schedulers", "other"), Option.isSome))
    }))

  it.effect("closing its scope leaves the containers running and says so", () =>
    Effect.gen(function*() {
      const { logs, scheduler, scope, sm, start } = yield* setup
      yield* seed(sm, "wc")
      yield* start
      yield* eventually(has(scheduler, "schedule"))
      yield* Scope.close(scope, Exit.void)
      expect(yield* callsOf(scheduler, "kill")).toHaveLength(0)
      expect((yield* scheduler.running).has("wc")).toBe(true)
      expect(logs.some((l) => l.message === "leaving 1 topology running")).toBe(true)
      expect(Option.isNone(yield* sm.get("runtimes", "local"))).toBe(true)
    }))

  it.effect("a topology whose state vanished without a kill gets its containers stopped", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start } = yield* setup
      yield* seed(sm, "wc")
      yield* start
      yield* eventually(has(scheduler, "schedule"))
      yield* deleteAll(sm, "wc")
      yield* eventually(has(scheduler, "kill"))
      expect((yield* scheduler.running).size).toBe(0)
    }))

  it.effect("a topology removed while its launch keeps failing still gets a kill (a failed launch may have started some)", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start } = yield* setup
      yield* scheduler.failNext(1000)
      yield* seed(sm, "wc")
      yield* start
      yield* eventually(has(scheduler, "schedule"))
      yield* deleteAll(sm, "wc")
      yield* eventually(has(scheduler, "kill"))
    }))

  it.effect("waits while a submit is half written (no execution state yet)", () =>
    Effect.gen(function*() {
      const { scheduler, sm, start } = yield* setup
      yield* seed(sm, "wc")
      yield* sm.delete("executionstate", "wc")
      yield* start
      yield* advance("2 seconds")
      expect(yield* scheduler.calls).toEqual([])
    }))
})

const deleteAll = (sm: StateManagerService, name: string) =>
  Effect.forEach(["executionstate", "packingplans", "topologies"] as const, (k) => sm.delete(k, name))
