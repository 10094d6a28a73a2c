/**
 * The `yarn` scheduler: one YARN application per topology, submitted through the ResourceManager's
 * REST API, whose application master (Hadoop's DistributedShell, see `internal/Launch.ts`) runs
 * one YARN container per Heron container and has the NodeManager relaunch a container that exits.
 *
 * The scheduler keeps no state of its own: it finds a topology's applications by their tags
 * (`internal/Submission.ts`), so a restarted runtime adopts what runs. YARN's REST API cannot act
 * on one container of an application, so `restart` (of one container or all) and an `update` that
 * changes anything kill the application and submit it again; `status` reports every container
 * with the application's state.
 */
import { FetchHttpClient } from "@effect/platform"
import { Clock, Data, Effect, HashMap, Layer, Option, Ref } from "effect"
import type { PluginError } from "../../../core/Plugin.js"
import {
  ContainerStatus,
  type LaunchRequest,
  Scheduler,
  SchedulerError,
  type SchedulerService,
  type TopologyRef
} from "../../../core/Scheduler.js"
import type { Config } from "./Config.js"
import type { LaunchFailure } from "./internal/Launch.js"
import * as RmClient from "./internal/RmClient.js"
import { fingerprint, readTags, requestedSizes, submissionContext, topologyTag } from "./internal/Submission.js"

/** A failed step, with whether the supervisor should retry it. */
class YarnFailure extends Data.TaggedError("YarnFailure")<{ readonly message: string; readonly retryable: boolean }> {}

const fromRm = (e: RmClient.RmError) => new YarnFailure({ message: e.text, retryable: e.retryable })
const fromLaunch = (e: LaunchFailure) => new YarnFailure({ message: e.message, retryable: false })

const keyOf = (ref: TopologyRef) => `${ref.cluster}/${ref.role}/${ref.environ}/${ref.name}`
const over = (state: RmClient.AppStateName) => !RmClient.liveStates.includes(state)

/** Builds the service over a ResourceManager client. */
export const make = (config: Config) =>
  Effect.gen(function*() {
    const rm = yield* RmClient.make({
      baseUrl: config.resourceManager,
      delegationToken: Option.fromNullable(config.delegationToken),
      requestTimeoutMs: config.requestTimeoutMs
    })
    /** The last launch request of each topology: what `restart` submits again. */
    const requests = yield* Ref.make(HashMap.empty<string, LaunchRequest>())
    const lock = yield* Effect.makeSemaphore(1)
    const userOf = (ref: TopologyRef) => config.user ?? ref.role

    /** The topology's applications (live ones only, or all), newest first. */
    const applications = (ref: TopologyRef, live: boolean) => {
      const tag = topologyTag(ref)
      return rm.list(userOf(ref), {
        applicationTypes: config.applicationType,
        applicationTags: tag,
        ...(live ? { states: RmClient.liveStates } : {})
      }).pipe(
        Effect.map((apps) =>
          apps
            .filter((a) => a.name === ref.name && (a.applicationTags ?? "").split(",").includes(tag))
            .sort((a, b) => Number(b.startedTime ?? 0) - Number(a.startedTime ?? 0) || (a.id < b.id ? 1 : -1))
        ),
        Effect.mapError(fromRm)
      )
    }

    /** Polls the application's state until `done` holds or `timeoutMs` passes. */
    const waitState = (user: string, id: string, done: (s: RmClient.AppStateName) => boolean, timeoutMs: number, what: string) =>
      Effect.gen(function*() {
        const deadline = (yield* Clock.currentTimeMillis) + timeoutMs
        while (true) {
          const state = yield* rm.state(user, id).pipe(Effect.mapError(fromRm))
          if (done(state)) return state
          if ((yield* Clock.currentTimeMillis) > deadline) {
            return yield* new YarnFailure({ message: `application ${id} is still ${state} after ${timeoutMs} ms (${what})`, retryable: true })
          }
          yield* Effect.sleep(config.pollIntervalMs)
        }
      })

    /** Kills one application and waits until YARN says it is over. */
    const killApp = (user: string, id: string) =>
      Effect.gen(function*() {
        const reported = yield* rm.kill(user, id).pipe(Effect.mapError(fromRm))
        if (!over(reported)) yield* waitState(user, id, over, config.killTimeoutMs, "waiting for KILLED")
        yield* Effect.logInfo(`yarn scheduler: killed application ${id}`)
      })

    /** New application, checks against the cluster's largest container, submit, wait until YARN's
     * scheduler accepted it (an unknown queue or a refused master shows up here). */
    const submit = (request: LaunchRequest, restarts: number) =>
      Effect.gen(function*() {
        const user = userOf(request.topology)
        const app = yield* rm.newApplication(user).pipe(Effect.mapError(fromRm))
        const sizes = requestedSizes(config, request)
        for (const [what, size] of [["the application master", sizes.am], ["each Heron container", sizes.container]] as const) {
          if (size.memoryMb > app.maxMemoryMb || size.vcores > app.maxVcores) {
            return yield* new YarnFailure({
              message: `${what} needs ${size.memoryMb} MB and ${size.vcores} vcores; the largest YARN container of this cluster is ${app.maxMemoryMb} MB and ${app.maxVcores} vcores`,
              retryable: false
            })
          }
        }
        const context = yield* Effect.mapError(submissionContext(config, request, { applicationId: app.id, restarts }), fromLaunch)
        yield* rm.submit(user, context).pipe(Effect.mapError(fromRm))
        yield* Effect.logInfo(`yarn scheduler: submitted ${request.topology.name} as ${app.id} (${request.containers.length} container(s), queue ${config.queue})`)
        const state = yield* waitState(user, app.id, (s) => s === "ACCEPTED" || s === "RUNNING" || over(s), config.submitTimeoutMs, "waiting for ACCEPTED")
        if (over(state)) {
          const info = yield* rm.app(user, app.id).pipe(Effect.mapError(fromRm))
          return yield* new YarnFailure({
            message: `application ${app.id} ended ${state} right after its submission${info.diagnostics === undefined || info.diagnostics === "" ? "" : `: ${info.diagnostics}`}`,
            retryable: false
          })
        }
      })

    const remember = (request: LaunchRequest) => Ref.update(requests, HashMap.set(keyOf(request.topology), request))

    const toError = (op: string, ref: TopologyRef) => (e: YarnFailure) =>
      new SchedulerError({ op, topology: ref.name, message: e.message, retryable: e.retryable })

    /** Runs a mutating operation alone, with its errors as `SchedulerError`s. */
    const guarded = <A>(op: string, ref: TopologyRef, self: Effect.Effect<A, YarnFailure>) =>
      lock.withPermits(1)(self).pipe(
        Effect.mapError(toError(op, ref)),
        Effect.annotateLogs({ topology: ref.name }),
        Effect.withSpan(`YarnScheduler.${op}`)
      )

    /** Kills every live application but the newest (left by an interrupted resubmission). */
    const dropDuplicates = (ref: TopologyRef, live: ReadonlyArray<RmClient.AppInfo>) =>
      Effect.forEach(live.slice(1), (a) => killApp(userOf(ref), a.id), { discard: true })

    const service: SchedulerService = {
      schedule: (request) =>
        guarded("schedule", request.topology, Effect.gen(function*() {
          const live = yield* applications(request.topology, true)
          const newest = live[0]
          if (newest === undefined) yield* submit(request, 0)
          else {
            yield* dropDuplicates(request.topology, live)
            yield* Effect.logInfo(`yarn scheduler: ${request.topology.name} already runs as ${newest.id}: adopted`)
          }
          yield* remember(request)
        })),

      kill: (ref) =>
        guarded("kill", ref, Effect.gen(function*() {
          const live = yield* applications(ref, true)
          yield* Effect.forEach(live, (a) => killApp(userOf(ref), a.id), { discard: true })
          yield* Ref.update(requests, HashMap.remove(keyOf(ref)))
        })),

      restart: (ref, container) =>
        guarded("restart", ref, Effect.gen(function*() {
          const live = yield* applications(ref, true)
          const newest = live[0]
          if (newest === undefined) return yield* new YarnFailure({ message: `topology ${ref.name} has no live YARN application`, retryable: false })
          const tags = readTags(newest.applicationTags)
          if (Option.isSome(container) && !tags.containers.includes(container.value)) {
            return yield* new YarnFailure({ message: `topology ${ref.name} has no container ${container.value}`, retryable: false })
          }
          const request = yield* Ref.get(requests).pipe(Effect.map(HashMap.get(keyOf(ref))))
          if (Option.isNone(request)) {
            return yield* new YarnFailure({ message: `the launch request of ${ref.name} is not known to this runtime yet (its supervisor hands it over when it adopts the topology)`, retryable: true })
          }
          // YARN's REST API cannot restart one container: the whole application is resubmitted.
          yield* Effect.forEach(live, (a) => killApp(userOf(ref), a.id), { discard: true })
          yield* submit(request.value, tags.restarts + 1)
        })),

      update: (request) =>
        guarded("update", request.topology, Effect.gen(function*() {
          const live = yield* applications(request.topology, true)
          const newest = live[0]
          if (newest === undefined) yield* submit(request, 0)
          else {
            yield* dropDuplicates(request.topology, live)
            const tags = readTags(newest.applicationTags)
            if (tags.launch !== fingerprint(request)) {
              yield* Effect.logInfo(`yarn scheduler: the launch of ${request.topology.name} changed: resubmitting ${newest.id}`)
              yield* killApp(userOf(request.topology), newest.id)
              yield* submit(request, tags.restarts + 1)
            }
          }
          yield* remember(request)
        })),

      status: (ref) =>
        applications(ref, false).pipe(
          Effect.map((apps) => {
            const newest = apps[0]
            if (newest === undefined || newest.state === "KILLED") return []
            const tags = readTags(newest.applicationTags)
            const running = Number(newest.runningContainers ?? 0)
            // The master's container counts too; YARN does not say which Heron container is which.
            const allocated = newest.state !== "RUNNING" || newest.runningContainers === undefined || running - 1 >= tags.containers.length
            const state: ContainerStatus["state"] = newest.state === "RUNNING"
              ? (allocated ? "running" : "unknown")
              : newest.state === "FINISHED" ? "exited" : newest.state === "FAILED" ? "failed" : "pending"
            const message = newest.state === "RUNNING"
              ? (allocated ? undefined : `${Math.max(0, running - 1)} of ${tags.containers.length} YARN containers run; YARN does not say which`)
              : newest.diagnostics === undefined || newest.diagnostics === "" ? `application ${newest.state}` : newest.diagnostics
            return tags.containers.map((index) =>
              new ContainerStatus({
                index,
                state,
                handle: `${newest.id}#${index}`,
                restarts: tags.restarts,
                ...(message === undefined ? {} : { message })
              })
            )
          }),
          Effect.mapError(toError("status", ref)),
          Effect.withSpan("YarnScheduler.status")
        ),

      jobLinks: (ref) =>
        applications(ref, false).pipe(
          Effect.map((apps) => {
            const newest = apps[0]
            if (newest === undefined) return []
            const links = [newest.trackingUrl, rm.appPage(newest.id), newest.amContainerLogs]
              .filter((l): l is string => l !== undefined && /^https?:\/\//.test(l))
            return [...new Set(links)]
          }),
          Effect.mapError(toError("jobLinks", ref)),
          Effect.withSpan("YarnScheduler.jobLinks")
        )
    }
    return Scheduler.of(service)
  })

/** The `yarn` scheduler as a layer (HTTP through `fetch`). Building it contacts nothing. */
export const layer = (config: Config): Layer.Layer<Scheduler, PluginError> =>
  Layer.effect(Scheduler, make(config)).pipe(Layer.provide(FetchHttpClient.layer))
