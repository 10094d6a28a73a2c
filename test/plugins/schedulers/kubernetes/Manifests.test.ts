import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet"
import { Service } from "kubernetes-models/v1/Service"
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { ContainerLaunch, LaunchRequest, TopologyRef } from "../../../../core/Scheduler.js"
import { Config } from "../../../../plugins/schedulers/kubernetes/Config.js"
import { build, type Manifests } from "../../../../plugins/schedulers/kubernetes/Manifests.js"
import { decodePodTemplateSpec } from "../../../../plugins/schedulers/kubernetes/internal/validate.js"
import { resources, unknownFields } from "../../../support/services/kubeApiServer/validation.js"
import { launchContext, options, wordCountRequest } from "./helpers.js"

const fixture = fileURLToPath(new URL("./fixtures/word-count.manifests.json", import.meta.url))
const config = (extra: Partial<typeof Config.Encoded> = {}) => Schema.decodeUnknownSync(Config)(options("https://kubernetes.default.svc", extra))
const built = (request: LaunchRequest, extra: Partial<typeof Config.Encoded> = {}) => Either.getOrThrow(build(request, config(extra)))

/** Each manifest against the API schema (kubernetes-models) and for fields the API does not know. */
const expectValid = (m: Manifests) => {
  new StatefulSet(m.manager).validate()
  new StatefulSet(m.executors).validate()
  new Service(m.service).validate()
  expect(unknownFields(resources["statefulsets"]!, m.manager)).toEqual([])
  expect(unknownFields(resources["statefulsets"]!, m.executors)).toEqual([])
  expect(unknownFields(resources["services"]!, m.service)).toEqual([])
}

const MiB = 1024 * 1024

describe("kubernetes manifests", () => {
  it.effect("the word count's manifests match the reviewed fixture and validate", () =>
    Effect.gen(function*() {
      const m = built(yield* wordCountRequest())
      expectValid(m)
      // HERON_UPDATE_FIXTURES=1 rewrites the fixture; review its diff before committing it.
      if (process.env["HERON_UPDATE_FIXTURES"] === "1") writeFileSync(fixture, `${JSON.stringify(m, null, 2)}\n`)
      expect(JSON.parse(JSON.stringify(m))).toEqual(JSON.parse(readFileSync(fixture, "utf8")))
    }))

  it.effect("one manager pod for container 0, one executor pod per other container, resources from the packing plan", () =>
    Effect.gen(function*() {
      const request = yield* wordCountRequest({ containers: 3 })
      const m = built(request)
      expect(m.manager.spec?.replicas).toBe(1)
      expect(m.executors.spec?.replicas).toBe(request.packingPlan.containers.length)
      expect(request.packingPlan.containers.length).toBe(3)
      const zero = request.containers.find((c) => c.index === 0)!
      expect(m.manager.spec?.template.spec?.containers[0]?.command).toEqual([...zero.argv])
      expect(m.manager.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({
        cpu: `${Math.round(zero.resources.cpu * 1000)}m`,
        memory: `${Math.ceil(zero.resources.ram / MiB)}Mi`
      })
      // Every executor pod gets the largest container's resources.
      const others = request.containers.filter((c) => c.index > 0)
      const cpu = Math.max(...others.map((c) => c.resources.cpu))
      const ram = Math.max(...others.map((c) => c.resources.ram))
      const disk = Math.max(...others.map((c) => c.resources.disk))
      expect(m.executors.spec?.template.spec?.containers[0]?.resources).toEqual({
        requests: { cpu: `${Math.round(cpu * 1000)}m`, memory: `${Math.ceil(ram / MiB)}Mi`, "ephemeral-storage": `${Math.ceil(disk / MiB)}Mi` },
        limits: { cpu: `${Math.round(cpu * 1000)}m`, memory: `${Math.ceil(ram / MiB)}Mi` }
      })
      expect(Object.keys(JSON.parse(m.executors.metadata?.annotations?.["heron.apache.org/container-specs"] ?? "{}"))).toEqual(["1", "2", "3"])
    }))

  it.effect("labels name the cluster, role, environ and topology; the Service is headless over both StatefulSets", () =>
    Effect.gen(function*() {
      const m = built(yield* wordCountRequest(), { labels: { team: "streaming" } })
      for (const o of [m.manager, m.executors, m.service]) {
        expect(o.metadata?.labels).toMatchObject({
          team: "streaming",
          "app.kubernetes.io/name": "heron",
          "app.kubernetes.io/instance": "word-count",
          "app.kubernetes.io/managed-by": "heron-runtime",
          "heron.apache.org/cluster": "kubernetes",
          "heron.apache.org/role": "alice",
          "heron.apache.org/environ": "prod",
          "heron.apache.org/topology": "word-count"
        })
      }
      expect(m.manager.spec?.template.metadata?.labels).toMatchObject({ "app.kubernetes.io/component": "manager", "heron.apache.org/role": "alice" })
      expect(m.executors.spec?.template.metadata?.labels).toMatchObject({ "app.kubernetes.io/component": "executors" })
      expect(m.service.spec).toMatchObject({ clusterIP: "None", selector: { "heron.apache.org/topology": "word-count" } })
      for (const s of [m.manager, m.executors]) {
        expect(s.spec?.serviceName).toBe(m.service.metadata?.name)
        // The selector picks its own pods only.
        for (const [k, v] of Object.entries(s.spec?.selector.matchLabels ?? {})) expect(s.spec?.template.metadata?.labels?.[k]).toBe(v)
      }
    }))

  it.effect("an executor pod's command runs its own container: pod ordinal + 1", () =>
    Effect.gen(function*() {
      // With `echo` as node, the command prints the argv the executor would get.
      const m = built(yield* wordCountRequest({ ctx: { ...launchContext, node: "/bin/echo" } }))
      const command = m.executors.spec?.template.spec?.containers[0]?.command ?? []
      const run = (pod: string) => execFileSync(command[0] ?? "", command.slice(1), { env: { PATH: "/usr/bin:/bin", HERON_POD_NAME: pod }, encoding: "utf8" }).trim()
      expect(run("word-count-executors-0")).toMatch(/--topology word-count --container 1$/)
      expect(run("word-count-executors-1")).toMatch(/--container 2$/)
      expect(m.executors.spec?.template.spec?.containers[0]?.env).toContainEqual({ name: "HERON_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } })
    }))

  it.effect("options reach every pod: image, pull policy, service account, grace period", () =>
    Effect.gen(function*() {
      const m = built(yield* wordCountRequest(), { imagePullPolicy: "IfNotPresent", serviceAccount: "heron-executor", terminationGracePeriodSeconds: 10 })
      for (const s of [m.manager, m.executors]) {
        expect(s.spec?.template.spec).toMatchObject({ serviceAccountName: "heron-executor", terminationGracePeriodSeconds: 10, restartPolicy: "Always" })
        expect(s.spec?.template.spec?.containers[0]).toMatchObject({ image: "registry.example/heron-runtime:0.1.0", imagePullPolicy: "IfNotPresent" })
      }
      expectValid(m)
    }))

  it.effect("a pod template from a ConfigMap is kept under the scheduler's fields", () =>
    Effect.gen(function*() {
      const template = Either.getOrThrow(decodePodTemplateSpec({
        apiVersion: "v1",
        kind: "PodTemplate",
        metadata: { name: "heron" },
        template: {
          metadata: { labels: { tier: "stream" }, annotations: { "prometheus.io/scrape": "true" } },
          spec: {
            nodeSelector: { pool: "heron" },
            tolerations: [{ key: "dedicated", operator: "Equal", value: "heron", effect: "NoSchedule" }],
            volumes: [{ name: "cluster", configMap: { name: "heron-cluster" } }],
            containers: [
              { name: "executor", image: "ignored", envFrom: [{ secretRef: { name: "heron-s3" } }], env: [{ name: "EXTRA", value: "1" }, { name: "HERON_HOME", value: "/wrong" }], volumeMounts: [{ name: "cluster", mountPath: "/opt/heron/clusters" }], resources: { limits: { "nvidia.com/gpu": "1" } } },
              { name: "log-shipper", image: "fluent-bit:3" }
            ]
          }
        }
      }))
      const m = Either.getOrThrow(build(yield* wordCountRequest(), config(), template))
      expectValid(m)
      const spec = m.executors.spec?.template.spec
      expect(spec?.nodeSelector).toEqual({ pool: "heron" })
      expect(spec?.tolerations).toHaveLength(1)
      expect(spec?.containers.map((c) => c.name)).toEqual(["executor", "log-shipper"])
      const executor = spec?.containers[0]
      expect(executor?.image).toBe("registry.example/heron-runtime:0.1.0")
      expect(executor?.envFrom).toEqual([{ secretRef: { name: "heron-s3" } }])
      expect(executor?.env).toContainEqual({ name: "EXTRA", value: "1" })
      // The launch env wins over the template's.
      expect(executor?.env?.filter((e) => e.name === "HERON_HOME")).toEqual([{ name: "HERON_HOME", value: "/var/lib/heron" }])
      expect(executor?.volumeMounts?.map((v) => v.mountPath).sort()).toEqual(["/opt/heron/clusters", "/var/lib/heron"])
      expect(executor?.resources?.limits).toMatchObject({ "nvidia.com/gpu": "1", cpu: expect.stringMatching(/m$/) })
      expect(spec?.volumes?.map((v) => v.name).sort()).toEqual(["cluster", "heron-home"])
      expect(m.executors.spec?.template.metadata).toMatchObject({ labels: { tier: "stream", "heron.apache.org/topology": "word-count" }, annotations: { "prometheus.io/scrape": "true" } })
    }))

  it("a pod template with a misspelt or mistyped field is refused with the field named", () => {
    expect(decodePodTemplateSpec({ spec: { nodeSelecter: { pool: "x" } } })).toEqual(Either.left("unknown field(s) spec.nodeSelecter"))
    const typed = decodePodTemplateSpec({ spec: { terminationGracePeriodSeconds: "soon" } })
    expect(Either.isLeft(typed) && typed.left).toMatch(/terminationGracePeriodSeconds must be integer/)
  })

  it.effect("a request that cannot run on Kubernetes is refused with the reason", () =>
    Effect.gen(function*() {
      const request = yield* wordCountRequest()
      const named = new LaunchRequest({ ...request, topology: new TopologyRef({ ...request.topology, name: "Word_Count" }) })
      expect(Either.getLeft(build(named, config()))).toEqual(expect.objectContaining({ value: expect.stringMatching(/topology name "Word_Count" cannot name Kubernetes objects/) }))
      const odd = new LaunchRequest({
        ...request,
        containers: request.containers.map((c) => c.index === 2 ? new ContainerLaunch({ ...c, argv: [c.argv[0], ...c.argv.slice(1, -2), "--other", "2"] }) : c)
      })
      expect(Either.getLeft(build(odd, config()))).toEqual(expect.objectContaining({ value: "the containers' command lines differ at argument 8 by more than their index" }))
    }))
})
