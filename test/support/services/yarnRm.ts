/**
 * A protocol double of YARN's ResourceManager REST API (no YARN can run here): an HTTP server on a
 * free port of 127.0.0.1 speaking the paths, statuses and JSON of Hadoop's "ResourceManager REST
 * API's" documentation:
 *
 * - `POST /ws/v1/cluster/apps/new-application` → `{"application-id", "maximum-resource-capability"}`;
 * - `POST /ws/v1/cluster/apps` with an application submission context → `202 Accepted`, a
 *   `Location`, no body; submitting an id again is accepted and changes nothing (as YARN does);
 * - `GET /ws/v1/cluster/apps[?states&applicationTypes&applicationTags&user&queue&limit]` →
 *   `{"apps": {"app": [...]}}`, or `{"apps": null}` when nothing matches;
 * - `GET /ws/v1/cluster/apps/{id}` → `{"app": {...}}`; `GET .../state` → `{"state"}`;
 * - `PUT .../state {"state":"KILLED"}` → `202` with the current state while killing, `200` once over;
 * - errors → `{"RemoteException": {exception, message, javaClassName}}` (400 BadRequest, 403
 *   Authorization, 404 NotFound), 401 without the delegation token when one is required, 405 for
 *   a wrong method, 415 for a body that is not JSON.
 *
 * Applications go NEW → NEW_SAVING → SUBMITTED → ACCEPTED → RUNNING, one step every `stepMs`
 * (`holdAt` stops them, as a full queue would); an unknown queue fails them at SUBMITTED, as YARN
 * does; a kill ends them KILLED after `killMs`. `runningContainers` counts the master plus the
 * `--num_containers` of its DistributedShell command, as if every container were allocated.
 *
 * Stricter than YARN, to catch client mistakes: the submission context is validated field by
 * field (unknown or missing fields, wrong types → 400), and an application id must come from
 * `new-application`. Not covered: XML, Kerberos/SPNEGO, HA redirects, queues/priorities APIs,
 * attempts and containers APIs, ACLs beyond "the owner may kill".
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Effect, type Scope } from "effect"

export const states = ["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED"] as const
export type AppState = (typeof states)[number]
const path = ["NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING"] as const

/** One request the double received. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly contentType: string | undefined
  readonly delegationToken: string | undefined
  /** The body parsed as JSON, or its text when it is not JSON; undefined when empty. */
  readonly body: unknown
}

/** An application the double knows. */
export interface YarnApp {
  readonly id: string
  readonly user: string
  readonly name: string
  readonly queue: string
  readonly type: string
  readonly tags: ReadonlyArray<string>
  /** Every state it went through, in order. */
  readonly history: ReadonlyArray<AppState>
  readonly state: AppState
  /** The submission context exactly as received. */
  readonly submission: Readonly<Record<string, unknown>>
}

export interface YarnRmOptions {
  readonly maxMemoryMb?: number
  readonly maxVcores?: number
  readonly queues?: ReadonlyArray<string>
  /** Time per state step of a new application. Default 10 ms. */
  readonly stepMs?: number
  /** Time between a kill and `KILLED`. Default 20 ms. */
  readonly killMs?: number
  /** When set, every request must carry this token (`X-Hadoop-Delegation-Token`); it stands for `user`. */
  readonly delegationToken?: { readonly token: string; readonly user: string }
}

/** A running double. */
export interface YarnRmDouble {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly requests: ReadonlyArray<RecordedRequest>
  readonly apps: () => ReadonlyArray<YarnApp>
  /** Keeps new and live applications at `state` (or lets them go on, with undefined). */
  readonly holdAt: (state: AppState | undefined) => void
  /** Ends an application FAILED with `diagnostics`, as a master that crashed too often. */
  readonly fail: (id: string, diagnostics: string) => void
  /** Overrides the running container count YARN reports for an application. */
  readonly setRunningContainers: (id: string, n: number) => void
}

class Remote extends Error {
  constructor(readonly status: number, readonly exception: string, readonly javaClassName: string, message: string) {
    super(message)
  }
}
const badRequest = (m: string) => new Remote(400, "BadRequestException", "org.apache.hadoop.yarn.webapp.BadRequestException", m)
const forbidden = (m: string) => new Remote(403, "AuthorizationException", "org.apache.hadoop.security.authorize.AuthorizationException", m)
const notFound = (m: string) => new Remote(404, "NotFoundException", "org.apache.hadoop.yarn.webapp.NotFoundException", m)

const dao = "org.apache.hadoop.yarn.server.resourcemanager.webapp.dao"
const unrecognized = (field: string, cls: string) =>
  badRequest(`Unrecognized field "${field}" (class ${dao}.${cls}), not marked as ignorable`)

type Json = Readonly<Record<string, unknown>>
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v)
const object = (v: unknown, where: string): Json => {
  if (!isObject(v)) throw badRequest(`${where}: expected an object, got ${JSON.stringify(v)}`)
  return v
}
/** Every key of `v` is one of `fields`, and every one of `required` is there. */
const fields = (v: Json, cls: string, allowed: ReadonlyArray<string>, required: ReadonlyArray<string> = []) => {
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw unrecognized(k, cls)
  for (const k of required) if (!(k in v)) throw badRequest(`missing required field "${k}" (class ${dao}.${cls})`)
}
const typed = <A>(v: unknown, where: string, type: "string" | "int" | "boolean"): A => {
  const ok = type === "int" ? Number.isInteger(v) : typeof v === type
  if (!ok) throw badRequest(`${where}: expected ${type === "int" ? "an integer" : `a ${type}`}, got ${JSON.stringify(v)}`)
  return v as A
}
/** Jersey's map/list wrappers: `{"entry": [...]}` or `{"entry": {...}}` for one element. */
const list = (v: unknown): ReadonlyArray<unknown> => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/** What a valid submission says. */
interface Submission {
  readonly id: string
  readonly name: string
  readonly queue: string
  readonly type: string
  readonly tags: Array<string>
  readonly numContainers: number
  readonly raw: Record<string, unknown>
}

/** Checks an application submission context field by field, as `ApplicationSubmissionContextInfo`
 * and the records under it name them; refuses ids not handed out and resources over the maximum. */
const validateSubmission = (body: unknown, o: { readonly maxMemoryMb: number; readonly maxVcores: number; readonly issued: ReadonlySet<string> }): Submission => {
  const ctx = object(body, "the request body")
  const cls = "ApplicationSubmissionContextInfo"
  fields(ctx, cls, [
    "application-id", "application-name", "queue", "priority", "am-container-spec", "unmanaged-AM", "cancel-tokens-when-complete",
    "max-app-attempts", "resource", "application-type", "keep-containers-across-application-attempts", "application-tags",
    "app-node-label-expression", "am-container-node-label-expression", "log-aggregation-context", "attempt-failures-validity-interval",
    "reservation-id", "am-black-listing-requests"
  ], ["application-id", "application-name", "am-container-spec", "resource"])
  const id = typed<string>(ctx["application-id"], "application-id", "string")
  if (!/^application_\d+_\d+$/.test(id)) throw badRequest(`Could not parse application id ${id}`)
  if (!o.issued.has(id)) throw badRequest(`application id ${id} was not handed out by new-application`)
  const name = typed<string>(ctx["application-name"], "application-name", "string")
  const queue = ctx.queue === undefined ? "default" : typed<string>(ctx.queue, "queue", "string")
  for (const k of ["priority", "max-app-attempts", "attempt-failures-validity-interval"]) if (k in ctx) typed(ctx[k], k, "int")
  for (const k of ["unmanaged-AM", "cancel-tokens-when-complete", "keep-containers-across-application-attempts"]) if (k in ctx) typed(ctx[k], k, "boolean")
  for (const k of ["app-node-label-expression", "am-container-node-label-expression", "reservation-id"]) if (k in ctx) typed(ctx[k], k, "string")
  // YARN keeps at most 20 characters of the type.
  const type = ctx["application-type"] === undefined ? "YARN" : typed<string>(ctx["application-type"], "application-type", "string").slice(0, 20)

  const resource = object(ctx.resource, "resource")
  fields(resource, "ResourceInfo", ["memory", "vCores"], ["memory", "vCores"])
  const memory = typed<number>(resource.memory, "resource.memory", "int")
  const vcores = typed<number>(resource.vCores, "resource.vCores", "int")
  if (memory <= 0 || vcores <= 0 || memory > o.maxMemoryMb || vcores > o.maxVcores) {
    throw badRequest(`org.apache.hadoop.yarn.exceptions.InvalidResourceRequestException: Invalid resource request! Cannot allocate containers as requested resource is less than 0 or greater than maximum allowed allocation. Requested resource=<memory:${memory}, vCores:${vcores}>, maximum allowed allocation=<memory:${o.maxMemoryMb}, vCores:${o.maxVcores}>`)
  }

  const spec = object(ctx["am-container-spec"], "am-container-spec")
  fields(spec, "ContainerLaunchContextInfo", ["local-resources", "environment", "commands", "service-data", "credentials", "application-acls"], ["commands"])
  const commands = object(spec.commands, "am-container-spec.commands")
  fields(commands, "ContainerLaunchContextInfo", ["command"], ["command"])
  const command = list(commands.command).map((c, i) => typed<string>(c, `am-container-spec.commands.command[${i}]`, "string"))
  if (command.length === 0 || command.some((c) => c.trim() === "")) throw badRequest("am-container-spec.commands: an empty command")
  const entries = (where: string, v: unknown) => {
    const wrapper = object(v, where)
    fields(wrapper, "ContainerLaunchContextInfo", ["entry"])
    return list(wrapper.entry).map((e, i) => {
      const entry = object(e, `${where}.entry[${i}]`)
      fields(entry, "ContainerLaunchContextInfo", ["key", "value"], ["key", "value"])
      return { key: typed<string>(entry.key, `${where}.entry[${i}].key`, "string"), value: entry.value }
    })
  }
  if (spec.environment !== undefined) {
    for (const e of entries("am-container-spec.environment", spec.environment)) typed(e.value, `environment ${e.key}`, "string")
  }
  if (spec["local-resources"] !== undefined) {
    for (const e of entries("am-container-spec.local-resources", spec["local-resources"])) {
      const r = object(e.value, `local resource ${e.key}`)
      fields(r, "LocalResourceInfo", ["resource", "type", "visibility", "size", "timestamp", "pattern"], ["resource", "type", "visibility", "size", "timestamp"])
      typed(r.resource, `local resource ${e.key}.resource`, "string")
      if (!["ARCHIVE", "FILE", "PATTERN"].includes(String(r.type))) throw badRequest(`local resource ${e.key}: type ${JSON.stringify(r.type)} is not one of ARCHIVE, FILE, PATTERN`)
      if (!["PUBLIC", "PRIVATE", "APPLICATION"].includes(String(r.visibility))) throw badRequest(`local resource ${e.key}: visibility ${JSON.stringify(r.visibility)} is not one of PUBLIC, PRIVATE, APPLICATION`)
      typed(r.size, `local resource ${e.key}.size`, "int")
      typed(r.timestamp, `local resource ${e.key}.timestamp`, "int")
    }
  }

  const tags: Array<string> = []
  if (ctx["application-tags"] !== undefined) {
    const wrapper = object(ctx["application-tags"], "application-tags")
    fields(wrapper, cls, ["tag"])
    for (const t of list(wrapper.tag)) tags.push(typed<string>(t, "application-tags.tag", "string"))
  }
  if (tags.length > 10) throw badRequest("java.lang.IllegalArgumentException: Too many applicationTags, a maximum of only 10 are allowed!")
  for (const t of tags) {
    if (t.length > 100) throw badRequest(`java.lang.IllegalArgumentException: Tag ${t} is too long, maximum allowed length of a tag is 100`)
    if (!/^[\x00-\x7f]*$/.test(t)) throw badRequest(`java.lang.IllegalArgumentException: A tag can only have ASCII characters! Invalid tag - ${t}`)
  }
  const numContainers = Number(/--num_containers (\d+)/.exec(command.join(" "))?.[1] ?? "0")
  return { id, name, queue, type, tags: [...new Set(tags.map((t) => t.toLowerCase()))], numContainers, raw: { ...ctx } }
}

interface Mutable {
  id: string
  user: string
  name: string
  queue: string
  type: string
  tags: Array<string>
  history: Array<AppState>
  submission: Record<string, unknown>
  submittedAt: number
  finishedAt: number
  killAt: number | undefined
  diagnostics: string
  numContainers: number
  runningOverride: number | undefined
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
  const text = body === undefined ? "" : JSON.stringify(body)
  res.writeHead(status, { ...(body === undefined ? {} : { "Content-Type": "application/json" }), "Content-Length": Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** Starts the double; stopped with the scope. */
export const startYarnRm = (options: YarnRmOptions = {}): Effect.Effect<YarnRmDouble, never, Scope.Scope> =>
  Effect.gen(function*() {
    const maxMemory = options.maxMemoryMb ?? 8192
    const maxVcores = options.maxVcores ?? 8
    const queues = options.queues ?? ["default"]
    const stepMs = options.stepMs ?? 10
    const killMs = options.killMs ?? 20
    const clusterTimestamp = 1_700_000_000_000
    const requests: Array<RecordedRequest> = []
    const apps = new Map<string, Mutable>()
    const issued = new Set<string>()
    let sequence = 0
    let hold: AppState | undefined
    let base = ""

    const current = (a: Mutable): AppState => a.history[a.history.length - 1] ?? "NEW"
    /** Moves an application along with time: its steps, a queue check, a kill. */
    const advance = (a: Mutable) => {
      const now = Date.now()
      const go = (s: AppState) => {
        if (current(a) !== s) a.history.push(s)
      }
      if (["FINISHED", "FAILED", "KILLED"].includes(current(a))) return
      if (a.killAt !== undefined) {
        if (now >= a.killAt) {
          go("KILLED")
          a.finishedAt = now
          a.diagnostics = `Application ${a.id} was killed by user ${a.user} at 127.0.0.1`
        }
        return
      }
      const wanted = Math.min(Math.floor((now - a.submittedAt) / stepMs), path.length - 1)
      const limit = hold === undefined ? path.length - 1 : Math.min(path.length - 1, path.indexOf(hold as (typeof path)[number]))
      for (let i = path.indexOf(current(a) as (typeof path)[number]) + 1; i <= Math.min(wanted, limit); i++) {
        const s = path[i] ?? "RUNNING"
        if (s === "ACCEPTED" && !queues.includes(a.queue)) {
          go("FAILED")
          a.finishedAt = now
          a.diagnostics = `Application ${a.id} submitted by user ${a.user} to unknown queue: ${a.queue}`
          return
        }
        go(s)
      }
    }
    const info = (a: Mutable) => {
      advance(a)
      const state = current(a)
      const running = state === "RUNNING"
      const over = ["FINISHED", "FAILED", "KILLED"].includes(state)
      const containers = running ? (a.runningOverride ?? a.numContainers + 1) : 0
      return {
        id: a.id, user: a.user, name: a.name, queue: a.queue, state,
        finalStatus: state === "KILLED" ? "KILLED" : state === "FAILED" ? "FAILED" : state === "FINISHED" ? "SUCCEEDED" : "UNDEFINED",
        progress: over ? 100 : 0,
        trackingUI: running ? "ApplicationMaster" : over ? "History" : "UNASSIGNED",
        trackingUrl: running ? `${base}/proxy/${a.id}/` : `${base}/cluster/app/${a.id}`,
        diagnostics: a.diagnostics, clusterId: clusterTimestamp,
        applicationType: a.type, applicationTags: a.tags.join(","),
        startedTime: a.submittedAt, finishedTime: over ? a.finishedAt : 0,
        elapsedTime: (over ? a.finishedAt : Date.now()) - a.submittedAt,
        ...(running ? {
          amContainerLogs: `http://nm1.example.com:8042/node/containerlogs/container_${a.id.slice("application_".length)}_01_000001/${a.user}`,
          amHostHttpAddress: "nm1.example.com:8042"
        } : {}),
        allocatedMB: -1, allocatedVCores: -1, runningContainers: containers,
        memorySeconds: 0, vcoreSeconds: 0, unmanagedApplication: false, applicationPriority: 0,
        appNodeLabelExpression: "", amNodeLabelExpression: ""
      }
    }
    const appOf = (id: string) => {
      if (!/^application_\d+_\d+$/.test(id)) throw badRequest(`Invalid ApplicationId: ${id}`)
      const a = apps.get(id)
      if (a === undefined) throw notFound(`java.lang.Exception: app with id: ${id} not found`)
      return a
    }

    const submit = (user: string, body: unknown, res: ServerResponse) => {
      const context = validateSubmission(body, { maxMemoryMb: maxMemory, maxVcores, issued })
      const id = context.id
      if (!apps.has(id)) {
        apps.set(id, {
          id, user, name: context.name, queue: context.queue, type: context.type, tags: context.tags,
          history: ["NEW"], submission: context.raw, submittedAt: Date.now(), finishedAt: 0, killAt: undefined,
          diagnostics: "", numContainers: context.numContainers, runningOverride: undefined
        })
      }
      send(res, 202, undefined, { Location: `${base}/ws/v1/cluster/apps/${id}` })
    }

    const list = (q: URLSearchParams) => {
      const wantedStates = (q.get("states") ?? q.get("state") ?? "").split(",").map((s) => s.trim().toUpperCase()).filter((s) => s !== "")
      for (const s of wantedStates) {
        if (!states.includes(s as AppState)) throw badRequest(`java.lang.IllegalArgumentException: Invalid application-state ${s} specified. It should be one of ${states.join(", ")}`)
      }
      const types = (q.get("applicationTypes") ?? "").split(",").map((t) => t.trim().toLowerCase()).filter((t) => t !== "")
      const tags = (q.get("applicationTags") ?? "").split(",").map((t) => t.trim().toLowerCase()).filter((t) => t !== "")
      const found = [...apps.values()].map(info).filter((a) =>
        (wantedStates.length === 0 || wantedStates.includes(a.state)) &&
        (types.length === 0 || types.includes(a.applicationType.toLowerCase())) &&
        (tags.length === 0 || a.applicationTags.split(",").some((t) => tags.includes(t))) &&
        (q.get("user") === null || a.user === q.get("user")) &&
        (q.get("queue") === null || a.queue === q.get("queue"))
      ).slice(0, q.has("limit") ? Number(q.get("limit")) : undefined)
      return { apps: found.length === 0 ? null : { app: found } }
    }

    const kill = (user: string, a: Mutable, body: unknown, res: ServerResponse) => {
      const target = typeof body === "object" && body !== null && "state" in body ? body.state : undefined
      if (target !== "KILLED") throw badRequest("java.lang.Exception: Only 'KILLED' is allowed as a target state.")
      if (user !== a.user) throw forbidden(`Permission denied: user ${user} cannot kill application ${a.id} of user ${a.user}`)
      advance(a)
      const state = current(a)
      if (["FINISHED", "FAILED", "KILLED"].includes(state)) return send(res, 200, { state })
      if (a.killAt === undefined) a.killAt = Date.now() + killMs
      send(res, 202, { state }, { Location: `${base}/ws/v1/cluster/apps/${a.id}` })
    }

    const server = createServer((req, res) => {
      void readBody(req).then((text) => {
        const url = new URL(req.url ?? "/", "http://double")
        const method = req.method ?? ""
        let body: unknown
        try {
          body = text === "" ? undefined : JSON.parse(text)
        } catch {
          body = text
        }
        const token = req.headers["x-hadoop-delegation-token"]
        requests.push({
          method, path: url.pathname, query: Object.fromEntries(url.searchParams),
          contentType: req.headers["content-type"], delegationToken: typeof token === "string" ? token : undefined, body
        })
        try {
          if (options.delegationToken !== undefined && token !== options.delegationToken.token) {
            res.writeHead(401, { "Content-Type": "text/html", "WWW-Authenticate": "Negotiate" })
            return res.end("<html><body><h2>HTTP ERROR 401</h2><p>Authentication required</p></body></html>")
          }
          const user = options.delegationToken?.user ?? url.searchParams.get("user.name") ?? undefined
          const needUser = () => {
            if (user === undefined) throw forbidden("Unable to obtain user name, user not authenticated")
            return user
          }
          const parts = url.pathname.replace(/\/+$/, "").split("/").slice(1)
          if (parts.slice(0, 4).join("/") !== "ws/v1/cluster/apps") throw notFound(`java.lang.Exception: no such resource: ${url.pathname}`)
          const [id, sub] = parts.slice(4)
          const allow = (...methods: Array<string>) => {
            if (!methods.includes(method)) {
              res.writeHead(405, { Allow: methods.join(",") })
              res.end()
              return false
            }
            if ((method === "POST" || method === "PUT") && text !== "" && !(req.headers["content-type"] ?? "").startsWith("application/json")) {
              res.writeHead(415)
              res.end()
              return false
            }
            return true
          }
          if (id === undefined) {
            if (!allow("GET", "POST")) return
            return method === "GET" ? send(res, 200, list(url.searchParams)) : submit(needUser(), body, res)
          }
          if (id === "new-application" && sub === undefined) {
            if (!allow("POST")) return
            needUser()
            const newId = `application_${clusterTimestamp}_${String(++sequence).padStart(4, "0")}`
            issued.add(newId)
            return send(res, 200, { "application-id": newId, "maximum-resource-capability": { memory: maxMemory, vCores: maxVcores } })
          }
          if (sub === undefined) {
            if (!allow("GET")) return
            return send(res, 200, { app: info(appOf(id)) })
          }
          if (sub === "state" && parts.length === 6) {
            if (!allow("GET", "PUT")) return
            const a = appOf(id)
            if (method === "GET") return send(res, 200, { state: info(a).state })
            return kill(needUser(), a, body, res)
          }
          throw notFound(`java.lang.Exception: no such resource: ${url.pathname}`)
        } catch (e) {
          const r = e instanceof Remote ? e : new Remote(500, "WebApplicationException", "javax.ws.rs.WebApplicationException", String(e))
          send(res, r.status, { RemoteException: { exception: r.exception, message: r.message, javaClassName: r.javaClassName } })
        }
      })
    })
    base = yield* Effect.acquireRelease(
      Effect.async<string>((resume) => {
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resume(Effect.succeed(`http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`))
        })
      }),
      () => Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
    )

    return {
      url: base,
      requests,
      apps: () => [...apps.values()].map((a) => {
        advance(a)
        return { id: a.id, user: a.user, name: a.name, queue: a.queue, type: a.type, tags: [...a.tags], history: [...a.history], state: current(a), submission: a.submission }
      }),
      holdAt: (state) => {
        hold = state
      },
      fail: (id, diagnostics) => {
        const a = appOf(id)
        a.history.push("FAILED")
        a.finishedAt = Date.now()
        a.diagnostics = diagnostics
      },
      setRunningContainers: (id, n) => {
        appOf(id).runningOverride = n
      }
    }
  })
