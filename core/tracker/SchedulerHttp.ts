/**
 * Handlers of {@link SchedulerApi}: find the cluster and the topology, then ask the cluster's
 * scheduler. Messages are redacted like every other answer of the runtime.
 */
import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect, Option } from "effect"
import { decider } from "../api/ApiAuth.js"
import { ApiForbidden, ApiUnauthorized } from "../api/ApiErrors.js"
import { ApiSettings } from "../api/ApiSettings.js"
import { Clusters, type ClusterServices } from "../Clusters.js"
import { Redactor } from "../Redactor.js"
import { topologyRef } from "../runtime/Desired.js"
import type { TopologyRef } from "../Scheduler.js"
import { SchedulerFailed, SchedulerNotFound } from "./SchedulerApi.js"
import { TrackerApi } from "./TrackerApi.js"

/** The handlers of the `scheduler` group; reads `Clusters`, redacts with `Redactor`. */
export const SchedulerHttp = HttpApiBuilder.group(TrackerApi, "scheduler", (handlers) =>
  Effect.gen(function*() {
    const clusters = yield* Clusters
    const redactor = yield* Redactor
    const decide = decider(yield* ApiSettings)
    const failed = (message: string) => Effect.flatMap(redactor.redact(message), (m) => Effect.fail(new SchedulerFailed({ message: m })))
    const notFound = (message: string) => Effect.flatMap(redactor.redact(message), (m) => Effect.fail(new SchedulerNotFound({ message: m })))

    /** The cluster's services and how its scheduler knows the topology. */
    const locate = (cluster: string, topology: string): Effect.Effect<readonly [ClusterServices, TopologyRef], SchedulerNotFound | SchedulerFailed> =>
      Effect.gen(function*() {
        const c = clusters.get(cluster)
        if (Option.isNone(c)) return yield* notFound(`this runtime does not serve cluster ${cluster}`)
        const sm = c.value.stateManager
        const read = <A>(e: Effect.Effect<A, { readonly message: string }>) => Effect.catchAll(e, (err) => failed(err.message))
        const t = yield* read(sm.get("topologies", topology))
        if (Option.isNone(t)) return yield* notFound(`topology ${topology} does not run on cluster ${cluster}`)
        const exec = yield* read(sm.get("executionstate", topology))
        return [c.value, topologyRef(cluster, t.value, Option.getOrUndefined(exec))] as const
      })

    return handlers
      .handle("restart", ({ payload }) =>
        Effect.gen(function*() {
          const [c, ref] = yield* locate(payload.cluster, payload.topology)
          const request = yield* HttpServerRequest.HttpServerRequest
          const decision = decide({ cluster: c.name, role: ref.role, authorization: request.headers["authorization"] })
          if (decision._tag === "Unauthorized") return yield* new ApiUnauthorized({ message: decision.message })
          if (decision._tag === "Forbidden") return yield* new ApiForbidden({ message: decision.message })
          const container = Option.fromNullable(payload.container)
          yield* Effect.logInfo(`restarting ${Option.match(container, { onNone: () => "every container", onSome: (i) => `container ${i}` })}`).pipe(
            Effect.annotateLogs({ cluster: c.name, topology: ref.name })
          )
          yield* c.scheduler.restart(ref, container).pipe(Effect.catchAll((e) => failed(e.message)))
          return { topology: ref.name, restarted: Option.getOrElse(container, () => "all" as const) }
        }))
      .handle("status", ({ urlParams }) =>
        Effect.gen(function*() {
          const [c, ref] = yield* locate(urlParams.cluster, urlParams.topology)
          const containers = yield* c.scheduler.status(ref).pipe(Effect.catchAll((e) => failed(e.message)))
          return { topology: ref.name, containers }
        }))
  }))
