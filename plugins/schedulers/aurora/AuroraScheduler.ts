/**
 * The `aurora` scheduler: each topology is one Aurora service job whose instances are its
 * containers (instance id = container index), written as a job file (`internal/JobFile.ts`) and
 * driven through the `aurora` client, as Heron's Aurora scheduler does:
 *
 * - schedule: `aurora job create --wait-until RUNNING [--bind K=V]... <job> <file>`; a job that
 *   already runs is adopted, its missing instances added;
 * - kill: `aurora job killall --no-batching <job>`;
 * - restart: `aurora job restart --batch-size <n> <job>[/<instances>]`;
 * - update: `aurora job kill --no-batching <job>/<instances>` for removed containers, `aurora job
 *   add --wait-until RUNNING <job>/<instance> <count>` for added ones (Aurora numbers them from the
 *   highest instance + 1, cloning that instance's task), `aurora job restart` for changed ones; a
 *   changed task template (executor, shared environment, resources) replaces the whole job;
 * - status: `aurora job status --write-json <job>`.
 *
 * Aurora relaunches instances that exit (service jobs). The job key is `<cluster>/<role>/<env>/<name>`.
 */
import { CommandExecutor, FileSystem, Path } from "@effect/platform"
import { Data, Effect, Layer, Option, Redacted } from "effect"
import { createHash } from "node:crypto"
import { join } from "node:path"
import { isValidTopologyName } from "../../../core/internal/topologyName.js"
import { type PluginError, PluginHost } from "../../../core/Plugin.js"
import { type LaunchRequest, Scheduler, SchedulerError, type SchedulerService, type TopologyRef } from "../../../core/Scheduler.js"
import type { Config } from "./Config.js"
import { type AuroraCommandError, runner } from "./internal/Client.js"
import { type JobKey, keyText, render, template, type Template } from "./internal/JobFile.js"
import * as Record from "./internal/Record.js"
import * as Status from "./internal/Status.js"

/** A failed step, with whether the supervisor should retry it. */
class AuroraFailure extends Data.TaggedError("AuroraFailure")<{ readonly message: string; readonly retryable: boolean }> {}

const fromCommand = (e: AuroraCommandError) => new AuroraFailure({ message: e.text, retryable: e.retryable })
const fixed = (e: { readonly message: string }) => new AuroraFailure({ message: e.message, retryable: false })
const io = (e: Record.RecordFailure) => new AuroraFailure({ message: e.message, retryable: true })

const sortedIndexes = (request: LaunchRequest) => request.containers.map((c) => c.index).sort((a, b) => a - b)

/** Builds the service; needs the cluster's home, a file system and a command executor. */
export const make = (config: Config) =>
  Effect.gen(function*() {
    const host = yield* PluginHost
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const executor = yield* CommandExecutor.CommandExecutor
    const root = join(host.home, "aurora")
    const run = runner({ client: config.client, timeoutMs: config.commandTimeoutMs, secrets: Object.values(config.secretBindings).map(Redacted.value) })
    const lock = yield* Effect.makeSemaphore(1)

    const aurora = (...args: ReadonlyArray<string>) =>
      run(args).pipe(Effect.provideService(CommandExecutor.CommandExecutor, executor), Effect.mapError(fromCommand))
    const binds = [
      ...Object.entries(config.bindings),
      ...Object.entries(config.secretBindings).map(([k, v]) => [k, Redacted.value(v)] as const)
    ].sort(([a], [b]) => (a < b ? -1 : 1)).flatMap(([k, v]) => ["--bind", `${k}=${v}`])

    const keyOf = (ref: TopologyRef): JobKey => ({ cluster: config.cluster ?? host.cluster, role: config.role ?? ref.role, env: config.env ?? ref.environ, name: ref.name })
    const dirOf = (ref: TopologyRef) =>
      isValidTopologyName(ref.name)
        ? Effect.succeed(join(root, ref.name))
        : Effect.fail(new AuroraFailure({ message: `invalid topology name ${JSON.stringify(ref.name)}`, retryable: false }))

    /** The job's active tasks, by instance id. */
    const active = (key: JobKey) =>
      aurora("job", "status", "--write-json", keyText(key)).pipe(
        Effect.flatMap((o) => Effect.mapError(Status.parse(o.stdout), (message) => new AuroraFailure({ message, retryable: true })))
      )

    /** Identifies the task every instance runs: a change needs a new job. */
    const templateHash = (key: JobKey, t: Template) =>
      createHash("sha256").update(JSON.stringify({ key, t, setup: config.setupCommands })).digest("hex").slice(0, 16)
    const hashes = (request: LaunchRequest) => Object.fromEntries(request.containers.map((c) => [String(c.index), Record.containerHash(c)]))

    /** Writes the job file for the request and records what runs. */
    const writeJob = (ref: TopologyRef, request: LaunchRequest, jobUrl: Option.Option<string>) =>
      Effect.gen(function*() {
        const key = keyOf(ref)
        const dir = yield* dirOf(ref)
        const t = yield* Effect.mapError(template(request.containers), fixed)
        const file = Record.jobFilePath(dir, ref.name)
        yield* Record.writeFile(fs, path, file, render(key, t, request.containers.length, config.setupCommands)).pipe(Effect.mapError(io))
        yield* Record.write(fs, path, dir, {
          job: keyText(key),
          template: templateHash(key, t),
          containers: hashes(request),
          ...Option.match(jobUrl, { onNone: () => ({}), onSome: (u) => ({ jobUrl: u }) })
        }).pipe(Effect.mapError(io))
        return file
      })

    const create = (ref: TopologyRef, request: LaunchRequest) =>
      Effect.gen(function*() {
        const indexes = sortedIndexes(request)
        if (!indexes.every((index, i) => index === i)) {
          return yield* new AuroraFailure({ message: `Aurora numbers instances 0..${indexes.length - 1}; the containers are ${indexes.join(",")}`, retryable: false })
        }
        const file = yield* writeJob(ref, request, Option.none())
        const key = keyText(keyOf(ref))
        const out = yield* aurora("job", "create", "--wait-until", "RUNNING", ...binds, key, file)
        const url = Option.fromNullable(/job url=(\S+)/.exec(out.stdout)?.[1])
        yield* writeJob(ref, request, url)
        yield* Effect.logInfo(`aurora scheduler: created ${key} with ${indexes.length} instance(s)`)
      })

    const killAll = (ref: TopologyRef) =>
      Effect.gen(function*() {
        yield* aurora("job", "killall", "--no-batching", keyText(keyOf(ref)))
        yield* Record.remove(fs, yield* dirOf(ref)).pipe(Effect.mapError(io))
      })

    /** Brings a running job to the request: kills removed instances, adds new ones, restarts
     * changed ones (per the record). */
    const reconcile = (ref: TopologyRef, request: LaunchRequest, running: ReadonlyArray<number>, o: { readonly update: boolean }) =>
      Effect.gen(function*() {
        const key = keyText(keyOf(ref))
        const wanted = sortedIndexes(request)
        const record = yield* Record.read(fs, yield* dirOf(ref)).pipe(Effect.mapError(io))
        const removed = o.update ? running.filter((i) => !wanted.includes(i)) : []
        const kept = running.filter((i) => !removed.includes(i))
        const added = wanted.filter((i) => !running.includes(i))
        if (kept.length === 0) {
          yield* killAll(ref)
          return yield* create(ref, request)
        }
        const start = Math.max(...kept) + 1
        if (!added.every((index, i) => index === start + i)) {
          return yield* new AuroraFailure({ message: `Aurora adds instances from ${start} on; containers ${added.join(",")} cannot be added`, retryable: false })
        }
        if (removed.length > 0) yield* aurora("job", "kill", "--no-batching", `${key}/${removed.join(",")}`)
        if (added.length > 0) yield* aurora("job", "add", "--wait-until", "RUNNING", `${key}/${Math.min(...kept)}`, String(added.length))
        const before: Readonly<globalThis.Record<string, string>> = Option.match(record, { onNone: () => ({}), onSome: (r) => r.containers })
        const now = hashes(request)
        const changed = o.update ? kept.filter((i) => before[String(i)] !== undefined && before[String(i)] !== now[String(i)]) : []
        if (changed.length > 0) yield* aurora("job", "restart", "--batch-size", String(changed.length), `${key}/${changed.join(",")}`)
        if (removed.length + added.length + changed.length > 0) {
          yield* Effect.logInfo(`aurora scheduler: ${key}: killed [${removed.join(",")}], added [${added.join(",")}], restarted [${changed.join(",")}]`)
        }
        yield* writeJob(ref, request, Option.flatMap(record, (r) => Option.fromNullable(r.jobUrl)))
      })

    const guarded = <A>(op: string, ref: TopologyRef, self: Effect.Effect<A, AuroraFailure>) =>
      lock.withPermits(1)(self).pipe(
        Effect.mapError((e) => new SchedulerError({ op, topology: ref.name, message: e.message, retryable: e.retryable })),
        Effect.annotateLogs({ topology: ref.name }),
        Effect.withSpan(`AuroraScheduler.${op}`)
      )
    const runningOf = (ref: TopologyRef) => Effect.map(active(keyOf(ref)), (tasks) => tasks.map((t) => t.assignedTask.instanceId))

    const service: SchedulerService = {
      schedule: (request) =>
        guarded("schedule", request.topology, Effect.gen(function*() {
          const running = yield* runningOf(request.topology)
          if (running.length === 0) return yield* create(request.topology, request)
          yield* reconcile(request.topology, request, running, { update: false })
        })),

      kill: (ref) => guarded("kill", ref, killAll(ref)),

      restart: (ref, container) =>
        guarded("restart", ref, Effect.gen(function*() {
          const running = yield* runningOf(ref)
          if (running.length === 0) return yield* new AuroraFailure({ message: `topology ${ref.name} has no running Aurora job`, retryable: false })
          const key = keyText(keyOf(ref))
          if (Option.isNone(container)) return yield* aurora("job", "restart", "--batch-size", String(running.length), key)
          if (!running.includes(container.value)) {
            return yield* new AuroraFailure({ message: `topology ${ref.name} has no container ${container.value}`, retryable: false })
          }
          yield* aurora("job", "restart", "--batch-size", "1", `${key}/${container.value}`)
        }).pipe(Effect.asVoid)),

      update: (request) =>
        guarded("update", request.topology, Effect.gen(function*() {
          const ref = request.topology
          const running = yield* runningOf(ref)
          if (running.length === 0) return yield* create(ref, request)
          const record = yield* Record.read(fs, yield* dirOf(ref)).pipe(Effect.mapError(io))
          const t = yield* Effect.mapError(template(request.containers), fixed)
          if (Option.isSome(record) && record.value.template !== templateHash(keyOf(ref), t)) {
            yield* Effect.logInfo(`aurora scheduler: the task of ${keyText(keyOf(ref))} changed: replacing the job`)
            yield* killAll(ref)
            return yield* create(ref, request)
          }
          if (Option.isNone(record)) yield* Effect.logWarning(`aurora scheduler: no record of ${ref.name} here: adopting its running instances as they are`)
          yield* reconcile(ref, request, running, { update: true })
        })),

      status: (ref) =>
        active(keyOf(ref)).pipe(
          Effect.map((tasks) => tasks.map(Status.toStatus)),
          Effect.mapError((e) => new SchedulerError({ op: "status", topology: ref.name, message: e.message, retryable: e.retryable })),
          Effect.withSpan("AuroraScheduler.status")
        ),

      jobLinks: (ref) =>
        Effect.gen(function*() {
          const key = keyOf(ref)
          if (config.schedulerUrl !== undefined) return [`${config.schedulerUrl.replace(/\/+$/, "")}/scheduler/${key.role}/${key.env}/${key.name}`]
          const record = yield* Record.read(fs, yield* dirOf(ref)).pipe(Effect.mapError(io))
          return Option.match(Option.flatMap(record, (r) => Option.fromNullable(r.jobUrl)), { onNone: () => [], onSome: (u) => [u] })
        }).pipe(
          Effect.mapError((e) => new SchedulerError({ op: "jobLinks", topology: ref.name, message: e.message, retryable: e.retryable })),
          Effect.withSpan("AuroraScheduler.jobLinks")
        )
    }
    return Scheduler.of(service)
  })

/** The `aurora` scheduler as a layer. Building it runs nothing. */
export const layer = (config: Config): Layer.Layer<Scheduler, PluginError, PluginHost | FileSystem.FileSystem | Path.Path | CommandExecutor.CommandExecutor> =>
  Layer.effect(Scheduler, make(config))
