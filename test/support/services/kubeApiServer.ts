/**
 * A protocol double of the Kubernetes API server (no real API server can run on these machines):
 * an HTTP server on a free port of 127.0.0.1 speaking the API's paths, verbs, JSON bodies, status
 * codes and watch streams for the objects the kubernetes scheduler uses:
 *
 * - `/api/v1/namespaces/{ns}/{pods|services|configmaps}[/{name}]` and
 *   `/apis/apps/v1/namespaces/{ns}/statefulsets[/{name}]`;
 * - GET (one object, or a list with `labelSelector` and the list's `resourceVersion`), POST
 *   (201; 409 AlreadyExists), PUT (409 Conflict on a stale `resourceVersion`), PATCH with
 *   `application/json-patch+json`, `application/merge-patch+json` or
 *   `application/strategic-merge-patch+json` (others: 415), DELETE with `propagationPolicy`
 *   (Orphan, Background, Foreground through owner references; pods deleted gracefully), DELETE
 *   on a pod collection with `labelSelector`;
 * - refusals as `Status` bodies: 400 BadRequest, 404 NotFound, 409, 422 Invalid with causes
 *   (names, labels, selectors, required fields, immutable StatefulSet fields); unknown fields
 *   are dropped with a `Warning` header, or refused with `fieldValidation=Strict`;
 * - `?watch=true`: newline-delimited JSON events (ADDED, MODIFIED, DELETED, BOOKMARK with
 *   `allowWatchBookmarks`), from `resourceVersion` (an ERROR event with a 410 Status when that
 *   version was compacted away), ended after `timeoutSeconds`.
 *
 * A minimal StatefulSet controller and kubelet run behind it (see `kubeApiServer/controller.ts`);
 * with `run`, pods' commands run as local processes, so a topology really runs. Every request is
 * recorded, for tests and benchmarks to count.
 *
 * Not covered: authentication and RBAC (any token is accepted), other resources and API groups,
 * `dryRun`, server-side apply, `/scale` and `/status` subresources, field selectors, pagination
 * (`limit`/`continue`), watch events for objects leaving a selector, images (commands run on this
 * machine), readiness probes, volumes (mounts are ignored), nodes and scheduling.
 */
import { Effect, type Scope } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { randomBytes } from "node:crypto"
import { makeController, type RunOptions } from "./kubeApiServer/controller.js"
import { isRecord, jsonPatch, mergePatch, PatchError } from "./kubeApiServer/patch.js"
import { parseSelector } from "./kubeApiServer/selector.js"
import { labelsOf, makeStore, metaOf, nameOf, type KubeObject, type Propagation } from "./kubeApiServer/store.js"
import * as V from "./kubeApiServer/validation.js"

export type { KubeObject } from "./kubeApiServer/store.js"
export type { RunOptions } from "./kubeApiServer/controller.js"

/** One request the double answered. */
export interface KubeRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly contentType: string | undefined
  /** get, list, watch, create, update, patch, delete, deletecollection (`unknown` for other paths). */
  readonly verb: string
  readonly resource: string
  readonly status: number
  readonly body: unknown
  /** Unknown fields the double dropped (each also sent as a `Warning` header). */
  readonly warnings: ReadonlyArray<string>
}

/** A running double. */
export interface KubeApiServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Every request so far, in arrival order. */
  readonly requests: ReadonlyArray<KubeRequest>
  readonly get: (resource: string, namespace: string, name: string) => KubeObject | undefined
  readonly list: (resource: string, namespace: string, labelSelector?: string) => ReadonlyArray<KubeObject>
  /** Creates or replaces an object as an administrator would (not recorded). */
  readonly put: (resource: string, namespace: string, object: KubeObject) => KubeObject
  /** Forgets the history: watches from an older resourceVersion then get 410 Gone. */
  readonly compact: () => void
  /** Watches open now. */
  readonly openWatches: () => number
  /** Ends every open watch, as the server does when their timeout comes. */
  readonly endWatches: () => void
  /** Pids of the processes a pod runs (with `run`). */
  readonly pids: (pod: string) => ReadonlyArray<number>
}

export interface KubeApiServerOptions {
  readonly run?: RunOptions
  /** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK. Default 60000 ms. */
  readonly bookmarkIntervalMs?: number
}

const ROUTES: ReadonlyArray<RegExp> = [
  /^\/api\/v1\/namespaces\/([^/]+)\/(pods|services|configmaps)(?:\/([^/]+))?$/,
  /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(statefulsets)(?:\/([^/]+))?$/
]

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const parseJson = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text)
  } catch (e) {
    throw V.badRequest(`couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`)
  }
}

const dropPath = (o: unknown, path: string) => {
  const parts = path.replace(/\[(\d+)\]/g, ".$1").split(".")
  let node: unknown = o
  for (const p of parts.slice(0, -1)) node = Array.isArray(node) ? node[Number(p)] : isRecord(node) ? node[p] : undefined
  if (isRecord(node)) delete node[parts[parts.length - 1] ?? ""]
}

/** Starts the double; it stops (processes killed, connections closed) with the scope. */
export const startKubeApiServer = (options: KubeApiServerOptions = {}): Effect.Effect<KubeApiServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const store = makeStore()
    const controller = makeController(store, options.run)
    const requests: Array<KubeRequest> = []
    const endings = new Set<() => void>()
    const withKind = (r: V.ResourceInfo, o: KubeObject): KubeObject => ({ apiVersion: V.apiVersionOf(r), kind: r.kind, ...o })

    /** Checks fields and drops unknown ones (or refuses them under `fieldValidation=Strict`). */
    const admit = (r: V.ResourceInfo, o: KubeObject, query: URLSearchParams, warnings: Array<string>, old?: KubeObject): KubeObject => {
      const unknown = V.unknownFields(r, o)
      if (unknown.length > 0 && query.get("fieldValidation") === "Strict") {
        throw V.badRequest(`strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(", ")}`)
      }
      const kept = structuredClone(o)
      for (const u of unknown) dropPath(kept, u)
      if (query.get("fieldValidation") !== "Ignore") warnings.push(...unknown.map((u) => `unknown field "${u}"`))
      const causes = V.validate(r, kept, old)
      if (causes.length > 0) throw V.invalid(r, nameOf(kept), causes)
      return kept
    }

    const watch = (r: V.ResourceInfo, ns: string, query: URLSearchParams, res: ServerResponse) => {
      const selector = parseSelector(query.get("labelSelector") ?? undefined)
      if (typeof selector === "string") throw V.badRequest(selector)
      res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache" })
      // The API server answers a watch at once, before any event.
      res.flushHeaders()
      const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`)
      const from = query.get("resourceVersion") ?? ""
      if (from === "" || from === "0") {
        for (const o of store.list(r.plural, ns, selector)) send("ADDED", withKind(r, o))
      } else {
        const missed = store.since(r.plural, ns, Number(from))
        if (missed === undefined) {
          send("ERROR", { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${from} (${store.version()})`, reason: "Expired", code: 410 })
          res.end()
          return
        }
        for (const e of missed) if (selector(labelsOf(e.object))) send(e.type, withKind(r, e.object))
      }
      const unwatch = store.watch({ resource: r.plural, namespace: ns, selector, send: (e) => send(e.type, withKind(r, e.object)) })
      const timers = [
        setTimeout(() => end(), Number(query.get("timeoutSeconds") ?? 1800) * 1000),
        ...(query.get("allowWatchBookmarks") === "true"
          ? [setInterval(() => send("BOOKMARK", { kind: r.kind, apiVersion: V.apiVersionOf(r), metadata: { resourceVersion: String(store.version()) } }), options.bookmarkIntervalMs ?? 60_000)]
          : [])
      ]
      const end = () => {
        unwatch()
        timers.forEach((t) => clearTimeout(t))
        endings.delete(end)
        res.end()
      }
      endings.add(end)
      res.on("close", end)
    }

    /** What a request was, filled in as it is understood. */
    interface Context { verb: string; resource: string; readonly warnings: Array<string> }

    const handle = (req: IncomingMessage, res: ServerResponse, text: string, ctx: Context) => {
      const url = new URL(req.url ?? "/", "http://double")
      const route = ROUTES.map((re) => re.exec(url.pathname)).find((m) => m !== null)
      const [ns, plural, name] = [route?.[1] ?? "", route?.[2] ?? "", route?.[3] === undefined ? undefined : decodeURIComponent(route[3])]
      const r = V.resources[plural]
      const method = req.method ?? "GET"
      const q = url.searchParams
      const warnings = ctx.warnings
      ctx.resource = plural
      ctx.verb = verbOf(method, q, name === undefined)
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json", ...(warnings.length === 0 ? {} : { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") }) })
        res.end(JSON.stringify(body))
      }
      if (r === undefined) throw new V.ApiError(404, "NotFound", "the server could not find the requested resource")
      const body = parseJson(text)
      if (name === undefined) {
        if (ctx.verb === "watch") return watch(r, ns, q, res)
        const selector = parseSelector(q.get("labelSelector") ?? undefined)
        if (typeof selector === "string") throw V.badRequest(selector)
        if (method === "GET") {
          return reply(200, { kind: `${r.kind}List`, apiVersion: V.apiVersionOf(r), metadata: { resourceVersion: String(store.version()) }, items: store.list(plural, ns, selector) })
        }
        if (method === "DELETE" && plural === "pods") {
          const deleted = store.list(plural, ns, selector).flatMap((o) => store.requestDelete(plural, ns, nameOf(o), "Background") ?? [])
          return reply(200, { kind: `${r.kind}List`, apiVersion: V.apiVersionOf(r), metadata: { resourceVersion: String(store.version()) }, items: deleted })
        }
        if (method !== "POST") throw new V.ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`)
        if (!isRecord(body)) throw V.badRequest("Object 'Kind' is missing in the request body")
        if (body["apiVersion"] !== undefined && body["apiVersion"] !== V.apiVersionOf(r)) throw V.badRequest(`the API version in the data (${String(body["apiVersion"])}) does not match the expected API version (${V.apiVersionOf(r)})`)
        const meta = metaOf(body)
        if (meta["namespace"] !== undefined && meta["namespace"] !== ns) throw V.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        const named = typeof meta["generateName"] === "string" && meta["name"] === undefined
          ? { ...body, metadata: { ...meta, name: `${meta["generateName"]}${randomBytes(3).toString("hex").slice(0, 5)}` } }
          : body
        const kept = admit(r, named, q, warnings)
        if (store.get(plural, ns, nameOf(kept)) !== undefined) throw V.alreadyExists(r, nameOf(kept))
        const { status: _status, ...withoutStatus } = kept
        return reply(201, withKind(r, store.create(plural, ns, plural === "statefulsets" ? withoutStatus : kept)))
      }
      const current = store.get(plural, ns, name)
      if (method === "GET") {
        if (current === undefined) throw V.notFound(r, name)
        return reply(200, withKind(r, current))
      }
      if (method === "DELETE") {
        if (current === undefined) throw V.notFound(r, name)
        const policy = q.get("propagationPolicy") ?? (isRecord(body) ? body["propagationPolicy"] : undefined) ?? "Background"
        if (policy !== "Orphan" && policy !== "Background" && policy !== "Foreground") throw V.badRequest(`unsupported propagationPolicy ${String(policy)}`)
        const after = store.requestDelete(plural, ns, name, policy satisfies Propagation)
        return store.get(plural, ns, name) !== undefined
          ? reply(200, withKind(r, after ?? current))
          : reply(200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, group: r.group, kind: plural, uid: metaOf(current)["uid"] } })
      }
      if (method !== "PUT" && method !== "PATCH") throw new V.ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
      if (current === undefined) throw V.notFound(r, name)
      const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim()
      let next: unknown
      try {
        next = method === "PUT" ? body
          : type === "application/json-patch+json" ? jsonPatch(current, body)
          : type === "application/merge-patch+json" || type === "application/strategic-merge-patch+json" ? mergePatch(current, body)
          : undefined
      } catch (e) {
        if (e instanceof PatchError) throw new V.ApiError(422, "Invalid", `the server rejected our request due to an error in our request: ${e.message}`)
        throw e
      }
      if (next === undefined) throw new V.ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`)
      if (!isRecord(next)) throw V.badRequest("the body of the request is not an object")
      if (nameOf(next) !== name) throw V.badRequest(`the name of the object (${nameOf(next)}) does not match the name on the URL (${name})`)
      const rv = metaOf(next)["resourceVersion"]
      if (rv !== undefined && rv !== metaOf(current)["resourceVersion"]) throw V.conflict(r, name)
      const kept = admit(r, next, q, warnings, current)
      if (JSON.stringify(kept) === JSON.stringify(current)) return reply(200, withKind(r, current))
      return reply(200, withKind(r, store.update(plural, ns, kept)))
    }

    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://double")
      void readBody(req).then((text) => {
        const ctx: Context = { verb: "unknown", resource: "", warnings: [] }
        let status: number
        try {
          handle(req, res, text, ctx)
          status = res.statusCode
        } catch (e) {
          const err = e instanceof V.ApiError ? e : new V.ApiError(500, "InternalError", `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`)
          status = err.code
          res.writeHead(err.code, { "Content-Type": "application/json" })
          res.end(JSON.stringify(V.statusBody(err)))
        }
        requests.push({
          method: req.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          contentType: req.headers["content-type"],
          verb: ctx.verb,
          resource: ctx.resource,
          status,
          body: parseJsonQuiet(text),
          warnings: ctx.warnings
        })
      })
    })

    const url = yield* Effect.acquireRelease(
      Effect.async<string>((resume) => {
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resume(Effect.succeed(`http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`))
        })
      }),
      () =>
        Effect.promise(() => controller.close()).pipe(Effect.zipRight(Effect.async<void>((resume) => {
          for (const end of [...endings]) end()
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })))
    )

    return {
      url,
      requests,
      get: (resource, namespace, name) => store.get(resource, namespace, name),
      list: (resource, namespace, labelSelector) => {
        const selector = parseSelector(labelSelector)
        return typeof selector === "string" ? [] : store.list(resource, namespace, selector)
      },
      put: (resource, namespace, object) =>
        store.get(resource, namespace, nameOf(object)) === undefined ? store.create(resource, namespace, object) : store.update(resource, namespace, object),
      compact: () => store.compact(),
      openWatches: () => store.openWatches(),
      endWatches: () => [...endings].forEach((end) => end()),
      pids: (pod) => controller.pids(pod)
    }
  })

const parseJsonQuiet = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text)
  } catch {
    return text
  }
}

const verbOf = (method: string, q: URLSearchParams, collection: boolean): string => {
  switch (method) {
    case "GET": return !collection ? "get" : q.get("watch") === "true" || q.get("watch") === "1" ? "watch" : "list"
    case "POST": return "create"
    case "PUT": return "update"
    case "PATCH": return "patch"
    case "DELETE": return collection ? "deletecollection" : "delete"
    default: return "unknown"
  }
}
