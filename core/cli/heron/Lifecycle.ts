/**
 * `heron kill`, `activate`, `deactivate` and `restart`.
 *
 * kill, activate and deactivate write desired state (the topology's state: KILLED, RUNNING,
 * PAUSED) under the topology's lock; the runtime's supervisor (kill) or the TManager
 * (activate/deactivate) acts on it. `kill` then waits until the supervisor has stopped the
 * containers and removed the state and the package. `restart` is an action, not a state: like
 * Heron's CLI it calls the scheduler endpoint of the runtime that schedules the topology.
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Either, Option, Redacted } from "effect"
import type { ExecutionState } from "../../model/ExecutionState.js"
import type { RuntimeLocation } from "../../model/Locations.js"
import type { Topology } from "../../model/Topology.js"
import { topologyKinds, withState } from "../../runtime/Desired.js"
import type { StateManagerService } from "../../StateManager.js"
import { TrackerApi } from "../../tracker/TrackerApi.js"
import type { UploaderService } from "../../Uploader.js"
import { because, CommandError } from "./CommandError.js"
import type { Progress } from "./Progress.js"
import { formatTarget, type Target } from "./Target.js"
import * as Wait from "./Wait.js"

const readState = because("reading the state")

/** Fails unless the topology was submitted to `target`'s role and environ. */
export const checkTarget = (target: Target, name: string, execution: Option.Option<ExecutionState>): Effect.Effect<void, CommandError> => {
  if (Option.isNone(execution)) return Effect.void
  const e = execution.value
  return e.role === target.role && e.environ === target.environ
    ? Effect.void
    : Effect.fail(new CommandError({
      message: `topology ${name} runs as ${e.cluster}/${e.role}/${e.environ}, not ${formatTarget(target)}: give that target`
    }))
}

/** The topology, checked against the target; fails when it does not run. */
export const findTopology = (sm: StateManagerService, target: Target, name: string): Effect.Effect<Topology, CommandError> =>
  Effect.gen(function*() {
    const topology = yield* sm.get("topologies", name).pipe(Effect.mapError(readState))
    if (Option.isNone(topology)) {
      return yield* new CommandError({ message: `topology ${name} does not run on cluster ${target.cluster}` })
    }
    yield* checkTarget(target, name, yield* sm.get("executionstate", name).pipe(Effect.mapError(readState)))
    return topology.value
  })

/** What `heron kill` did. */
export type KillOutcome = "killed" | "removed-leftovers"

/**
 * Marks the topology KILLED and waits (up to `timeout`) until the runtime has stopped its
 * containers and removed its state and package. State left by a half-finished submit, without a
 * topology, is removed directly (nothing runs for it).
 */
export const kill = (
  sm: StateManagerService,
  uploader: UploaderService,
  target: Target,
  name: string,
  timeout: Duration.DurationInput,
  progress: Progress
): Effect.Effect<KillOutcome, CommandError> =>
  Effect.gen(function*() {
    yield* progress.step(1, 2, `marking ${name} KILLED on ${formatTarget(target)}`)
    const marked = yield* Effect.scoped(Effect.gen(function*() {
      yield* sm.lock(name, "30 seconds").pipe(Effect.mapError(because(`cannot lock ${name}`)))
      const topology = yield* sm.get("topologies", name).pipe(Effect.mapError(readState))
      if (Option.isNone(topology)) {
        const present = yield* Effect.filter(topologyKinds, (k) => Effect.map(sm.get(k, name), Option.isSome)).pipe(Effect.mapError(readState))
        if (present.length === 0) return yield* new CommandError({ message: `topology ${name} does not run on cluster ${target.cluster}` })
        yield* progress.note(`no topology, but leftover state (${present.join(", ")}): removing it`)
        yield* Effect.forEach(present, (k) => sm.delete(k, name)).pipe(Effect.mapError(because("removing leftover state")))
        yield* uploader.delete(name).pipe(Effect.mapError(because("removing the package")))
        return Option.none<string>()
      }
      yield* checkTarget(target, name, yield* sm.get("executionstate", name).pipe(Effect.mapError(readState)))
      if (topology.value.state !== "KILLED") {
        yield* sm.set("topologies", name, withState(topology.value, "KILLED")).pipe(Effect.mapError(because("writing the topology")))
      }
      return Option.some(topology.value.id)
    }))
    if (Option.isNone(marked)) return "removed-leftovers"
    const id = marked.value
    yield* progress.step(2, 2, `waiting for the runtime to stop the containers and remove the state and package (up to ${Duration.format(Duration.decode(timeout))})`)
    yield* Wait.until(
      Effect.map(sm.get("topologies", name), (t) =>
        Option.exists(t, (v) => v.id === id) ? Either.left("the containers are being stopped") : Either.right(undefined)),
      { what: `the runtime to kill ${name}`, timeout, progress }
    )
    return "killed"
  })

/** What `activate`/`deactivate` did. */
export type StateOutcome = "changed" | "unchanged"

/** Sets the topology's desired state to RUNNING (activate) or PAUSED (deactivate). */
export const setState = (
  sm: StateManagerService,
  target: Target,
  name: string,
  state: "RUNNING" | "PAUSED"
): Effect.Effect<StateOutcome, CommandError> =>
  Effect.scoped(Effect.gen(function*() {
    yield* sm.lock(name, "30 seconds").pipe(Effect.mapError(because(`cannot lock ${name}`)))
    const topology = yield* findTopology(sm, target, name)
    if (topology.state === "KILLED") return yield* new CommandError({ message: `topology ${name} is being killed` })
    if (topology.state === state) return "unchanged" as const
    yield* sm.set("topologies", name, withState(topology, state)).pipe(Effect.mapError(because("writing the topology")))
    return "changed" as const
  }))

/**
 * Restarts one container (or all) through the scheduler endpoint of the runtime scheduling the
 * topology (`schedulers/<topology>`, else the cluster's runtime).
 */
export const restart = (
  sm: StateManagerService,
  runtime: RuntimeLocation,
  target: Target,
  name: string,
  container: Option.Option<number>,
  token: Option.Option<Redacted.Redacted<string>> = Option.none()
): Effect.Effect<void, CommandError> =>
  Effect.gen(function*() {
    yield* findTopology(sm, target, name)
    const scheduler = yield* sm.get("schedulers", name).pipe(Effect.mapError(readState))
    const baseUrl = Option.match(scheduler, { onNone: () => runtime.httpEndpoint, onSome: (s) => s.httpEndpoint })
    const client = yield* HttpApiClient.make(TrackerApi, {
      baseUrl,
      transformClient: HttpClient.mapRequest((r) =>
        Option.match(token, { onNone: () => r, onSome: (t) => HttpClientRequest.bearerToken(r, Redacted.value(t)) }))
    })
    yield* client.scheduler.restart({
      payload: { cluster: target.cluster, topology: name, ...Option.match(container, { onNone: () => ({}), onSome: (c) => ({ container: c }) }) }
    }).pipe(
      Effect.catchTags({
        SchedulerNotFound: (e) => Effect.fail(new CommandError({ message: e.message })),
        SchedulerFailed: (e) => Effect.fail(new CommandError({ message: `the scheduler could not restart ${name}: ${e.message}` })),
        ApiUnauthorized: (e) => Effect.fail(new CommandError({ message: `the runtime refused the restart (pass --token or set HERON_API_TOKEN): ${e.message}` })),
        ApiForbidden: (e) => Effect.fail(new CommandError({ message: `the runtime refused the restart: ${e.message}` }))
      }),
      Effect.mapError((e) => (e instanceof CommandError ? e : new CommandError({ message: `cannot reach the runtime at ${baseUrl}: ${e.message}` })))
    )
  }).pipe(Effect.provide(FetchHttpClient.layer))
