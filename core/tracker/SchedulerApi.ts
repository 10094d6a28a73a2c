/**
 * The runtime's scheduler endpoints (after Heron's scheduler HTTP server, which `heron restart`
 * calls): `POST /scheduler/restart` restarts one container or all, `GET /scheduler/status` says
 * what the cluster's scheduler runs for a topology. Plain JSON, no Tracker envelope. Restart is an
 * action, so it follows the API server's rule (`core/api/ApiAuth.ts`) for the topology's role:
 * with tokens configured, it needs one (401 without, 403 for another role). Desired-state
 * verbs (kill, activate, deactivate, update) go through the state manager instead.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { ApiForbidden, ApiUnauthorized } from "../api/ApiErrors.js"
import { ContainerStatus } from "../Scheduler.js"

/** Unknown cluster or topology, or no such container. */
export class SchedulerNotFound extends Schema.TaggedError<SchedulerNotFound>()(
  "SchedulerNotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** The scheduler (or the state manager) failed the operation; `message` says why. */
export class SchedulerFailed extends Schema.TaggedError<SchedulerFailed>()(
  "SchedulerFailed",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 500 })
) {}

/** `POST /scheduler/restart` body: no `container` restarts every container (Heron's `-1`). */
export const RestartRequest = Schema.Struct({
  cluster: Schema.String,
  topology: Schema.String,
  container: Schema.optional(Schema.Int.pipe(Schema.nonNegative()))
})
export type RestartRequest = typeof RestartRequest.Type

/** `POST /scheduler/restart` answer. */
export const RestartResult = Schema.Struct({
  topology: Schema.String,
  /** The container restarted, or `"all"`. */
  restarted: Schema.Union(Schema.Int, Schema.Literal("all"))
})

/** `GET /scheduler/status?cluster=&topology=`. */
export const StatusParams = Schema.Struct({ cluster: Schema.String, topology: Schema.String })

/** What the scheduler says of each container (the local scheduler's handle is `pid@starttime`). */
export const StatusResult = Schema.Struct({
  topology: Schema.String,
  containers: Schema.Array(ContainerStatus)
})

/** The scheduler endpoint group of the runtime's HTTP API. */
export class SchedulerApi extends HttpApiGroup.make("scheduler")
  .add(
    HttpApiEndpoint.post("restart", "/scheduler/restart")
      .setPayload(RestartRequest)
      .addSuccess(RestartResult)
      .addError(SchedulerNotFound)
      .addError(SchedulerFailed)
      .addError(ApiUnauthorized)
      .addError(ApiForbidden)
  )
  .add(
    HttpApiEndpoint.get("status", "/scheduler/status")
      .setUrlParams(StatusParams)
      .addSuccess(StatusResult)
      .addError(SchedulerNotFound)
      .addError(SchedulerFailed)
  )
{}
