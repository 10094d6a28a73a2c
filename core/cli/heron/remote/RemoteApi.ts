/**
 * The verbs of `heron --service-url URL`: the API server's endpoints through a typed client, with
 * the bearer token (`--token` or `HERON_API_TOKEN`) on every request. Nothing of the cluster is
 * loaded: no cluster file, no state manager, no uploader.
 */
import { HttpApi, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Option, Redacted } from "effect"
import { ApiServerApi } from "../../../api/ApiServerApi.js"
import type { PackingPlan } from "../../../model/PackingPlan.js"
import { isValidTopologyName } from "../../../internal/topologyName.js"
import { CommandError } from "../CommandError.js"
import type { KillOutcome, StateOutcome } from "../Lifecycle.js"
import type { Target } from "../Target.js"
import { checkWait, refusal, unreachable } from "./Refusal.js"

/** The API server's group alone: what a remote CLI talks to. */
export class RemoteApiSpec extends HttpApi.make("heron-apiserver").add(ApiServerApi) {}

/** Where the API server is, and the token to send. */
export interface Service {
  /** The base URL, without a trailing `/`. */
  readonly url: string
  readonly token: Option.Option<Redacted.Redacted<string>>
}

/** What `update` asks. */
export interface RemoteUpdate {
  /** `component:n` pairs, as given on the command line. */
  readonly parallelism: ReadonlyArray<string>
  readonly containers: Option.Option<number>
  readonly dryRun: boolean
  readonly timeoutSecs: number
}

/** The remote verbs; every failure is a one-line `CommandError`. */
export interface RemoteApi {
  readonly service: Service
  /** The role's topologies in an environ; also checks the token before a long upload. */
  readonly list: (t: Target) => Effect.Effect<ReadonlyArray<string>, CommandError>
  readonly kill: (t: Target, name: string, timeoutSecs: number) => Effect.Effect<KillOutcome, CommandError>
  readonly setState: (t: Target, name: string, state: "RUNNING" | "PAUSED") => Effect.Effect<StateOutcome, CommandError>
  readonly restart: (t: Target, name: string, container: Option.Option<number>) => Effect.Effect<void, CommandError>
  readonly update: (t: Target, name: string, u: RemoteUpdate) => Effect.Effect<{ readonly changed: boolean; readonly packingPlan: PackingPlan }, CommandError>
}

/** Adds the bearer token, if any, to a request. */
export const authorize = (token: Option.Option<Redacted.Redacted<string>>) => (request: HttpClientRequest.HttpClientRequest) =>
  Option.match(token, { onNone: () => request, onSome: (t) => HttpClientRequest.bearerToken(request, Redacted.value(t)) })

/** The remote verbs against `service`. */
export const make = (service: Service): Effect.Effect<RemoteApi, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* HttpApiClient.make(RemoteApiSpec, {
      baseUrl: service.url,
      transformClient: HttpClient.mapRequest(authorize(service.token))
    })
    const refused = refusal(service.url, Option.isSome(service.token))
    const call = <A, E extends { readonly _tag: string; readonly message: string }>(e: Effect.Effect<A, E>): Effect.Effect<A, CommandError> =>
      Effect.mapError(e, (err) =>
        err._tag === "RequestError" ? unreachable(service.url, err.message)
        : err._tag === "ResponseError" || err._tag === "ParseError" ? unreachable(service.url, `unexpected answer: ${err.message.split("\n")[0] ?? ""}`)
        : refused(err))
    // The typed client checks the path before sending: a bad name is said as the local CLI would.
    const named = <A>(t: Target, name: string, f: (path: { cluster: string; role: string; environ: string; name: string }) => Effect.Effect<A, CommandError>) =>
      isValidTopologyName(name)
        ? f({ cluster: t.cluster, role: t.role, environ: t.environ, name })
        : Effect.fail(new CommandError({ message: `invalid topology name "${name}": use letters, digits, '.', '_' and '-'` }))
    return {
      service,
      list: (t) => Effect.map(call(client.apiserver.list({ path: { cluster: t.cluster, role: t.role, environ: t.environ } })), (r) => r.topologies),
      kill: (t, name, timeoutSecs) =>
        Effect.zipRight(checkWait(timeoutSecs), named(t, name, (path) => Effect.map(call(client.apiserver.kill({ path, urlParams: { timeout: timeoutSecs } })), (r) => r.outcome))),
      setState: (t, name, state) =>
        named(t, name, (path) =>
          Effect.map(
            call(state === "RUNNING" ? client.apiserver.activate({ path }) : client.apiserver.deactivate({ path })),
            (r): StateOutcome => (r.changed ? "changed" : "unchanged")
          )),
      restart: (t, name, container) =>
        named(t, name, (path) =>
          Effect.asVoid(call(client.apiserver.restart({ path, urlParams: Option.match(container, { onNone: () => ({}), onSome: (c) => ({ container: c }) }) })))),
      update: (t, name, u) =>
        Effect.zipRight(checkWait(u.timeoutSecs), named(t, name, (path) =>
          call(client.apiserver.update({
            path,
            urlParams: { timeout: u.timeoutSecs },
            payload: {
              component_parallelism: u.parallelism,
              ...Option.match(u.containers, { onNone: () => ({}), onSome: (n) => ({ container_number: n }) }),
              dry_run: u.dryRun
            }
          }))))
    }
  })
