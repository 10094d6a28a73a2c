/**
 * In-memory stand-ins for the supervisor and CLI tests: a scheduler that records its calls (and can
 * be told to fail, or to act like a TManager by writing the physical plan), an uploader that keeps
 * packages in a Ref, a cluster over them with a MemoryStore state manager, and a helper to drive
 * the TestClock until an effect completes.
 */
import { Clock, Duration, Effect, Exit, Fiber, Option, Ref, TestClock } from "effect"
import type { ClusterServices } from "../../core/Clusters.js"
import { InstanceInfo, PhysicalPlan, StreamManagerInfo } from "../../core/model/PhysicalPlan.js"
import { ContainerStatus, SchedulerError, type LaunchRequest, type SchedulerService } from "../../core/Scheduler.js"
import * as MemoryStore from "../../core/state/MemoryStore.js"
import { makeStateManager } from "../../core/state/makeStateManager.js"
import type { StateManagerService } from "../../core/StateManager.js"
import { UploadError, type UploaderService } from "../../core/Uploader.js"

/** A call, with the (test) clock time it was made at. */
export type SchedulerCall = { readonly at: number } & (
  | { readonly op: "schedule" | "update"; readonly topology: string; readonly request: LaunchRequest }
  | { readonly op: "kill" | "status"; readonly topology: string }
  | { readonly op: "restart"; readonly topology: string; readonly container: Option.Option<number> }
)

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export interface FakeScheduler {
  readonly service: SchedulerService
  readonly calls: Effect.Effect<ReadonlyArray<SchedulerCall>>
  /** How many of the next schedule/update calls fail. */
  readonly failNext: (n: number) => Effect.Effect<void>
  /** What runs now, per topology. */
  readonly running: Effect.Effect<ReadonlyMap<string, LaunchRequest>>
}

/** The physical plan a TManager would assemble for `request` (every container registered). */
export const physicalPlanOf = (sm: StateManagerService, request: LaunchRequest) =>
  Effect.gen(function*() {
    const topology = yield* sm.get("topologies", request.topology.name)
    if (Option.isNone(topology)) return
    const plan = request.packingPlan
    yield* sm.set("pplans", request.topology.name, new PhysicalPlan({
      topology: topology.value,
      stmgrs: plan.containers.map((c) =>
        new StreamManagerInfo({ id: `stmgr-${c.id}`, containerIndex: c.id, host: "127.0.0.1", dataPort: 6000 + c.id, shellPort: 0, cwd: "/tmp", pid: 1000 + c.id })),
      instances: plan.containers.flatMap((c) =>
        c.instances.map((i) =>
          new InstanceInfo({
            instanceId: `container_${c.id}_${i.componentName}_${i.taskId}`,
            stmgrId: `stmgr-${c.id}`,
            componentName: i.componentName,
            taskId: i.taskId,
            componentIndex: i.componentIndex
          })))
    }))
  })

/** A scheduler recording its calls. With `tmanager`, scheduling also writes the physical plan. */
export const makeScheduler = (options: { readonly tmanager?: StateManagerService } = {}) =>
  Effect.gen(function*() {
    const calls = yield* Ref.make<ReadonlyArray<SchedulerCall>>([])
    const failures = yield* Ref.make(0)
    const running = yield* Ref.make<ReadonlyMap<string, LaunchRequest>>(new Map())
    const record = (call: DistributiveOmit<SchedulerCall, "at">) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => Ref.update(calls, (cs) => [...cs, { ...call, at }]))
    const launch = (op: "schedule" | "update") => (request: LaunchRequest) =>
      Effect.gen(function*() {
        yield* record({ op, topology: request.topology.name, request })
        const failing = yield* Ref.modify(failures, (n) => [n > 0, Math.max(0, n - 1)] as const)
        if (failing) {
          return yield* new SchedulerError({ op, topology: request.topology.name, message: "the engine said no", retryable: true })
        }
        yield* Ref.update(running, (m) => new Map([...m, [request.topology.name, request]]))
        if (options.tmanager !== undefined) yield* Effect.orDie(physicalPlanOf(options.tmanager, request))
      })
    const service: SchedulerService = {
      schedule: launch("schedule"),
      update: launch("update"),
      kill: (t) =>
        record({ op: "kill", topology: t.name }).pipe(
          Effect.zipRight(Ref.update(running, (m) => new Map([...m].filter(([k]) => k !== t.name))))
        ),
      restart: (t, container) => record({ op: "restart", topology: t.name, container }),
      status: (t) =>
        Effect.map(Ref.get(running), (m) =>
          (m.get(t.name)?.containers ?? []).map((c) => new ContainerStatus({ index: c.index, state: "running", handle: `${c.index}@1`, restarts: 0 }))),
      jobLinks: (t) => Effect.succeed([`mem://${t.name}`])
    }
    const fake: FakeScheduler = {
      service,
      calls: Ref.get(calls),
      failNext: (n) => Ref.set(failures, n),
      running: Ref.get(running)
    }
    return fake
  })

export interface FakeUploader {
  readonly service: UploaderService
  /** Packages kept, per topology. */
  readonly packages: Effect.Effect<ReadonlyMap<string, string>>
  readonly ops: Effect.Effect<ReadonlyArray<string>>
  readonly failUploads: (fail: boolean) => Effect.Effect<void>
}

/** An uploader keeping `mem://` URIs in a Ref. */
export const makeUploader = Effect.gen(function*() {
  const packages = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
  const ops = yield* Ref.make<ReadonlyArray<string>>([])
  const failing = yield* Ref.make(false)
  const op = (text: string) => Ref.update(ops, (o) => [...o, text])
  const drop = (topology: string) => Ref.update(packages, (m) => new Map([...m].filter(([k]) => k !== topology)))
  const service: UploaderService = {
    upload: (topology, localPath) =>
      Effect.gen(function*() {
        yield* op(`upload ${topology}`)
        if (yield* Ref.get(failing)) return yield* new UploadError({ op: "upload", topology, message: "disk full" })
        const uri = `mem://${topology}/${localPath.split("/").at(-1) ?? "topology.tar.gz"}`
        yield* Ref.update(packages, (m) => new Map([...m, [topology, uri]]))
        return uri
      }),
    fetch: () => Effect.void,
    undo: (topology) => op(`undo ${topology}`).pipe(Effect.zipRight(drop(topology))),
    delete: (topology) => op(`delete ${topology}`).pipe(Effect.zipRight(drop(topology)))
  }
  const fake: FakeUploader = {
    service,
    packages: Ref.get(packages),
    ops: Ref.get(ops),
    failUploads: (fail) => Ref.set(failing, fail)
  }
  return fake
})

/** A MemoryStore state manager. */
export const makeStateManagerService: Effect.Effect<StateManagerService> = Effect.map(MemoryStore.make, makeStateManager)

/** A cluster named `local` over the given services. */
export const clusterOf = (stateManager: StateManagerService, scheduler: SchedulerService, uploader: UploaderService): ClusterServices => ({
  name: "local",
  home: "/heron/local",
  stateManager,
  scheduler,
  uploader,
  sinks: [],
  redacted: {}
})

/** Runs `effect` in a fiber, moving the TestClock by `step` until it completes. */
export const clocked = <A, E>(effect: Effect.Effect<A, E>, step: Duration.DurationInput = "100 millis", maxSteps = 5000) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < maxSteps; i++) {
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) return yield* done.value
      yield* TestClock.adjust(step)
    }
    const exit = yield* Fiber.interrupt(fiber)
    return yield* Exit.isSuccess(exit) ? Effect.dieMessage("clocked: interrupted a completed fiber") : Effect.dieMessage(`clocked: still running after ${maxSteps} steps`)
  })

/** Moves the TestClock forward by `total`, in steps of `step`, letting fibers run in between. */
export const advance = (total: Duration.DurationInput, step: Duration.DurationInput = "50 millis") =>
  Effect.gen(function*() {
    const n = Math.ceil(Duration.toMillis(Duration.decode(total)) / Duration.toMillis(Duration.decode(step)))
    for (let i = 0; i < n; i++) yield* TestClock.adjust(step)
  })

/** Polls (on the TestClock) until `condition` holds. */
export const eventually = <E>(condition: Effect.Effect<boolean, E>, maxSteps = 5000) =>
  clocked(Effect.gen(function*() {
    while (!(yield* condition)) yield* Effect.sleep("50 millis")
  }), "50 millis", maxSteps)

/** Every state kind present for `name`. */
export const stateOf = (sm: StateManagerService, name: string) =>
  Effect.filter(
    ["topologies", "packingplans", "pplans", "executionstate", "tmanagers", "metricscaches", "schedulers"] as const,
    (k) => Effect.map(sm.get(k, name), Option.isSome)
  )
