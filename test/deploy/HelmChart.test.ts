// deploy/helm/heron-runtime: `helm lint` and `helm template` pass (the real Helm 3 binary), every
// rendered manifest validates against the API schema (kubernetes-models) with no unknown field
// (client-node's models), the default rendering matches a reviewed fixture, and what it renders
// fits the runtime: the cluster file, the pod template the scheduler reads, and RBAC covering every
// request the kubernetes scheduler makes.
import { NodeContext } from "@effect/platform-node"
import { loadAllYaml } from "@kubernetes/client-node"
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import { Deployment } from "kubernetes-models/apps/v1/Deployment"
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role"
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding"
import { ConfigMap } from "kubernetes-models/v1/ConfigMap"
import { Service } from "kubernetes-models/v1/Service"
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as ClusterLoader from "../../dsl/ClusterLoader.js"
import { decodePodTemplateSpec, unknownFields } from "../../plugins/schedulers/kubernetes/internal/validate.js"
import { isRecord } from "../support/localCluster.js"
import { startKubeApiServer } from "../support/services/kubeApiServer.js"
import { options, scheduler, wordCountRequest } from "../plugins/schedulers/kubernetes/helpers.js"
import { helmBinary, repoRoot, runHelm } from "./helmBinary.js"

const chart = join(repoRoot, "deploy/helm/heron-runtime")
const fixture = join(repoRoot, "test/deploy/fixtures/heron-runtime.default.json")
const found = helmBinary()
const helm = "helm" in found ? found.helm : undefined
if (helm === undefined && process.env["CI"] === "true") throw new Error(`helm is needed on CI: ${"missing" in found ? found.missing : ""}`)

type Manifest = Record<string, unknown>

/** What `helm template` renders with `values` (`--set` pairs), as objects. */
const render = (values: Record<string, string> = {}, namespace = "heron"): Array<Manifest> => {
  const set = Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${v}`])
  const r = runHelm(helm ?? "helm", ["template", "heron", chart, "--namespace", namespace, ...set])
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`)
  return loadAllYaml(r.stdout).filter(isRecord)
}

/** A manifest as client-node's models keep it (fields the API does not know dropped). */
type Kept = ReturnType<typeof ObjectSerializer.serialize>

const models: Record<string, { readonly validate: (m: Kept) => void; readonly clientType: string }> = {
  Deployment: { validate: (m) => new Deployment(m).validate(), clientType: "V1Deployment" },
  Service: { validate: (m) => new Service(m).validate(), clientType: "V1Service" },
  ConfigMap: { validate: (m) => new ConfigMap(m).validate(), clientType: "V1ConfigMap" },
  ServiceAccount: { validate: (m) => new ServiceAccount(m).validate(), clientType: "V1ServiceAccount" },
  Role: { validate: (m) => new Role(m).validate(), clientType: "V1Role" },
  RoleBinding: { validate: (m) => new RoleBinding(m).validate(), clientType: "V1RoleBinding" }
}

/** Every manifest validates, and carries no field the API does not know. */
const expectValid = (manifests: ReadonlyArray<Manifest>) => {
  for (const m of manifests) {
    const model = models[String(m["kind"])]
    expect(model, `a model for ${String(m["kind"])}`).toBeDefined()
    const kept: Kept = ObjectSerializer.serialize(ObjectSerializer.deserialize(m, model?.clientType ?? "", ""), model?.clientType ?? "", "")
    expect(unknownFields(m, kept), `${String(m["kind"])} fields`).toEqual([])
    model?.validate(kept)
  }
}

const find = (ms: ReadonlyArray<Manifest>, kind: string, name: string, namespace = "heron") =>
  ms.find((m) => m["kind"] === kind && isRecord(m["metadata"]) && m["metadata"]["name"] === name && m["metadata"]["namespace"] === namespace)
const field = (o: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((node, k) => (Array.isArray(node) ? node[Number(k)] : isRecord(node) ? node[String(k)] : undefined), o)

/** Runs `self` with `vars` in the environment (the cluster file reads it when loaded), then restores it. */
const withEnv = <A, E>(vars: Record<string, unknown>, self: Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
      for (const [k, v] of Object.entries(vars)) process.env[k] = String(v)
      return saved
    }),
    () => self,
    (saved) => Effect.sync(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    })
  )

const fullValues = {
  "image.repository": "registry.example/heron-runtime",
  "image.tag": "0.1.0",
  "zookeeper.connectString": "zk-0.zk:2181\\,zk-1.zk:2181",
  "zookeeper.authSecret": "heron-zk",
  "s3.endpoint": "http://minio.storage:9000",
  "s3.bucket": "heron-packages",
  "s3.credentialsSecret": "heron-s3",
  "api.tokensSecret": "heron-api",
  "replicaCount": "2",
  "resources.limits.memory": "2Gi"
}

describe.skipIf(helm === undefined)("helm chart deploy/helm/heron-runtime", () => {
  it("helm lint --strict passes, with the defaults and with every setting", () => {
    for (const values of [{}, fullValues]) {
      const set = Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${v}`])
      const r = runHelm(helm ?? "helm", ["lint", chart, "--strict", ...set])
      expect(r.stdout + r.stderr).toContain("1 chart(s) linted, 0 chart(s) failed")
      expect(r.code).toBe(0)
    }
  })

  it("helm template renders the runtime's objects, each valid, the defaults as in the reviewed fixture", () => {
    const manifests = render()
    expectValid(manifests)
    expect(manifests.map((m) => `${String(m["kind"])}/${String(field(m, "metadata", "name"))}`)).toEqual([
      "ServiceAccount/heron-heron-runtime",
      "ServiceAccount/heron-heron-runtime-executor",
      "ConfigMap/heron-heron-runtime-cluster",
      "ConfigMap/heron-heron-runtime-env",
      "ConfigMap/heron-heron-runtime-pod-template",
      "Role/heron-heron-runtime-scheduler",
      "RoleBinding/heron-heron-runtime-scheduler",
      "Service/heron-heron-runtime",
      "Deployment/heron-heron-runtime"
    ])
    // The cluster file (checked against clusters/ below) and the checksum of the ConfigMaps vary
    // with the file's text: left out of the fixture.
    const normalized = JSON.parse(JSON.stringify(manifests, (k, v: unknown) =>
      k === "kubernetes.heron.ts" ? "<clusters/kubernetes.heron.ts>" : k === "checksum/config" && typeof v === "string" && /^[0-9a-f]{64}$/.test(v) ? "<sha256>" : v))
    // HERON_UPDATE_FIXTURES=1 rewrites the fixture; review its diff before committing it.
    if (process.env["HERON_UPDATE_FIXTURES"] === "1") writeFileSync(fixture, `${JSON.stringify(normalized, null, 2)}\n`)
    expect(normalized).toEqual(JSON.parse(readFileSync(fixture, "utf8")))
    expectValid(render(fullValues))
  })

  it("the Deployment runs heron-runtime --cluster <cluster> with the ZooKeeper, S3 and API settings, behind the Service", () => {
    const ms = render(fullValues)
    const deployment = find(ms, "Deployment", "heron-heron-runtime")
    const container = field(deployment, "spec", "template", "spec", "containers", 0)
    expect(field(container, "command")).toEqual(["heron-runtime"])
    expect(field(container, "args")).toEqual(["--cluster", "kubernetes", "--clusters-dir", "/opt/heron/clusters", "--port", "8888"])
    expect(field(container, "image")).toBe("registry.example/heron-runtime:0.1.0")
    expect(field(container, "envFrom")).toEqual([{ configMapRef: { name: "heron-heron-runtime-env" } }, { secretRef: { name: "heron-s3" } }])
    expect(field(container, "env")).toEqual([
      { name: "HERON_ZK_AUTH", valueFrom: { secretKeyRef: { name: "heron-zk", key: "HERON_ZK_AUTH" } } },
      { name: "HERON_API_TOKENS", valueFrom: { secretKeyRef: { name: "heron-api", key: "HERON_API_TOKENS" } } }
    ])
    expect(field(container, "resources", "limits", "memory")).toBe("2Gi")
    expect(field(container, "livenessProbe", "httpGet")).toEqual({ path: "/health", port: "http" })
    expect(field(deployment, "spec", "replicas")).toBe(2)
    expect(field(deployment, "spec", "template", "spec", "serviceAccountName")).toBe("heron-heron-runtime")
    const env = field(find(ms, "ConfigMap", "heron-heron-runtime-env"), "data")
    expect(env).toMatchObject({
      HERON_ZK_CONNECT: "zk-0.zk:2181,zk-1.zk:2181",
      HERON_S3_ENDPOINT: "http://minio.storage:9000",
      HERON_S3_BUCKET: "heron-packages",
      HERON_K8S_NAMESPACE: "heron",
      HERON_IMAGE: "registry.example/heron-runtime:0.1.0",
      HERON_HIGH_AVAILABILITY: "true"
    })
    // The Service reaches the runtime's pods on the port it listens on.
    const service = find(ms, "Service", "heron-heron-runtime")
    expect(field(service, "spec", "ports")).toEqual([{ name: "http", port: 8888, targetPort: "http", protocol: "TCP" }])
    const podLabels = field(deployment, "spec", "template", "metadata", "labels")
    const selector = field(service, "spec", "selector")
    for (const [k, v] of Object.entries(isRecord(selector) ? selector : {})) expect(field(podLabels, k)).toBe(v)
    // The cluster file is the one in clusters/, under the name the runtime is given.
    expect(field(find(ms, "ConfigMap", "heron-heron-runtime-cluster"), "data", "kubernetes.heron.ts")).toBe(readFileSync(join(repoRoot, "clusters/kubernetes.heron.ts"), "utf8"))
  })

  it("the pod template is one the scheduler accepts: the cluster file mounted, the same settings and secrets", () => {
    const ms = render(fullValues)
    const text = field(find(ms, "ConfigMap", "heron-heron-runtime-pod-template"), "data", "pod-template.yaml")
    const parsed = decodePodTemplateSpec(loadAllYaml(String(text))[0])
    expect(Either.isRight(parsed)).toBe(true)
    const executor = Either.getOrThrow(parsed).spec?.containers.find((c) => c.name === "executor")
    expect(executor?.envFrom).toEqual([{ configMapRef: { name: "heron-heron-runtime-env" } }, { secretRef: { name: "heron-s3" } }])
    expect(executor?.env).toEqual([{ name: "HERON_ZK_AUTH", valueFrom: { secretKeyRef: { name: "heron-zk", key: "HERON_ZK_AUTH" } } }])
    expect(executor?.volumeMounts).toEqual([{ name: "heron-cluster", mountPath: "/opt/heron/clusters", readOnly: true }])
    expect(field(find(ms, "ConfigMap", "heron-heron-runtime-env"), "data", "HERON_K8S_POD_TEMPLATE")).toBe("heron-heron-runtime-pod-template/pod-template.yaml")
  })

  it("topologies in another namespace: the Role and the pods' ConfigMaps go there, the binding names the runtime's account", () => {
    const ms = render({ "scheduler.namespace": "streaming" })
    expectValid(ms)
    expect(find(ms, "Role", "heron-heron-runtime-scheduler", "streaming")).toBeDefined()
    expect(field(find(ms, "RoleBinding", "heron-heron-runtime-scheduler", "streaming"), "subjects")).toEqual([{ kind: "ServiceAccount", name: "heron-heron-runtime", namespace: "heron" }])
    for (const name of ["cluster", "env", "pod-template"]) {
      expect(find(ms, "ConfigMap", `heron-heron-runtime-${name}`, "heron")).toBeDefined()
      expect(find(ms, "ConfigMap", `heron-heron-runtime-${name}`, "streaming")).toBeDefined()
    }
    expect(find(ms, "ServiceAccount", "heron-heron-runtime-executor", "streaming")).toBeDefined()
  })

  it.effect("the cluster file loads with the settings the chart gives the runtime", () =>
    Effect.gen(function*() {
      const env = field(find(render(fullValues), "ConfigMap", "heron-heron-runtime-env"), "data")
      const c = yield* withEnv(isRecord(env) ? env : {}, ClusterLoader.loadCluster("kubernetes", [join(repoRoot, "clusters")]).pipe(Effect.provide(NodeContext.layer)))
      expect(c.scheduler.config).toMatchObject({
        namespace: "heron",
        image: "registry.example/heron-runtime:0.1.0",
        imagePullPolicy: "IfNotPresent",
        serviceAccount: "heron-heron-runtime-executor",
        podTemplate: { configMap: "heron-heron-runtime-pod-template", key: "pod-template.yaml" }
      })
      expect(c.stateManager.config).toMatchObject({ connectionString: "zk-0.zk:2181,zk-1.zk:2181", root: "/heron" })
      expect(c.uploader.config).toMatchObject({ bucket: "heron-packages", endpoint: "http://minio.storage:9000", forcePathStyle: true })
      expect(c.tracker).toEqual({ host: "0.0.0.0", port: 8888 })
      expect(c.runtime).toEqual({ highAvailability: true })
      expect(c.root).toBe("/var/lib/heron")
    }))

  it("a missing required value stops the rendering with its name", () => {
    const r = runHelm(helm ?? "helm", ["template", "heron", chart, "--set", "zookeeper.connectString="])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain("zookeeper.connectString is required")
  })

  it.scopedLive("the Role allows every request the kubernetes scheduler makes in a topology's life", () =>
    Effect.gen(function*() {
      const rules = field(find(render(), "Role", "heron-heron-runtime-scheduler"), "rules")
      const allowed = (verb: string, resource: string) =>
        (Array.isArray(rules) ? rules : []).some((r) => {
          const resources = field(r, "resources")
          const verbs = field(r, "verbs")
          return Array.isArray(resources) && resources.includes(resource) && Array.isArray(verbs) && verbs.includes(verb)
        })
      const api = yield* startKubeApiServer()
      api.put("configmaps", "heron", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tpl" }, data: { "pod-template.yaml": "spec: {}" } })
      const { scheduler: s } = yield* scheduler(options(api.url, { podTemplate: { configMap: "tpl", key: "pod-template.yaml" } }))
      const two = yield* wordCountRequest({ containers: 2 })
      yield* s.schedule(two)
      yield* s.status(two.topology)
      yield* s.schedule(two)
      yield* s.update(yield* wordCountRequest({ containers: 3 }))
      yield* s.restart(two.topology, Option.some(1))
      yield* s.restart(two.topology, Option.none())
      yield* s.kill(two.topology)
      const made = [...new Set(api.requests.map((r) => `${r.verb} ${r.resource}`))].sort()
      expect(made).toEqual([
        "create services", "create statefulsets", "delete pods", "delete statefulsets", "deletecollection pods",
        "get configmaps", "get services", "get statefulsets", "list pods", "patch statefulsets", "watch pods"
      ])
      for (const m of made) {
        const [verb = "", resource = ""] = m.split(" ")
        expect(allowed(verb, resource), m).toBe(true)
      }
    }))
})
