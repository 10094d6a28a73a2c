/**
 * The `local` scheduler: every container is one OS process on this machine, leading its own
 * process group, started detached so that it outlives the runtime. What runs is recorded in
 * `<workingDirectory>/<topology>/containers.json`; a new runtime adopts those processes (checked by
 * pid + start time) instead of starting them twice. A monitor fiber relaunches containers that exit.
 *
 * Every operation and every monitor pass holds one lock (a `SynchronizedRef` over all topologies),
 * so a `kill` never races a relaunch. Operations and monitor passes are uninterruptible (they are
 * bounded by `killGraceMs` + 5 s), so a process that was started is always recorded. `kill` keeps
 * the container folders and their logs (`container-<i>/container.log`) and only removes
 * `containers.json`. `schedule` leaves alone containers that run and those not in the request;
 * `update` is the operation that reconciles a running topology with a new plan.
 */
import { FileSystem, Path } from "@effect/platform"
import { Clock, Effect, Either, HashMap, Layer, Option, SynchronizedRef } from "effect"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { PluginError, PluginHost } from "../../../core/Plugin.js"
import {
  ContainerStatus,
  type LaunchRequest,
  Scheduler,
  SchedulerError,
  type SchedulerService,
  type TopologyRef
} from "../../../core/Scheduler.js"
import type { Config } from "./Config.js"
import * as Monitor from "./internal/Monitor.js"
import { LocalFailure } from "./internal/Proc.js"
import * as State from "./internal/State.js"
import * as Store from "./internal/Store.js"

const { Keep, Start, Stop } = State.Action

const specsOf = (request: LaunchRequest): Effect.Effect<ReadonlyArray<State.Spec>, LocalFailure> => {
  const indexes = request.containers.map((c) => c.index)
  return new Set(indexes).size === indexes.length
    ? Effect.succeed(request.containers.map(({ argv, env, index }) => ({ argv, env, index })))
    : Effect.fail(new LocalFailure({ message: `duplicate container index in ${indexes.join(",")}`, retryable: false }))
}

/** Builds the service; needs the cluster's home, a file system and paths, and forks the monitor. */
export const make = (config: Config) =>
  Effect.gen(function*() {
    const host = yield* PluginHost
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const root = config.workingDirectory ?? join(host.home, "topologies")
    const monitor: Monitor.MonitorOptions = {
      intervalMs: config.monitorIntervalMs,
      backoffMs: config.restartBackoffMs,
      maxBackoffMs: Math.max(config.maxRestartBackoffMs, config.restartBackoffMs),
      graceMs: config.killGraceMs
    }
    const now = yield* Clock.currentTimeMillis
    const found = yield* fs.makeDirectory(root, { recursive: true }).pipe(
      Effect.mapError((e) => new LocalFailure({ message: `cannot create ${root}: ${e.message}`, retryable: true })),
      Effect.zipRight(Store.readAll(root)),
      Effect.mapError((e) => new PluginError({ plugin: "scheduler/local", message: e.message }))
    )
    const state = yield* SynchronizedRef.make<State.Topologies>(HashMap.fromIterable(found.map((s) => [s.topology.name, {
      ref: s.topology,
      dir: join(root, s.topology.name),
      containers: s.containers.map((c) => State.adopt(c, { backoffMs: monitor.backoffMs, now }))
    }])))
    for (const s of found) {
      yield* Effect.logInfo(`local scheduler: adopted ${s.containers.length} container(s) of ${s.topology.name}`)
    }
    yield* Monitor.run(state, monitor).pipe(
      Effect.provideService(FileSystem.FileSystem, fs),
      Effect.provideService(Path.Path, path),
      Effect.forkScoped
    )

    const fail = (op: string, topology: string) => (e: LocalFailure) =>
      new SchedulerError({ op, topology, message: e.message, retryable: e.retryable })

    /** Under the lock: plans actions from what runs now, runs them all (each records what it
     * started even when another fails), saves the result, then reports the first failure. */
    const transact = (
      op: string,
      topology: TopologyRef,
      plan: (current: Option.Option<State.Topology>) => Effect.Effect<ReadonlyArray<State.Action>, LocalFailure, FileSystem.FileSystem>
    ): Effect.Effect<void, SchedulerError> =>
      Effect.gen(function*() {
        const name = yield* Store.validateName(topology.name)
        const dir = join(root, name)
        const failure = yield* SynchronizedRef.modifyEffect(state, (topologies) =>
          Effect.gen(function*() {
            const inMemory = HashMap.get(topologies, name)
            // Not known in memory: adopt what another runtime recorded since this one started
            // (a standby that has just become the leader), so that nothing runs twice.
            const current = Option.isSome(inMemory) ? inMemory : yield* adoptRecorded(name, dir)
            const actions = yield* plan(current)
            const now = yield* Clock.currentTimeMillis
            const ref = Option.match(current, { onNone: () => topology, onSome: (t) => t.ref })
            const outcomes = yield* Effect.forEach(
              actions,
              State.run(ref, dir, { graceMs: monitor.graceMs, backoffMs: monitor.backoffMs, now }),
              { concurrency: "unbounded" }
            )
            const containers = outcomes.flatMap((o) => Option.toArray(o.entry)).sort((a, b) => a.index - b.index)
            const next: State.Topology = { ref, dir, containers }
            const saved = yield* Effect.either(
              containers.length === 0 ? Store.remove(dir) : Store.write(dir, State.toStored(next))
            )
            const failures = [...outcomes.flatMap((o) => Option.toArray(o.failure)), ...Option.toArray(Either.getLeft(saved))]
            return [
              Option.fromNullable(failures[0]),
              containers.length === 0 ? HashMap.remove(topologies, name) : HashMap.set(topologies, name, next)
            ] as const
          })).pipe(
            // Processes started must be recorded: an interrupted caller does not cut an operation short.
            Effect.uninterruptible
          )
        if (Option.isSome(failure)) return yield* failure.value
      }).pipe(
        Effect.provideService(FileSystem.FileSystem, fs),
        Effect.provideService(Path.Path, path),
        Effect.mapError(fail(op, topology.name)),
        Effect.annotateLogs({ topology: topology.name })
      )

    /** The containers recorded on disk for a topology this runtime does not know, adopted. */
    const adoptRecorded = (name: string, dir: string) =>
      Effect.gen(function*() {
        const stored = yield* Store.read(dir).pipe(Effect.map(Option.filter((s) => s.topology.name === name)))
        if (Option.isNone(stored)) return Option.none<State.Topology>()
        const now = yield* Clock.currentTimeMillis
        yield* Effect.logInfo(`local scheduler: adopted ${stored.value.containers.length} container(s) of ${name}`)
        return Option.some<State.Topology>({
          ref: stored.value.topology,
          dir,
          containers: stored.value.containers.map((c) => State.adopt(c, { backoffMs: monitor.backoffMs, now }))
        })
      })

    const notScheduled = (name: string) =>
      new LocalFailure({ message: `topology ${name} is not scheduled by this runtime`, retryable: false })

    const schedule = (request: LaunchRequest) =>
      transact("schedule", request.topology, (current) =>
        Effect.gen(function*() {
          const specs = yield* specsOf(request)
          const running = Option.match(current, { onNone: () => [], onSome: (t) => t.containers })
          const starts = yield* Effect.forEach(specs, (spec) => {
            const existing = running.find((c) => c.index === spec.index)
            if (existing === undefined) return Effect.succeed(Start({ spec, current: Option.none(), restarts: 0 }))
            return State.checkExited(existing).pipe(Effect.map(Option.match({
              onNone: () => Keep({ current: existing }),
              onSome: () => Start({ spec, current: Option.some(existing), restarts: existing.restarts + 1 })
            })))
          })
          const others = running.filter((c) => !specs.some((s) => s.index === c.index)).map((c) => Keep({ current: c }))
          return [...starts, ...others]
        }))

    const service: SchedulerService = {
      schedule: (request) => schedule(request).pipe(Effect.withSpan("LocalScheduler.schedule")),

      kill: (topology) =>
        transact("kill", topology, (current) =>
          Effect.succeed(Option.match(current, { onNone: () => [], onSome: (t) => t.containers.map((c) => Stop({ current: c })) })))
          .pipe(Effect.withSpan("LocalScheduler.kill")),

      restart: (topology, container) =>
        transact("restart", topology, (current) =>
          Effect.gen(function*() {
            const t = yield* Option.match(current, {
              onNone: () => Effect.fail(notScheduled(topology.name)),
              onSome: Effect.succeed
            })
            if (Option.isSome(container) && !t.containers.some((c) => c.index === container.value)) {
              return yield* new LocalFailure({ message: `topology ${topology.name} has no container ${container.value}`, retryable: false })
            }
            return t.containers.map((c) =>
              Option.match(container, { onNone: () => true, onSome: (i) => i === c.index })
                ? Start({ spec: c, current: Option.some(c), restarts: c.restarts + 1 })
                : Keep({ current: c })
            )
          })).pipe(Effect.withSpan("LocalScheduler.restart")),

      update: (request) =>
        transact("update", request.topology, (current) =>
          Effect.gen(function*() {
            const specs = yield* specsOf(request)
            const running = Option.match(current, { onNone: () => [], onSome: (t) => t.containers })
            const wanted = specs.map((spec) => {
              const existing = running.find((c) => c.index === spec.index)
              if (existing === undefined) return Start({ spec, current: Option.none(), restarts: 0 })
              return State.sameSpec(existing, spec)
                ? Keep({ current: existing })
                : Start({ spec, current: Option.some(existing), restarts: existing.restarts + 1 })
            })
            const removed = running.filter((c) => !specs.some((s) => s.index === c.index)).map((c) => Stop({ current: c }))
            return [...wanted, ...removed]
          })).pipe(Effect.withSpan("LocalScheduler.update")),

      status: (topology) =>
        SynchronizedRef.get(state).pipe(
          // A topology another runtime recorded (this one being a standby that has just taken
          // over) is reported from the record, so that the supervisor knows it adopts.
          Effect.flatMap((ts) => Option.match(HashMap.get(ts, topology.name), {
            onSome: (t) => Effect.succeed(t.containers),
            onNone: () =>
              Store.validateName(topology.name).pipe(
                // An unreadable record is no container of ours (start-up said so already).
                Effect.flatMap((name) => Store.read(join(root, name)).pipe(Effect.orElseSucceed(() => Option.none<Store.StoredTopology>()))),
                Effect.flatMap((stored) => Effect.map(Clock.currentTimeMillis, (now) =>
                  Option.match(Option.filter(stored, (s) => s.topology.name === topology.name), {
                    onNone: () => [],
                    onSome: (s) => s.containers.map((c) => State.adopt(c, { backoffMs: monitor.backoffMs, now }))
                  }))),
                Effect.mapError(fail("status", topology.name))
              )
          })),
          Effect.flatMap((containers) =>
            Effect.forEach(containers, (c) =>
              State.checkExited(c).pipe(Effect.map((exited) =>
                new ContainerStatus({
                  index: c.index,
                  state: Option.isSome(exited) ? "exited" : "running",
                  handle: State.handle(c),
                  restarts: c.restarts,
                  ...Option.match(exited, { onNone: () => ({}), onSome: (message) => ({ message }) })
                })
              )))
          ),
          Effect.provideService(FileSystem.FileSystem, fs),
          Effect.withSpan("LocalScheduler.status")
        ),

      jobLinks: (topology) =>
        Store.validateName(topology.name).pipe(
          Effect.mapError(fail("jobLinks", topology.name)),
          Effect.zipRight(SynchronizedRef.get(state)),
          Effect.map((ts) => {
            const dir = join(root, topology.name)
            const logs = Option.match(HashMap.get(ts, topology.name), {
              onNone: () => [],
              onSome: (t) => t.containers.map((c) => pathToFileURL(State.logFile(dir, c.index)).href)
            })
            return [pathToFileURL(dir).href, ...logs]
          })
        )
    }
    return Scheduler.of(service)
  })

/** The `local` scheduler as a layer. Its scope owns the monitor; closing it leaves containers running. */
export const layer = (config: Config): Layer.Layer<Scheduler, PluginError, PluginHost | FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(Scheduler, make(config))
