// clusters/kubernetes.heron.ts loads and validates (both stages of the loader) with its settings
// from the environment, as the Helm chart's ConfigMap sets them; without secrets the whole cluster
// travels to the pods as a spec.
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { join } from "node:path"
import * as ClusterLoader from "../../dsl/ClusterLoader.js"
import { describe as describeCluster } from "../../dsl/ResolvedCluster.js"
import * as ClusterSpec from "../../core/runtime/ClusterSpec.js"
import { isRecord } from "../support/localCluster.js"
import { repoRoot } from "./helmBinary.js"

const settings: Record<string, string> = {
  HERON_ZK_CONNECT: "zk-0.zk:2181,zk-1.zk:2181",
  HERON_ZK_ROOT: "/heron-prod",
  HERON_S3_BUCKET: "heron-packages",
  HERON_S3_ENDPOINT: "http://minio.storage:9000",
  HERON_S3_REGION: "eu-west-1",
  HERON_S3_PREFIX: "prod",
  HERON_S3_FORCE_PATH_STYLE: "",
  HERON_K8S_NAMESPACE: "streaming",
  HERON_IMAGE: "registry.example/heron-runtime:0.1.0",
  HERON_IMAGE_PULL_POLICY: "Always",
  HERON_K8S_SERVICE_ACCOUNT: "heron-executor",
  HERON_K8S_POD_TEMPLATE: "heron-pod-template/pod-template.yaml",
  HERON_K8S_DASHBOARD_URL: "https://dash.example/#/statefulset/{namespace}/{topology}-executors",
  HERON_TRACKER_PORT: "9000",
  HERON_HIGH_AVAILABILITY: "true",
  HERON_ZK_AUTH: "heron:s3cret-zk-password"
}

describe("clusters/kubernetes.heron.ts", () => {
  it.effect("loads with the kubernetes scheduler, the zookeeper state manager and the s3 uploader, configured from the environment", () =>
    Effect.gen(function*() {
      const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]))
      Object.assign(process.env, settings)
      const c = yield* ClusterLoader.loadCluster("kubernetes", [join(repoRoot, "clusters")]).pipe(
        Effect.provide(NodeContext.layer),
        Effect.ensuring(Effect.sync(() => {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k]
            else process.env[k] = v
          }
        }))
      )
      expect(c.file).toBe(join(repoRoot, "clusters", "kubernetes.heron.ts"))
      expect(c.tracker).toEqual({ host: "0.0.0.0", port: 9000 })
      expect(c.runtime).toEqual({ highAvailability: true })
      expect([c.scheduler.definition.kind, c.scheduler.definition.name]).toEqual(["scheduler", "kubernetes"])
      expect(c.scheduler.config).toMatchObject({
        namespace: "streaming",
        image: "registry.example/heron-runtime:0.1.0",
        imagePullPolicy: "Always",
        serviceAccount: "heron-executor",
        podTemplate: { configMap: "heron-pod-template", key: "pod-template.yaml" },
        jobLinks: ["https://dash.example/#/statefulset/{namespace}/{topology}-executors"]
      })
      expect([c.stateManager.definition.kind, c.stateManager.definition.name]).toEqual(["state-manager", "zookeeper"])
      expect(c.stateManager.config).toMatchObject({ connectionString: "zk-0.zk:2181,zk-1.zk:2181", root: "/heron-prod" })
      const zk: unknown = c.stateManager.config
      const auth = isRecord(zk) && isRecord(zk["auth"]) ? zk["auth"]["credentials"] : undefined
      expect(Redacted.isRedacted(auth) && Redacted.value(auth)).toBe("heron:s3cret-zk-password")
      expect([c.uploader.definition.kind, c.uploader.definition.name]).toEqual(["uploader", "s3"])
      // An endpoint without an explicit path-style setting: path-style (MinIO).
      expect(c.uploader.config).toEqual({ bucket: "heron-packages", endpoint: "http://minio.storage:9000", region: "eu-west-1", prefix: "prod", forcePathStyle: true })
      // The ZooKeeper password is a secret: redacted when printed, and the containers load the file
      // (with the same variables) instead of receiving a spec.
      expect(c.secrets).toEqual(["heron:s3cret-zk-password"])
      expect(JSON.stringify(yield* describeCluster(c))).not.toContain("s3cret-zk-password")
      expect(yield* ClusterSpec.encode(c)).toEqual(Option.none())
      // Without it, the cluster is a spec of built-in plugins: the pods run the bundled executor.
      const plain = { ...c, secrets: [], containerSecrets: [], stateManager: { ...c.stateManager, config: { connectionString: "zk-0.zk:2181", root: "/heron-prod" } } }
      const spec = yield* ClusterSpec.encode(plain)
      expect(Option.isSome(spec) && ClusterSpec.allBuiltin(spec.value)).toBe(true)
    }))
})
