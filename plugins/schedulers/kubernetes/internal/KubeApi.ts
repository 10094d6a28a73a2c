/**
 * The calls the kubernetes scheduler makes, through `@kubernetes/client-node`: each is one HTTP
 * request, counted (by verb and resource) so that the load a topology puts on the API server can
 * be reported, and failing with an {@link ApiFailure} that carries the status code and the
 * `reason` of the API's `Status` body.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1ConfigMap,
  type V1Service,
  type V1StatefulSet
} from "@kubernetes/client-node"
import { Data, Effect, Option, Redacted, Ref, Schema, Stream } from "effect"
import type { Config } from "../Config.js"

/** A failed call: `status` is the HTTP status (none when the server could not be reached). */
export class ApiFailure extends Data.TaggedError("ApiFailure")<{
  readonly call: string
  readonly status: Option.Option<number>
  readonly reason: string
  readonly message: string
}> {
  /** Worth retrying: the server was unreachable, overloaded, or the object changed meanwhile. */
  get retryable(): boolean {
    return Option.match(this.status, { onNone: () => true, onSome: (s) => s >= 500 || s === 429 || s === 409 })
  }
}

/** One operation of an RFC 6902 JSON patch. */
export interface JsonPatchOp {
  readonly op: "add" | "replace" | "remove" | "test"
  readonly path: string
  readonly value?: unknown
}

/** One event of a watch stream. */
export interface WatchEvent {
  readonly type: string
  readonly object: unknown
}

/** Requests made so far, by `"<verb> <resource>"` (e.g. `create statefulsets`, `watch pods`). */
export type RequestCounts = Readonly<Record<string, number>>

const StatusBody = Schema.parseJson(Schema.Struct({ reason: Schema.optional(Schema.String), message: Schema.optional(Schema.String) }))

const failureOf = (call: string) => (e: unknown): ApiFailure => {
  if (e instanceof ApiException) {
    const body = Schema.decodeUnknownOption(StatusBody)(e.body)
    const reason = Option.flatMap(body, (b) => Option.fromNullable(b.reason))
    const message = Option.flatMap(body, (b) => Option.fromNullable(b.message))
    return new ApiFailure({
      call,
      status: Option.some(e.code),
      reason: Option.getOrElse(reason, () => String(e.code)),
      message: Option.getOrElse(message, () => `HTTP ${e.code}`)
    })
  }
  return new ApiFailure({ call, status: Option.none(), reason: "Unreachable", message: e instanceof Error ? e.message : String(e) })
}

/** The client configuration the options choose: an explicit server, a kubeconfig file, or the
 * default lookup (in a pod: its service account; elsewhere `$KUBECONFIG`, `~/.kube/config`). */
export const kubeConfig = (config: Config): KubeConfig => {
  const kc = new KubeConfig()
  const server = config.apiServer
  if (server !== undefined) {
    kc.loadFromOptions({
      // An http:// URL (kubectl proxy, a test double) has no TLS to verify; client-node refuses it otherwise.
      clusters: [{ name: "heron", server: server.url, skipTLSVerify: server.insecureSkipTlsVerify || server.url.startsWith("http:"), ...(server.caFile === undefined ? {} : { caFile: server.caFile }) }],
      users: [{ name: "heron", ...(server.token === undefined ? {} : { token: Redacted.value(server.token) }) }],
      contexts: [{ name: "heron", cluster: "heron", user: "heron", namespace: config.namespace }],
      currentContext: "heron"
    })
  } else if (config.kubeconfig !== undefined) {
    kc.loadFromFile(config.kubeconfig.path)
    if (config.kubeconfig.context !== undefined) kc.setCurrentContext(config.kubeconfig.context)
  } else {
    kc.loadFromDefault()
  }
  return kc
}

const isNotFound = (e: ApiFailure) => Option.contains(e.status, 404)

/** The API calls of one namespace, counted. */
export const make = (kc: KubeConfig, namespace: string) =>
  Effect.gen(function*() {
    const apps = kc.makeApiClient(AppsV1Api)
    const core = kc.makeApiClient(CoreV1Api)
    const watcher = new Watch(kc)
    const counts = yield* Ref.make<RequestCounts>({})
    const server = kc.getCurrentCluster()?.server ?? ""

    const call = <A>(verb: string, resource: string, run: () => Promise<A>): Effect.Effect<A, ApiFailure> =>
      Ref.update(counts, (c) => ({ ...c, [`${verb} ${resource}`]: (c[`${verb} ${resource}`] ?? 0) + 1 })).pipe(
        Effect.zipRight(Effect.tryPromise({ try: run, catch: failureOf(`${verb} ${resource}`) }))
      )
    const orNone = <A>(self: Effect.Effect<A, ApiFailure>): Effect.Effect<Option.Option<A>, ApiFailure> =>
      self.pipe(Effect.map(Option.some), Effect.catchIf(isNotFound, () => Effect.succeedNone))
    const jsonPatch = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch)

    return {
      /** The API server's URL. */
      server,
      namespace,
      counts: Ref.get(counts),
      createStatefulSet: (body: V1StatefulSet) => call("create", "statefulsets", () => apps.createNamespacedStatefulSet({ namespace, body })),
      readStatefulSet: (name: string) => orNone(call("get", "statefulsets", () => apps.readNamespacedStatefulSet({ name, namespace }))),
      /** An RFC 6902 JSON patch (`application/json-patch+json`): exact replacements of the fields it names. */
      patchStatefulSet: (name: string, body: ReadonlyArray<JsonPatchOp>) =>
        call("patch", "statefulsets", () => apps.patchNamespacedStatefulSet({ name, namespace, body }, jsonPatch)),
      /** False when it was already gone. */
      deleteStatefulSet: (name: string, propagationPolicy: "Foreground" | "Background") =>
        orNone(call("delete", "statefulsets", () => apps.deleteNamespacedStatefulSet({ name, namespace, propagationPolicy }))).pipe(Effect.map(Option.isSome)),
      createService: (body: V1Service) => call("create", "services", () => core.createNamespacedService({ namespace, body })),
      /** False when it was already gone. */
      deleteService: (name: string) => orNone(call("delete", "services", () => core.deleteNamespacedService({ name, namespace }))).pipe(Effect.map(Option.isSome)),
      readService: (name: string) => orNone(call("get", "services", () => core.readNamespacedService({ name, namespace }))),
      readConfigMap: (name: string): Effect.Effect<Option.Option<V1ConfigMap>, ApiFailure> =>
        orNone(call("get", "configmaps", () => core.readNamespacedConfigMap({ name, namespace }))),
      /** False when there was no such pod. */
      deletePod: (name: string) => orNone(call("delete", "pods", () => core.deleteNamespacedPod({ name, namespace }))).pipe(Effect.map(Option.isSome)),
      /** Deletes every pod `labelSelector` selects, in one request. */
      deletePods: (labelSelector: string) => call("deletecollection", "pods", () => core.deleteCollectionNamespacedPod({ namespace, labelSelector })),
      /** The pods `labelSelector` selects, and the list's resourceVersion (where a watch starts). */
      listPods: (labelSelector: string) =>
        call("list", "pods", () => core.listNamespacedPod({ namespace, labelSelector })).pipe(
          Effect.map((list): { readonly items: ReadonlyArray<unknown>; readonly resourceVersion: string } => ({
            items: list.items,
            resourceVersion: list.metadata?.resourceVersion ?? ""
          }))
        ),
      /** Events of the pods `labelSelector` selects after `resourceVersion`, until the server ends
       * the watch (at most `timeoutSeconds`); one request, open as long as the stream runs. */
      watchPods: (labelSelector: string, resourceVersion: string, timeoutSeconds: number): Stream.Stream<WatchEvent, ApiFailure> =>
        Stream.unwrap(Ref.update(counts, (c) => ({ ...c, "watch pods": (c["watch pods"] ?? 0) + 1 })).pipe(Effect.as(
          Stream.async<WatchEvent, ApiFailure>((emit) => {
            const started = watcher.watch(
              `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
              { labelSelector, resourceVersion, timeoutSeconds, allowWatchBookmarks: true },
              (type: string, object: unknown) => void emit.single({ type, object }),
              (err: unknown) => void (err === null || err === undefined ? emit.end() : emit.fail(watchFailure(err)))
            ).catch((err: unknown) => {
              void emit.fail(watchFailure(err))
              return undefined
            })
            // Aborted once it has started: waiting here would hold an interruption until the
            // server answers the watch.
            return Effect.sync(() => void started.then((controller) => controller?.abort()))
          })
        )))
    }
  })

/** The calls of one namespace. */
export type KubeApi = Effect.Effect.Success<ReturnType<typeof make>>

const WatchError = Schema.Struct({ statusCode: Schema.Number })

const watchFailure = (err: unknown): ApiFailure => {
  const status = Schema.decodeUnknownOption(WatchError)(err).pipe(Option.map((e) => e.statusCode))
  return new ApiFailure({
    call: "watch pods",
    status,
    reason: Option.match(status, { onNone: () => "Unreachable", onSome: String }),
    message: err instanceof Error ? err.message : String(err)
  })
}
