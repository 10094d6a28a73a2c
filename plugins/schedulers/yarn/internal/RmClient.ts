/**
 * A small client of the ResourceManager's REST API (Hadoop's "Cluster Applications API" and its
 * writeable parts): new application, submit, list, one application, its state, kill. Simple
 * authentication sends `user.name`; a delegation token goes in `X-Hadoop-Delegation-Token` and is
 * never part of a message. A failure names the method and URL and carries the server's
 * `RemoteException` when it sent one.
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Data, Duration, Effect, Option, ParseResult, Redacted, Schema } from "effect"

/** The ResourceManager's error body (`{"RemoteException": {...}}`). */
export const RemoteException = Schema.Struct({
  exception: Schema.String,
  message: Schema.optionalWith(Schema.String, { default: () => "" }),
  javaClassName: Schema.optional(Schema.String)
})
export type RemoteException = typeof RemoteException.Type
const ErrorBody = Schema.parseJson(Schema.Struct({ RemoteException }))

/** Numbers that older ResourceManagers print as strings. */
const Num = Schema.Union(Schema.Number, Schema.NumberFromString)

/** The application states of YARN's `YarnApplicationState`. */
export const AppStateName = Schema.Literal("NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED")
export type AppStateName = typeof AppStateName.Type
/** The states of an application that is not over. */
export const liveStates: ReadonlyArray<AppStateName> = ["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING"]

/** What the API says of one application (the fields used here). */
export const AppInfo = Schema.Struct({
  id: Schema.String,
  user: Schema.optional(Schema.String),
  name: Schema.String,
  queue: Schema.optional(Schema.String),
  state: AppStateName,
  finalStatus: Schema.optional(Schema.String),
  trackingUI: Schema.optional(Schema.String),
  trackingUrl: Schema.optional(Schema.String),
  diagnostics: Schema.optional(Schema.String),
  applicationType: Schema.optional(Schema.String),
  /** Comma-separated, lowercased by YARN. */
  applicationTags: Schema.optional(Schema.String),
  startedTime: Schema.optional(Num),
  amContainerLogs: Schema.optional(Schema.String),
  runningContainers: Schema.optional(Num)
})
export type AppInfo = typeof AppInfo.Type

const NewApplication = Schema.Struct({
  "application-id": Schema.String,
  "maximum-resource-capability": Schema.Struct({ memory: Num, vCores: Num })
})
/** `POST /apps/new-application`: the id to submit with, and the largest container YARN grants. */
export interface NewApplication {
  readonly id: string
  readonly maxMemoryMb: number
  readonly maxVcores: number
}

const Apps = Schema.Struct({
  apps: Schema.NullOr(Schema.Struct({ app: Schema.optionalWith(Schema.Array(AppInfo), { default: () => [] }) }))
})
const App = Schema.Struct({ app: AppInfo })
const State = Schema.Struct({ state: AppStateName })

/** A failed call: which request, the HTTP status when there was an answer, and why. */
export class RmError extends Data.TaggedError("RmError")<{
  readonly method: string
  readonly url: string
  readonly status?: number
  readonly remote?: RemoteException
  readonly detail: string
}> {
  /** One line: `YARN ResourceManager POST http://rm:8088/ws/v1/cluster/apps?user.name=heron: HTTP 400 BadRequestException (org.apache...): ...`. */
  get text(): string {
    const r = this.remote
    const why = r === undefined ? this.detail : `${r.exception}${r.javaClassName === undefined ? "" : ` (${r.javaClassName})`}: ${r.message}`
    return `YARN ResourceManager ${this.method} ${this.url}: ${this.status === undefined ? "" : `HTTP ${this.status} `}${why}`
  }
  /** Worth retrying: no answer, or the server's own trouble (5xx). */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500
  }
}

/** Where the ResourceManager is and who calls it. */
export interface RmOptions {
  readonly baseUrl: string
  readonly delegationToken: Option.Option<Redacted.Redacted<string>>
  readonly requestTimeoutMs: number
}

/** The client's operations; `user` is sent as `user.name` unless a delegation token is set. */
export const make = (o: RmOptions) =>
  Effect.map(HttpClient.HttpClient, (http) => {
    const base = o.baseUrl.replace(/\/+$/, "")
    const urlOf = (path: string, user: string, query: Record<string, string> = {}) => {
      const params = new URLSearchParams({ ...query, ...(Option.isNone(o.delegationToken) ? { "user.name": user } : {}) })
      const q = params.toString()
      return `${base}/ws/v1/cluster${path}${q === "" ? "" : `?${q}`}`
    }

    /** One exchange: the status and the body text. The token never reaches an error. */
    const exchange = (method: "GET" | "POST" | "PUT", url: string, body?: unknown) =>
      Effect.gen(function*() {
        const fail = (detail: string, status?: number, remote?: RemoteException) =>
          new RmError({ method, url, detail, ...(status === undefined ? {} : { status }), ...(remote === undefined ? {} : { remote }) })
        const request = HttpClientRequest.make(method)(url).pipe(
          HttpClientRequest.setHeader("Accept", "application/json"),
          (r) => Option.match(o.delegationToken, {
            onNone: () => r,
            onSome: (token) => HttpClientRequest.setHeader(r, "X-Hadoop-Delegation-Token", Redacted.value(token))
          }),
          (r) => (body === undefined ? r : HttpClientRequest.bodyUnsafeJson(r, body))
        )
        const response = yield* http.execute(request).pipe(
          Effect.mapError((e) => fail(`cannot reach the ResourceManager: ${describeCause(e.cause) ?? e.reason}`)),
          Effect.timeoutFail({ duration: Duration.millis(o.requestTimeoutMs), onTimeout: () => fail(`no answer within ${o.requestTimeoutMs} ms`) })
        )
        const text = yield* response.text.pipe(Effect.mapError(() => fail("the answer's body could not be read", response.status)))
        return { status: response.status, text, fail }
      })

    /** A JSON answer with one of `ok` statuses, decoded with `schema`; anything else is an RmError. */
    const json = <A, I>(method: "GET" | "POST" | "PUT", url: string, ok: ReadonlyArray<number>, schema: Schema.Schema<A, I>, body?: unknown) =>
      Effect.gen(function*() {
        const { fail, status, text } = yield* exchange(method, url, body)
        if (!ok.includes(status)) return yield* Effect.fail(unexpected(fail, status, text))
        return yield* Schema.decodeUnknown(Schema.parseJson(schema))(text).pipe(
          Effect.mapError((e) => fail(`unexpected answer (${ParseResult.TreeFormatter.formatErrorSync(e)}): ${text.slice(0, 200)}`, status))
        )
      })

    return {
      /** `POST /apps/new-application`. */
      newApplication: (user: string): Effect.Effect<NewApplication, RmError> =>
        json("POST", urlOf("/apps/new-application", user), [200], NewApplication).pipe(Effect.map((a) => ({
          id: a["application-id"],
          maxMemoryMb: a["maximum-resource-capability"].memory,
          maxVcores: a["maximum-resource-capability"].vCores
        }))),

      /** `POST /apps` with an application submission context; YARN answers `202 Accepted`. */
      submit: (user: string, context: unknown): Effect.Effect<void, RmError> =>
        Effect.gen(function*() {
          const { fail, status, text } = yield* exchange("POST", urlOf("/apps", user), context)
          if (status !== 202) return yield* Effect.fail(unexpected(fail, status, text))
        }),

      /** `GET /apps` filtered by YARN (types, tags, states); the caller filters further. */
      list: (user: string, query: { readonly applicationTypes: string; readonly applicationTags: string; readonly states?: ReadonlyArray<AppStateName> }): Effect.Effect<ReadonlyArray<AppInfo>, RmError> =>
        json("GET", urlOf("/apps", user, {
          applicationTypes: query.applicationTypes,
          applicationTags: query.applicationTags,
          ...(query.states === undefined ? {} : { states: query.states.join(",") })
        }), [200], Apps).pipe(Effect.map((a) => a.apps?.app ?? [])),

      /** `GET /apps/{id}`. */
      app: (user: string, id: string): Effect.Effect<AppInfo, RmError> =>
        json("GET", urlOf(`/apps/${encodeURIComponent(id)}`, user), [200], App).pipe(Effect.map((a) => a.app)),

      /** `GET /apps/{id}/state`. */
      state: (user: string, id: string): Effect.Effect<AppStateName, RmError> =>
        json("GET", urlOf(`/apps/${encodeURIComponent(id)}/state`, user), [200], State).pipe(Effect.map((s) => s.state)),

      /** `PUT /apps/{id}/state {"state":"KILLED"}`: `202` while YARN kills it, `200` once it is over.
       * Returns the state YARN reported. */
      kill: (user: string, id: string): Effect.Effect<AppStateName, RmError> =>
        json("PUT", urlOf(`/apps/${encodeURIComponent(id)}/state`, user), [200, 202], State, { state: "KILLED" }).pipe(Effect.map((s) => s.state)),

      /** The ResourceManager's page of an application. */
      appPage: (id: string): string => `${base}/cluster/app/${id}`
    }
  })

/** A fetch failure's message and its cause's (`fetch failed (connect ECONNREFUSED 127.0.0.1:1)`). */
const describeCause = (cause: unknown): string | undefined => {
  if (!(cause instanceof Error)) return undefined
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : ""
  return `${cause.message}${inner}`
}

/** The client's operations. */
export type RmClient = Effect.Effect.Success<ReturnType<typeof make>>

const unexpected = (fail: (detail: string, status?: number, remote?: RemoteException) => RmError, status: number, text: string) =>
  Option.match(Schema.decodeUnknownOption(ErrorBody)(text), {
    onSome: (b) => fail(b.RemoteException.message, status, b.RemoteException),
    onNone: () => fail(text.trim() === "" ? "unexpected answer" : `unexpected answer: ${text.trim().slice(0, 200)}`, status)
  })
