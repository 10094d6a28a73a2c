/**
 * The contract of the runtime's API server, on the paths of Heron's heron-apiserver, so that
 * `heron --service-url URL <verb>` (and the UI's controls) act on topologies without reaching the
 * cluster's state manager or uploader:
 *
 * | verb | request |
 * |---|---|
 * | submit | `POST /api/v1/topologies/{cluster}/{role}/{environ}`, multipart: `name`, `definition` (JSON), `topology` (the package, `topology.tar.gz`); optional `config_property` (`key=value`, repeatable), `deploy_deactivated`, `user`, `timeout` (seconds), `dry_run` |
 * | list | `GET /api/v1/topologies/{cluster}/{role}/{environ}`: the role's topologies there |
 * | kill | `DELETE /api/v1/topologies/{cluster}/{role}/{environ}/{name}[?timeout=s]` |
 * | activate, deactivate | `POST .../{name}/activate`, `POST .../{name}/deactivate` |
 * | restart | `POST .../{name}/restart[?container=N]` (Heron's `container_id` too; none or -1: all) |
 * | update | `POST .../{name}/update[?timeout=s]`, JSON or form: `component_parallelism` (`name:n`, repeatable), `container_number`, `dry_run` |
 *
 * Every endpoint needs a bearer token (see `ApiAuth`); each changes the desired state exactly as
 * the CLI verb of the same name does, and answers once the CLI would have returned (a submit when
 * the topology runs, a kill when it is gone). Answers are JSON with a `message`; failures are
 * `{_tag, message}` with the statuses of `ApiErrors`.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, Multipart } from "@effect/platform"
import { Schema } from "effect"
import { PackingPlan } from "../model/PackingPlan.js"
import { ApiAuthentication } from "./ApiAuth.js"
import { ApiBadRequest, ApiConflict, ApiFailed, ApiNotFound } from "./ApiErrors.js"

/** Where the API server's routes live. */
export const API_PREFIX = "/api/v1/topologies"

const Segment = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  message: () => "letters, digits, '.', '_' and '-', starting with a letter or digit"
}))

/** `{cluster}/{role}/{environ}`. */
export const TargetPath = Schema.Struct({ cluster: Segment, role: Segment, environ: Segment })
/** `{cluster}/{role}/{environ}/{name}`. */
export const TopologyPath = Schema.Struct({ ...TargetPath.fields, name: Segment })

const Target = { cluster: Schema.String, role: Schema.String, environ: Schema.String }
const Seconds = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 600))

/** `?timeout=s`: how long the server waits for the outcome (default 60 s, at most 600). */
export const WaitParams = Schema.Struct({ timeout: Schema.optional(Seconds) })

/** `?container=N` or Heron's `?container_id=N`; none or -1 restarts every container. */
export const RestartParams = Schema.Struct({
  container: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(-1))),
  container_id: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.greaterThanOrEqualTo(-1)))
})

/** The submit form, as documented; the server reads it itself to answer malformed or oversized
 * forms with 400 and a reason. */
export const SubmitForm = HttpApiSchema.Multipart(Schema.Struct({
  name: Schema.String,
  definition: Schema.String,
  topology: Multipart.SingleFileSchema,
  config_property: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String))),
  deploy_deactivated: Schema.optional(Schema.String),
  user: Schema.optional(Schema.String),
  timeout: Schema.optional(Schema.String),
  dry_run: Schema.optional(Schema.String)
}))

const Flag = Schema.Union(Schema.Boolean, Schema.transform(Schema.Literal("true", "false", "1", "0", ""), Schema.Boolean, {
  strict: true,
  decode: (s) => s === "true" || s === "1" || s === "",
  encode: (b) => (b ? "true" : "false")
}))

/** The update request (JSON, or the same keys as a form). */
export const UpdateRequest = Schema.Struct({
  component_parallelism: Schema.optional(Schema.Union(
    Schema.Array(Schema.String),
    Schema.transform(Schema.String, Schema.Array(Schema.String), { strict: true, decode: (s) => [s], encode: (a) => a.join(",") })
  )),
  container_number: Schema.optional(Schema.Union(Schema.Int, Schema.NumberFromString.pipe(Schema.int())).pipe(Schema.greaterThanOrEqualTo(1))),
  dry_run: Schema.optional(Flag)
})
export type UpdateRequest = typeof UpdateRequest.Type

/** A submit's outcome (201): the topology runs (or was deployed deactivated). */
export const Submitted = Schema.Struct({
  message: Schema.String,
  ...Target,
  name: Schema.String,
  id: Schema.String,
  state: Schema.Literal("RUNNING", "PAUSED"),
  packageUri: Schema.String,
  containers: Schema.Int,
  instances: Schema.Int
})
export type Submitted = typeof Submitted.Type

/** A submit with `dry_run` (200): the packing plan, nothing written. */
export const DryRun = Schema.Struct({ message: Schema.String, name: Schema.String, packingPlan: PackingPlan })

/** `GET` of a role and environ: its topologies' names. */
export const Listed = Schema.Struct({ ...Target, topologies: Schema.Array(Schema.String) })

/** kill: the topology is gone, or only leftover state was removed. */
export const Killed = Schema.Struct({ message: Schema.String, ...Target, name: Schema.String, outcome: Schema.Literal("killed", "removed-leftovers") })

/** activate / deactivate. */
export const StateChanged = Schema.Struct({
  message: Schema.String,
  ...Target,
  name: Schema.String,
  state: Schema.Literal("RUNNING", "PAUSED"),
  changed: Schema.Boolean
})

/** restart. */
export const Restarted = Schema.Struct({ message: Schema.String, ...Target, name: Schema.String, restarted: Schema.Union(Schema.Int, Schema.Literal("all")) })

/** update (also its dry run): the new packing plan. */
export const Updated = Schema.Struct({
  message: Schema.String,
  ...Target,
  name: Schema.String,
  changed: Schema.Boolean,
  dryRun: Schema.Boolean,
  containers: Schema.Int,
  instances: Schema.Int,
  packingPlan: PackingPlan
})

const topologyVerb = <const Name extends string>(name: Name) =>
  HttpApiEndpoint.post(name, `/:cluster/:role/:environ/:name/${name}`).setPath(TopologyPath)

/** The API server's endpoint group (registered in `TrackerApi`). */
export class ApiServerApi extends HttpApiGroup.make("apiserver")
  .add(
    HttpApiEndpoint.post("submit", "/:cluster/:role/:environ")
      .setPath(TargetPath)
      .setPayload(SubmitForm)
      .addSuccess(Submitted, { status: 201 })
      .addSuccess(DryRun)
      .addError(ApiConflict)
  )
  .add(HttpApiEndpoint.get("list", "/:cluster/:role/:environ").setPath(TargetPath).addSuccess(Listed))
  .add(HttpApiEndpoint.del("kill", "/:cluster/:role/:environ/:name").setPath(TopologyPath).setUrlParams(WaitParams).addSuccess(Killed))
  .add(topologyVerb("activate").addSuccess(StateChanged).addError(ApiConflict))
  .add(topologyVerb("deactivate").addSuccess(StateChanged).addError(ApiConflict))
  .add(topologyVerb("restart").setUrlParams(RestartParams).addSuccess(Restarted))
  .add(topologyVerb("update").setUrlParams(WaitParams).setPayload(UpdateRequest).addSuccess(Updated).addError(ApiConflict))
  .addError(ApiBadRequest)
  .addError(ApiNotFound)
  .addError(ApiFailed)
  .middleware(ApiAuthentication)
  .prefix(API_PREFIX)
{}
