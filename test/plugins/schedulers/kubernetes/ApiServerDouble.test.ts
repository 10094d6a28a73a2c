/**
 * The API-server double answers as the API server does, driven here through client-node (what
 * the scheduler uses) and plain HTTP: these tests pin down the protocol the scheduler tests rely on.
 */
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, Watch, type V1StatefulSet } from "@kubernetes/client-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startKubeApiServer, type KubeApiServer } from "../../../support/services/kubeApiServer.js"
import { metaOf, nameOf, uidOf } from "../../../support/services/kubeApiServer/store.js"
import { eventually } from "./helpers.js"

const ns = "team"

const clients = (api: KubeApiServer) => {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: "d", server: api.url, skipTLSVerify: true }],
    users: [{ name: "d" }],
    contexts: [{ name: "d", cluster: "d", user: "d" }],
    currentContext: "d"
  })
  return { apps: kc.makeApiClient(AppsV1Api), core: kc.makeApiClient(CoreV1Api), watch: new Watch(kc) }
}

const set = (name: string, replicas: number, extra: Record<string, unknown> = {}): V1StatefulSet => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    serviceName: name,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name, tier: "x" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
    ...extra
  }
})

const parsed = (text: string): unknown => JSON.parse(text)

/** The status code and `Status` body of a refused call. */
const refusal = (p: Promise<unknown>) =>
  Effect.promise(() =>
    p.then(
      (): { code: number; status: unknown } => ({ code: 0, status: {} }),
      (e: unknown) => (e instanceof ApiException ? { code: e.code, status: parsed(String(e.body)) } : { code: -1, status: {} })
    ))

const podNames = (api: KubeApiServer, selector?: string) => api.list("pods", ns, selector).map(nameOf).sort()

describe("Kubernetes API-server double", () => {
  it.scopedLive("create, get, 404 NotFound, 409 AlreadyExists and 422 Invalid, with Status bodies", () =>
    Effect.gen(function*() {
      const api = yield* startKubeApiServer()
      const { apps } = clients(api)
      const created = yield* Effect.promise(() => apps.createNamespacedStatefulSet({ namespace: ns, body: set("web", 2) }))
      expect(created.metadata).toMatchObject({ name: "web", namespace: ns, generation: 1 })
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
      expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0)
      expect(yield* refusal(apps.readNamespacedStatefulSet({ name: "nope", namespace: ns }))).toEqual({
        code: 404,
        status: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'statefulsets.apps "nope" not found', reason: "NotFound", details: { name: "nope", group: "apps", kind: "statefulsets" }, code: 404 }
      })
      expect(yield* refusal(apps.createNamespacedStatefulSet({ namespace: ns, body: set("web", 1) }))).toMatchObject({ code: 409, status: { reason: "AlreadyExists", message: 'statefulsets.apps "web" already exists' } })
      const mismatched = set("bad", 1, { selector: { matchLabels: { app: "other" } } })
      expect(yield* refusal(apps.createNamespacedStatefulSet({ namespace: ns, body: mismatched }))).toMatchObject({
        code: 422,
        status: { reason: "Invalid", details: { causes: [{ reason: "FieldValueInvalid", field: "spec.template.metadata.labels" }] } }
      })
      expect(api.requests.map((r) => [r.verb, r.status])).toEqual([["create", 201], ["get", 404], ["create", 409], ["create", 422]])
    }))

  it.scopedLive("PATCH as client-node sends it: JSON patch, merge patch, a 409 on a stale version, 422 on an immutable field, 415 otherwise", () =>
    Effect.gen(function*() {
      const api = yield* startKubeApiServer()
      const { apps } = clients(api)
      const created = yield* Effect.promise(() => apps.createNamespacedStatefulSet({ namespace: ns, body: set("web", 1) }))
      const json = yield* Effect.promise(() => apps.patchNamespacedStatefulSet({ name: "web", namespace: ns, body: [{ op: "replace", path: "/spec/replicas", value: 3 }] }))
      expect(json.spec?.replicas).toBe(3)
      const merge = yield* Effect.promise(() =>
        apps.patchNamespacedStatefulSet({ name: "web", namespace: ns, body: { metadata: { annotations: { a: "1" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)))
      expect(merge.metadata?.annotations).toEqual({ a: "1" })
      expect(api.requests.filter((r) => r.verb === "patch").map((r) => r.contentType)).toEqual(["application/json-patch+json", "application/merge-patch+json"])
      const stale = { metadata: { resourceVersion: created.metadata?.resourceVersion }, spec: { replicas: 1 } }
      expect(yield* refusal(apps.patchNamespacedStatefulSet({ name: "web", namespace: ns, body: stale }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)))).toMatchObject({ code: 409, status: { reason: "Conflict" } })
      const selector = [{ op: "replace", path: "/spec/selector", value: { matchLabels: { app: "web", v: "2" } } }]
      expect(yield* refusal(apps.patchNamespacedStatefulSet({ name: "web", namespace: ns, body: selector }))).toMatchObject({ code: 422, status: { reason: "Invalid", message: expect.stringContaining("spec: Forbidden: updates to statefulset spec for fields other than 'replicas'") } })
      expect(yield* refusal(apps.patchNamespacedStatefulSet({ name: "web", namespace: ns, body: {} }, setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply)))).toMatchObject({ code: 415, status: { reason: "UnsupportedMediaType" } })
      const test = [{ op: "test", path: "/spec/replicas", value: 9 }]
      expect(yield* refusal(apps.patchNamespacedStatefulSet({ name: "web", namespace: ns, body: test }))).toMatchObject({ code: 422 })
    }))

  it.scopedLive("unknown fields are dropped with a Warning, or refused with fieldValidation=Strict", () =>
    Effect.gen(function*() {
      const api = yield* startKubeApiServer()
      const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { k: "v" }, dta: { x: "y" } }
      const res = yield* Effect.promise(() => fetch(`${api.url}/api/v1/namespaces/${ns}/configmaps`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }))
      expect(res.status).toBe(201)
      expect(res.headers.get("warning")).toBe('299 - "unknown field \\"dta\\""')
      expect(api.get("configmaps", ns, "c")).not.toHaveProperty("dta")
      const strict = yield* Effect.promise(() => fetch(`${api.url}/api/v1/namespaces/${ns}/configmaps?fieldValidation=Strict`, { method: "POST", body: JSON.stringify({ ...body, metadata: { name: "d" } }) }))
      expect(strict.status).toBe(400)
      expect(yield* Effect.promise(() => strict.json())).toMatchObject({ reason: "BadRequest", message: 'strict decoding error: unknown field "dta"' })
    }))

  it.scopedLive("the StatefulSet controller makes, scales and (RollingUpdate only) replaces pods; label selectors pick them", () =>
    Effect.gen(function*() {
      const api = yield* startKubeApiServer()
      const { apps, core } = clients(api)
      yield* Effect.promise(() => apps.createNamespacedStatefulSet({ namespace: ns, body: set("roll", 2) }))
      yield* Effect.promise(() => apps.createNamespacedStatefulSet({ namespace: ns, body: set("keep", 2, { updateStrategy: { type: "OnDelete" } }) }))
      yield* eventually(Effect.sync(() => podNames(api)), (p) => p.length === 4)
      const pod = yield* Effect.promise(() => core.readNamespacedPod({ name: "roll-1", namespace: ns }))
      expect(pod.metadata?.labels).toMatchObject({ app: "roll", "apps.kubernetes.io/pod-index": "1", "statefulset.kubernetes.io/pod-name": "roll-1" })
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "roll", controller: true })
      yield* eventually(Effect.promise(() => core.readNamespacedPod({ name: "roll-1", namespace: ns })), (p) => p.status?.phase === "Running")
      const listed = yield* Effect.promise(() => core.listNamespacedPod({ namespace: ns, labelSelector: "app in (roll),tier=x,!missing" }))
      expect(listed.items.map((p) => p.metadata?.name).sort()).toEqual(["roll-0", "roll-1"])
      expect(yield* refusal(core.listNamespacedPod({ namespace: ns, labelSelector: "app in roll" }))).toMatchObject({ code: 400, status: { reason: "BadRequest" } })
      const uids = () => Object.fromEntries(api.list("pods", ns).map((p) => [nameOf(p), uidOf(p)]))
      const before = uids()
      const template = (name: string) => [{ op: "replace", path: "/spec/template/metadata/labels/tier", value: "y" }, { op: "replace", path: "/spec/replicas", value: name === "roll" ? 2 : 1 }]
      yield* Effect.promise(() => apps.patchNamespacedStatefulSet({ name: "roll", namespace: ns, body: template("roll") }))
      yield* Effect.promise(() => apps.patchNamespacedStatefulSet({ name: "keep", namespace: ns, body: template("keep") }))
      yield* eventually(Effect.sync(uids), (u) => u["roll-0"] !== undefined && u["roll-0"] !== before["roll-0"] && u["roll-1"] !== undefined && u["roll-1"] !== before["roll-1"] && u["keep-1"] === undefined)
      expect(uids()["keep-0"]).toBe(before["keep-0"])
      const status = (yield* Effect.promise(() => apps.readNamespacedStatefulSet({ name: "roll", namespace: ns }))).status
      expect(status).toMatchObject({ replicas: 2, readyReplicas: 2 })
    }))

  it.scopedLive("watch streams ADDED / MODIFIED / DELETED from a resourceVersion, and ERROR 410 once it is compacted away", () =>
    Effect.gen(function*() {
      const api = yield* startKubeApiServer()
      const { core, watch } = clients(api)
      const list = yield* Effect.promise(() => core.listNamespacedConfigMap({ namespace: ns }))
      const events: Array<string> = []
      const path = `/api/v1/namespaces/${ns}/configmaps`
      const controller = yield* Effect.promise(() =>
        watch.watch(path, { resourceVersion: list.metadata?.resourceVersion, labelSelector: "w=1" }, (type, o: { metadata?: { name?: string } }) => events.push(`${type} ${o.metadata?.name}`), () => undefined))
      const cm = (name: string, w: string) => ({ metadata: { name, labels: { w } }, data: { k: name } })
      yield* Effect.promise(() => core.createNamespacedConfigMap({ namespace: ns, body: cm("a", "1") }))
      yield* Effect.promise(() => core.createNamespacedConfigMap({ namespace: ns, body: cm("b", "2") }))
      yield* Effect.promise(() => core.patchNamespacedConfigMap({ name: "a", namespace: ns, body: { data: { k: "a2" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)))
      yield* Effect.promise(() => core.deleteNamespacedConfigMap({ name: "a", namespace: ns }))
      yield* eventually(Effect.sync(() => events.length), (n) => n >= 3)
      expect(events).toEqual(["ADDED a", "MODIFIED a", "DELETED a"])
      controller.abort()
      // Replayed from the first version: the same events again.
      const replay: Array<string> = []
      yield* Effect.promise(() => watch.watch(path, { resourceVersion: list.metadata?.resourceVersion, labelSelector: "w=1", timeoutSeconds: 1 }, (type, o: { metadata?: { name?: string } }) => replay.push(`${type} ${o.metadata?.name}`), () => undefined))
      yield* eventually(Effect.sync(() => replay.length), (n) => n >= 3)
      expect(replay).toEqual(events)
      api.compact()
      const gone: Array<unknown> = []
      const ended: Array<unknown> = []
      yield* Effect.promise(() => watch.watch(path, { resourceVersion: list.metadata?.resourceVersion }, (type, o) => gone.push([type, o]), (err) => ended.push(err)))
      yield* eventually(Effect.sync(() => ended.length), (n) => n === 1)
      expect(gone).toEqual([["ERROR", expect.objectContaining({ kind: "Status", code: 410, reason: "Expired" })]])
    }))

  it.scopedLive("DELETE with propagationPolicy: Orphan keeps the dependents, Foreground removes them before the owner", () =>
    Effect.gen(function*() {
      const api = yield* startKubeApiServer()
      const { apps } = clients(api)
      yield* Effect.promise(() => apps.createNamespacedStatefulSet({ namespace: ns, body: set("orphaned", 1) }))
      yield* eventually(Effect.sync(() => podNames(api)), (p) => p.length === 1)
      yield* Effect.promise(() => apps.deleteNamespacedStatefulSet({ name: "orphaned", namespace: ns, propagationPolicy: "Orphan" }))
      expect(podNames(api)).toEqual(["orphaned-0"])
      expect(metaOf(api.list("pods", ns)[0])["ownerReferences"]).toEqual([])
      yield* Effect.promise(() => apps.createNamespacedStatefulSet({ namespace: ns, body: set("fg", 2) }))
      yield* eventually(Effect.sync(() => podNames(api, "app=fg")), (p) => p.length === 2)
      const from = api.requests.length
      yield* Effect.promise(() => apps.deleteNamespacedStatefulSet({ name: "fg", namespace: ns, propagationPolicy: "Foreground" }))
      expect(api.get("statefulsets", ns, "fg")).toBeUndefined()
      expect(podNames(api, "app=fg")).toEqual([])
      expect(api.requests.slice(from).map((r) => [r.method, r.query["propagationPolicy"], r.status])).toEqual([["DELETE", "Foreground", 200]])
    }))
})
