/**
 * Who may call the API server: {@link decide} applies the rule of `ApiSettings` to one request's
 * cluster, role and `Authorization` header; {@link ApiAuthentication} is the HttpApi middleware
 * that runs it before the request's body is read, and provides the {@link ApiCaller}.
 *
 * - no token (or a malformed header), an unknown token, or a closed server → 401, with
 *   `WWW-Authenticate: Bearer` ({@link challenge});
 * - a valid token that acts for another role or cluster → 403;
 * - the access token acts for every role of every cluster.
 *
 * Tokens are matched by their SHA-256 digest (never compared byte by byte), and never logged nor
 * echoed.
 */
import { HttpApiBuilder, HttpApiMiddleware, HttpApiSecurity, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Cause, Context, Data, Effect, Layer, Option, Redacted, Schema } from "effect"
import { createHash } from "node:crypto"
import { ApiForbidden, ApiUnauthorized } from "./ApiErrors.js"
import { ApiSettings, type ApiSettingsValue, mode } from "./ApiSettings.js"

/** Who made a request, for the logs. */
export interface Caller {
  /** `role alice`, `the access token`, `a local request`. */
  readonly label: string
  /** The bearer token the request was allowed with, forwarded when the action is the runtime's
   * that schedules the topology (`/scheduler/restart`); none for an open local request. */
  readonly credential: Option.Option<Redacted.Redacted<string>>
}

/** The caller of the current request (provided by {@link ApiAuthentication}). */
export class ApiCaller extends Context.Tag("heron/api/ApiCaller")<ApiCaller, Caller>() {}

/** What {@link decide} says of a request. */
export type Decision = Data.TaggedEnum<{
  Allow: { readonly caller: Caller }
  Unauthorized: { readonly message: string }
  Forbidden: { readonly message: string }
}>
const Decision = Data.taggedEnum<Decision>()

const digest = (s: string): string => createHash("sha256").update(s).digest("hex")

/** What a request addresses and the `Authorization` header it sent. */
export interface AuthRequest {
  readonly cluster: string
  readonly role: string
  readonly authorization: string | undefined
}

/**
 * The API server's rule (see `ApiSettings`) for `settings`, as a function of one request. Tokens
 * are indexed once by their SHA-256 digest, so a request costs one hash whatever the number of
 * roles, and a lookup never compares the secrets themselves byte by byte.
 */
export const decider = (settings: ApiSettingsValue): (request: AuthRequest) => Decision => {
  const current = mode(settings)
  const access = Option.map(settings.accessToken, (t) => digest(Redacted.value(t)))
  const owners = new Map<string, ReadonlyArray<{ readonly cluster: string; readonly role: string }>>()
  for (const c of settings.clusters) {
    for (const [role, t] of Object.entries(c.tokens)) {
      const key = digest(Redacted.value(t))
      owners.set(key, [...(owners.get(key) ?? []), { cluster: c.name, role }])
    }
  }
  return (request) => {
    switch (current) {
      case "closed":
        return Decision.Unauthorized({
          message: "the API server is closed: the runtime listens beyond 127.0.0.1 and has no token " +
            "(set api.tokens in the cluster file, or start heron-runtime with an access token)"
        })
      case "open-local":
        return Decision.Allow({ caller: { label: "a local request", credential: Option.none() } })
      case "tokens":
        break
    }
    const header = (request.authorization ?? "").trim()
    const wanted = `a token of role ${request.role} from api.tokens of cluster ${request.cluster}, or the runtime's access token`
    if (header === "") return Decision.Unauthorized({ message: `missing bearer token: send "Authorization: Bearer <token>" with ${wanted}` })
    const token = /^Bearer +(\S+)$/i.exec(header)?.[1]
    if (token === undefined) return Decision.Unauthorized({ message: `malformed Authorization header: expected "Bearer <token>" with ${wanted}` })
    const given = digest(token)
    const credential = Option.some(Redacted.make(token))
    if (Option.exists(access, (a) => a === given)) return Decision.Allow({ caller: { label: "the access token", credential } })
    const found = owners.get(given) ?? []
    const here = found.find((o) => o.cluster === request.cluster)
    if (here !== undefined && here.role === request.role) return Decision.Allow({ caller: { label: `role ${here.role}`, credential } })
    if (here !== undefined) {
      return Decision.Forbidden({ message: `this token acts for role ${here.role} of cluster ${request.cluster}, not for role ${request.role}` })
    }
    const elsewhere = found[0]
    if (elsewhere !== undefined) return Decision.Forbidden({ message: `this token acts for cluster ${elsewhere.cluster} only, not for cluster ${request.cluster}` })
    return Decision.Unauthorized({ message: `invalid bearer token: expected ${wanted}` })
  }
}

/** {@link decider} for one request (tests, one-off checks). */
export const decide = (settings: ApiSettingsValue, request: AuthRequest): Decision => decider(settings)(request)

/** The API server's authentication: a bearer token, checked by {@link decide}. */
export class ApiAuthentication extends HttpApiMiddleware.Tag<ApiAuthentication>()("heron/api/ApiAuthentication", {
  failure: Schema.Union(ApiUnauthorized, ApiForbidden),
  provides: ApiCaller,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** {@link ApiAuthentication} with the settings of the enclosing `ApiSettings`. */
export const layer: Layer.Layer<ApiAuthentication> = Layer.effect(
  ApiAuthentication,
  Effect.map(ApiSettings, (settings) => {
    const decide = decider(settings)
    return {
      // The header is read whole (not the decoded token) so that a malformed one is named as such.
      bearer: () =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const route = yield* HttpRouter.RouteContext
          const decision = decide({
            cluster: route.params["cluster"] ?? "",
            role: route.params["role"] ?? "",
            authorization: request.headers["authorization"]
          })
          switch (decision._tag) {
            case "Allow":
              return decision.caller
            case "Unauthorized":
              return yield* new ApiUnauthorized({ message: decision.message })
            case "Forbidden":
              return yield* new ApiForbidden({ message: decision.message })
          }
        })
    }
  })
)

/** Answers {@link ApiUnauthorized} with `WWW-Authenticate: Bearer` (RFC 6750), which an error
 * schema cannot add; the body is the error as the API encodes it. */
export const challenge: Layer.Layer<never> = HttpApiBuilder.middleware((app) =>
  Effect.catchAllCause(app, (cause) => {
    const failure: unknown = Option.getOrUndefined(Cause.failureOption(cause))
    return failure instanceof ApiUnauthorized
      ? Effect.succeed(HttpServerResponse.unsafeJson(
        { _tag: "ApiUnauthorized", message: failure.message },
        { status: 401, headers: { "www-authenticate": 'Bearer realm="heron"' } }
      ))
      : Effect.failCause(cause)
  }))
