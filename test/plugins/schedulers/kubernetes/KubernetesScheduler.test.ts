import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet"
import { Service } from "kubernetes-models/v1/Service"
import { isRecord } from "../../../support/services/kubeApiServer/patch.js"
import type { KubeApiServer, KubeObject } from "../../../support/services/kubeApiServer.js"
import { allRunning, countsSince, eventually, NAMESPACE, options, requestsSince, scheduledWordCount, scheduler, setUp, wordCountRequest } from "./helpers.js"

const uidOf = (o: KubeObject | undefined) => (isRecord(o?.["metadata"]) ? String(o["metadata"]["uid"]) : "")
const ownersOf = (o: KubeObject | undefined) => (isRecord(o?.["metadata"]) && Array.isArray(o["metadata"]["ownerReferences"]) ? o["metadata"]["ownerReferences"] : [])
const podUids = (api: KubeApiServer) => Object.fromEntries(api.list("pods", NAMESPACE).map((p) => [String(isRecord(p["metadata"]) ? p["metadata"]["name"] : ""), uidOf(p)]))

describe("kubernetes scheduler against the API-server double", () => {
  it.scopedLive("schedule creates the manager, the executors and a headless Service, each manifest valid and complete", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request } = yield* setUp()
      yield* s.schedule(request)
      const creates = requestsSince(api, 0, (r) => r.verb === "create")
      expect(creates.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        "POST /apis/apps/v1/namespaces/heron/statefulsets 201",
        "POST /api/v1/namespaces/heron/services 201",
        "POST /apis/apps/v1/namespaces/heron/statefulsets 201"
      ])
      // What arrived validates against the API schema, and the server dropped no unknown field.
      for (const r of creates) {
        expect(r.warnings).toEqual([])
        if (isRecord(r.body) && r.body["kind"] === "StatefulSet") new StatefulSet(r.body).validate()
        else if (isRecord(r.body)) new Service(r.body).validate()
      }
      const manager = api.get("statefulsets", NAMESPACE, "word-count-manager")
      expect(manager?.["spec"]).toMatchObject({ replicas: 1, serviceName: "word-count" })
      expect(api.get("statefulsets", NAMESPACE, "word-count-executors")?.["spec"]).toMatchObject({ replicas: 2 })
      expect(api.get("services", NAMESPACE, "word-count")?.["spec"]).toMatchObject({ clusterIP: "None" })
      const status = yield* eventually(s.status(request.topology), allRunning(3))
      expect(status.map((c) => [c.index, c.handle.split("@")[0]])).toEqual([
        [0, "word-count-manager-0"],
        [1, "word-count-executors-0"],
        [2, "word-count-executors-1"]
      ])
      yield* s.kill(request.topology)
    }))

  it.scopedLive("owner references: the manager owns the rest, so deleting it deletes the whole topology", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request } = yield* setUp()
      yield* s.schedule(request)
      const managerUid = uidOf(api.get("statefulsets", NAMESPACE, "word-count-manager"))
      for (const o of [api.get("statefulsets", NAMESPACE, "word-count-executors"), api.get("services", NAMESPACE, "word-count")]) {
        expect(ownersOf(o)).toEqual([{ apiVersion: "apps/v1", kind: "StatefulSet", name: "word-count-manager", uid: managerUid, blockOwnerDeletion: true, controller: false }])
      }
      yield* eventually(s.status(request.topology), allRunning(3))
      // As `kubectl delete statefulset word-count-manager` would: the garbage collector does the rest.
      yield* Effect.promise(() => fetch(`${api.url}/apis/apps/v1/namespaces/${NAMESPACE}/statefulsets/word-count-manager`, { method: "DELETE" }))
      yield* eventually(Effect.sync(() => [api.list("statefulsets", NAMESPACE).length, api.list("services", NAMESPACE).length, api.list("pods", NAMESPACE).length]), (n) => n.every((x) => x === 0))
      expect(yield* eventually(s.status(request.topology), (st) => st.length === 0)).toEqual([])
    }))

  it.scopedLive("schedule is idempotent: a second schedule adopts what runs (nothing created, patched or restarted)", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request } = yield* scheduledWordCount()
      const before = podUids(api)
      const from = api.requests.length
      yield* s.schedule(request)
      expect(countsSince(api, from)).toEqual({ "create statefulsets": 1, "get statefulsets": 2, "get services": 1 })
      expect(requestsSince(api, from, (r) => r.verb === "create")[0]?.status).toBe(409)
      expect(podUids(api)).toEqual(before)
      yield* s.kill(request.topology)
    }))

  it.scopedLive("kill deletes the manager with Foreground propagation and waits until no pod is left; an unknown topology is fine", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, stats, request } = yield* scheduledWordCount()
      const from = api.requests.length
      yield* s.kill(request.topology)
      expect(requestsSince(api, from).map((r) => `${r.method} ${r.path}?propagationPolicy=${r.query["propagationPolicy"]} ${r.status}`)).toEqual([
        "DELETE /apis/apps/v1/namespaces/heron/statefulsets/word-count-manager?propagationPolicy=Foreground 200"
      ])
      expect([api.list("statefulsets", NAMESPACE), api.list("services", NAMESPACE), api.list("pods", NAMESPACE)]).toEqual([[], [], []])
      // The topology's watch is closed with it.
      expect(yield* stats.watches).toBe(0)
      yield* eventually(Effect.sync(() => api.openWatches()), (n) => n === 0)
      yield* s.kill(request.topology)
      expect(yield* s.status(request.topology)).toEqual([])
    }))

  it.scopedLive("restart of one container deletes its pod only; restart of all deletes the topology's pods in one request", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request, running: first } = yield* scheduledWordCount()
      let from = api.requests.length
      yield* s.restart(request.topology, Option.some(2))
      expect(requestsSince(api, from).map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /api/v1/namespaces/heron/pods/word-count-executors-1"])
      const second = yield* eventually(s.status(request.topology), (st) => allRunning(3)(st) && st[2]?.handle !== first[2]?.handle)
      expect(second.slice(0, 2).map((c) => c.handle)).toEqual(first.slice(0, 2).map((c) => c.handle))
      from = api.requests.length
      yield* s.restart(request.topology, Option.none())
      expect(requestsSince(api, from).map((r) => `${r.method} ${r.path} ${r.query["labelSelector"]}`)).toEqual([
        "DELETE /api/v1/namespaces/heron/pods app.kubernetes.io/managed-by=heron-runtime,heron.apache.org/topology=word-count"
      ])
      yield* eventually(s.status(request.topology), (st) => allRunning(3)(st) && st.every((c, i) => c.handle !== second[i]?.handle))
      const missing = yield* Effect.either(s.restart(request.topology, Option.some(7)))
      expect(Either.getLeft(missing)).toEqual(Option.some(expect.objectContaining({ message: "topology word-count has no container 7", retryable: false })))
      yield* s.kill(request.topology)
      const unknown = yield* Effect.either(s.restart(request.topology, Option.none()))
      expect(Either.getLeft(unknown)).toEqual(Option.some(expect.objectContaining({ message: "topology word-count is not scheduled in namespace heron" })))
    }))

  it.scopedLive("update patches the executors' replicas and template (JSON patch) and replaces only the changed containers' pods", () =>
    Effect.gen(function*() {
      const { api, scheduler: s, request: two } = yield* scheduledWordCount({}, { containers: 2 })
      const before = podUids(api)
      const from = api.requests.length
      const three = yield* wordCountRequest({ containers: 3 })
      yield* s.update(three)
      const patches = requestsSince(api, from, (r) => r.verb === "patch")
      expect(patches.map((r) => [r.path, r.contentType, r.status])).toEqual([["/apis/apps/v1/namespaces/heron/statefulsets/word-count-executors", "application/json-patch+json", 200]])
      const ops = Array.isArray(patches[0]?.body) ? patches[0].body.map((o: unknown) => (isRecord(o) ? o["path"] : "")) : []
      expect(ops).toContain("/spec/replicas")
      expect(ops).toContain("/spec/template")
      expect(api.get("statefulsets", NAMESPACE, "word-count-executors")?.["spec"]).toMatchObject({ replicas: 3 })
      // Re-packed into three containers, containers 1 and 2 run other instances: their pods are replaced;
      // container 0 (the TManager) is unchanged and keeps running.
      const changed = requestsSince(api, from, (r) => r.verb === "delete").map((r) => r.path.split("/").pop())
      expect(changed).toEqual(["word-count-executors-0", "word-count-executors-1"])
      yield* eventually(s.status(three.topology), allRunning(4))
      expect(podUids(api)["word-count-manager-0"]).toBe(before["word-count-manager-0"])
      // The same plan again: nothing to do, nothing sent but reads.
      const again = api.requests.length
      yield* s.update(three)
      expect(requestsSince(api, again).every((r) => r.verb === "get")).toBe(true)
      // Back to two containers: scaled down, the third pod goes.
      yield* s.update(two)
      expect(api.get("statefulsets", NAMESPACE, "word-count-executors")?.["spec"]).toMatchObject({ replicas: 2 })
      yield* eventually(s.status(two.topology), allRunning(3))
      yield* s.kill(two.topology)
    }))

  it.scopedLive("pod templates come from a ConfigMap; a bad template is refused before anything is sent", () =>
    Effect.gen(function*() {
      const template = { configMap: "heron-pod-template", key: "pod-template.yaml" }
      const { api, scheduler: s, request } = yield* setUp({ podTemplate: template })
      const missing = yield* Effect.either(s.schedule(request))
      expect(Either.getLeft(missing)).toEqual(Option.some(expect.objectContaining({
        message: "pod template heron-pod-template/pod-template.yaml in namespace heron: no such ConfigMap",
        retryable: false
      })))
      const configMap = (yaml: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "heron-pod-template" }, data: { "pod-template.yaml": yaml } })
      api.put("configmaps", NAMESPACE, configMap("spec:\n  tolerations:\n    - key: dedicated\n      operatr: Exists\n"))
      const typo = yield* Effect.either(s.schedule(request))
      expect(Either.getLeft(typo)).toEqual(Option.some(expect.objectContaining({ message: expect.stringContaining("unknown field(s) spec.tolerations[0].operatr"), retryable: false })))
      expect(api.list("statefulsets", NAMESPACE)).toEqual([])
      api.put("configmaps", NAMESPACE, configMap([
        "apiVersion: v1",
        "kind: PodTemplate",
        "template:",
        "  spec:",
        "    nodeSelector: { pool: heron }",
        "    containers:",
        "      - name: executor",
        "        envFrom: [{ secretRef: { name: heron-s3 } }]"
      ].join("\n")))
      yield* s.schedule(request)
      for (const name of ["word-count-manager", "word-count-executors"]) {
        const spec = api.get("statefulsets", NAMESPACE, name)?.["spec"]
        expect(spec).toMatchObject({ template: { spec: { nodeSelector: { pool: "heron" }, containers: [{ name: "executor", envFrom: [{ secretRef: { name: "heron-s3" } }] }] } } })
      }
      yield* s.kill(request.topology)
    }))

  it.scopedLive("the API server's refusals become scheduler errors: 422 Invalid is final, an unreachable server is retryable", () =>
    Effect.gen(function*() {
      // A label value the API refuses (kubernetes-models has no pattern for label values).
      const { scheduler: s, request } = yield* setUp({ labels: { owner: "alice@example.com" } })
      const refused = yield* Effect.either(s.schedule(request))
      expect(Either.getLeft(refused)).toEqual(Option.some(expect.objectContaining({
        op: "schedule",
        topology: "word-count",
        message: expect.stringMatching(/^create statefulsets in namespace heron: 422 Invalid: StatefulSet.apps "word-count-manager" is invalid: metadata.labels: Invalid value: "alice@example.com"/),
        retryable: false
      })))
      const { scheduler: down } = yield* scheduler(options("http://127.0.0.1:9"))
      const unreachable = yield* Effect.either(down.schedule(request))
      expect(Either.getLeft(unreachable)).toEqual(Option.some(expect.objectContaining({ message: expect.stringMatching(/^create statefulsets in namespace heron: Unreachable: /), retryable: true })))
    }))

  it.scopedLive("job links: the StatefulSets' API URLs by default, or the templates given", () =>
    Effect.gen(function*() {
      const { api, scheduler: plain, request } = yield* setUp()
      expect(yield* plain.jobLinks(request.topology)).toEqual([
        `${api.url}/apis/apps/v1/namespaces/heron/statefulsets/word-count-manager`,
        `${api.url}/apis/apps/v1/namespaces/heron/statefulsets/word-count-executors`
      ])
      const { scheduler: dashboard } = yield* scheduler(options(api.url, { jobLinks: ["https://dash.example/#/statefulset/{namespace}/{topology}-executors?c={cluster}&r={role}&e={environ}"] }))
      expect(yield* dashboard.jobLinks(request.topology)).toEqual(["https://dash.example/#/statefulset/heron/word-count-executors?c=kubernetes&r=alice&e=prod"])
      expect(api.requests).toEqual([])
    }))
})
