/**
 * The runtime's control endpoints (its API server, on the paths of Heron's heron-apiserver), as
 * the UI calls them. The server's contract is `ApiServerApi` (core/api/ApiServerApi.ts); that
 * module also carries Node-only authentication code, so the browser cannot import it, and this
 * is its mirror for the verbs the UI uses (test/ui/ClientContract.test.ts keeps the two equal):
 *
 * - `POST /api/v1/topologies/{cluster}/{role}/{environ}/{name}/activate` and `.../deactivate`;
 * - `POST .../{name}/restart[?container=N]` (none: every container);
 * - `DELETE /api/v1/topologies/{cluster}/{role}/{environ}/{name}` (kill; answers once it is gone).
 *
 * Each changes the desired state exactly as the `heron` CLI verb does. With tokens configured
 * (an access token, or `api.tokens` in the cluster file) they answer 401 without
 * `Authorization: Bearer <token>`, 403 with a token of another role. Answers are read leniently:
 * any JSON on success; on failure the status and the server's `message`, as {@link ControlRefused}.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Predicate, Schema } from "effect"

/** The API server's prefix (`API_PREFIX` of core/api/ApiServerApi.ts). */
export const CONTROL_PREFIX = "/api/v1/topologies"

/** Which topology: Heron's `cluster/role/environ/name`. */
export const TopologyPath = Schema.Struct({ cluster: Schema.String, role: Schema.String, environ: Schema.String, name: Schema.String })
export type TopologyPath = typeof TopologyPath.Type

/** The runtime refused or failed a control request; `status` is the HTTP status. */
export class ControlRefused extends Schema.TaggedError<ControlRefused>()("ControlRefused", {
  status: Schema.Number,
  message: Schema.String
}) {}

const fallbackMessages: Readonly<Record<number, string>> = {
  400: "the request was refused as malformed",
  401: "this runtime requires an access token",
  403: "the access token does not act for this topology's role",
  404: "no such topology under this role and environ",
  409: "the topology's state does not allow this now",
  500: "the runtime failed to carry it out"
}

/** The server's `message` (its failures are `{_tag, message}`), else a default for the status. */
const messageOf = (body: unknown, status: number): string =>
  Predicate.hasProperty(body, "message") && typeof body.message === "string" && body.message !== ""
    ? body.message
    : fallbackMessages[status] ?? `HTTP ${status}`

const refusal = (status: number) =>
  Schema.transform(Schema.Unknown, Schema.typeSchema(ControlRefused), {
    strict: true,
    decode: (body) => new ControlRefused({ status, message: messageOf(body, status) }),
    encode: (e) => ({ _tag: "ControlRefused", message: e.message })
  })

/** What the server says when it carried the request out (`{message, ...}`). */
export const Done = Schema.Unknown

/** The `message` of a success, if it sent one. */
export const doneMessage = (body: unknown): string | undefined =>
  Predicate.hasProperty(body, "message") && typeof body.message === "string" ? body.message : undefined

const verb = <const Name extends string>(name: Name) =>
  HttpApiEndpoint.post(name, `${CONTROL_PREFIX}/:cluster/:role/:environ/:name/${name}`)
    .setPath(TopologyPath)
    .addSuccess(Done)
    .addError(refusal(400), { status: 400 })
    .addError(refusal(401), { status: 401 })
    .addError(refusal(403), { status: 403 })
    .addError(refusal(404), { status: 404 })
    .addError(refusal(409), { status: 409 })
    .addError(refusal(500), { status: 500 })

/** `?container=N`; none: every container. */
export const RestartParams = Schema.Struct({ container: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative())) })

/** `?timeout=s`: how long the server waits for the outcome. */
export const WaitParams = Schema.Struct({ timeout: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 600))) })

export class ControlApi extends HttpApi.make("control").add(
  HttpApiGroup.make("topology", { topLevel: true })
    .add(verb("activate"))
    .add(verb("deactivate"))
    .add(verb("restart").setUrlParams(RestartParams))
    .add(
      HttpApiEndpoint.del("kill", `${CONTROL_PREFIX}/:cluster/:role/:environ/:name`)
        .setPath(TopologyPath)
        .setUrlParams(WaitParams)
        .addSuccess(Done)
        .addError(refusal(400), { status: 400 })
        .addError(refusal(401), { status: 401 })
        .addError(refusal(403), { status: 403 })
        .addError(refusal(404), { status: 404 })
        .addError(refusal(409), { status: 409 })
        .addError(refusal(500), { status: 500 })
    )
) {}
