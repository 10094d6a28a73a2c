/**
 * A Kubernetes cluster: each topology runs as two StatefulSets and a headless Service (the
 * `kubernetes` scheduler), its state lives in ZooKeeper and its packages in S3 (or MinIO). The
 * runtime itself runs in the cluster too: `deploy/helm/heron-runtime` deploys it with this file
 * and sets the variables below (a missing or empty variable takes its default).
 *
 *   HERON_ZK_CONNECT            ZooKeeper ensemble, `host:port[,host:port]`   zookeeper:2181
 *   HERON_ZK_ROOT               root node of Heron's state                    /heron
 *   HERON_ZK_AUTH               digest credentials `user:password` (secret)   none
 *   HERON_S3_BUCKET             bucket of the topology packages               heron
 *   HERON_S3_ENDPOINT           S3-compatible server, e.g. http://minio:9000  AWS S3
 *   HERON_S3_REGION, HERON_S3_PREFIX, HERON_S3_FORCE_PATH_STYLE (`true`)
 *   HERON_K8S_NAMESPACE         namespace of the topologies                   default
 *   HERON_IMAGE                 heron-runtime's image (runtime and pods)      heron-runtime:latest
 *   HERON_IMAGE_PULL_POLICY     Always, IfNotPresent or Never                 Kubernetes' default
 *   HERON_K8S_SERVICE_ACCOUNT   service account of the topologies' pods       the namespace's default
 *   HERON_K8S_POD_TEMPLATE      `<configmap>/<key>` holding a pod template    none
 *   HERON_K8S_DASHBOARD_URL     job link, `{namespace}` `{topology}` ... replaced   the API URLs
 *   HERON_TRACKER_HOST, HERON_TRACKER_PORT   where the Tracker, UI and API listen   0.0.0.0:8888
 *   HERON_HIGH_AVAILABILITY     `true` when several runtimes serve the cluster (leader election)
 *   HERON_API_TOKENS            `role:token,role:token` for the API server (secret)   none
 *
 * S3 credentials come from the AWS SDK's default chain (`AWS_ACCESS_KEY_ID` and
 * `AWS_SECRET_ACCESS_KEY`, a web identity, an instance role), not from this file: without a secret
 * here, the runtime hands the whole cluster to the pods it launches (`HERON_CLUSTER_SPEC`) and they
 * never load this file. With `HERON_ZK_AUTH` or `HERON_API_TOKENS` set they do, so the pods must see
 * this file at the runtime's path and the same variables; the Helm chart's pod template does that.
 */
import { defineCluster, env } from "heron-runtime/dsl"
import { kubernetes } from "heron-runtime/plugins/schedulers/kubernetes"
import { zookeeper } from "heron-runtime/plugins/state-managers/zookeeper"
import { s3 } from "heron-runtime/plugins/uploaders/s3"

/** A variable's value, or `undefined` when it is missing or empty. */
const setting = (name: string): string | undefined => {
  const value = process.env[name]?.trim()
  return value === undefined || value === "" ? undefined : value
}

const podTemplate = setting("HERON_K8S_POD_TEMPLATE")?.split("/")
const pullPolicy = setting("HERON_IMAGE_PULL_POLICY")
const serviceAccount = setting("HERON_K8S_SERVICE_ACCOUNT")
const dashboard = setting("HERON_K8S_DASHBOARD_URL")
const endpoint = setting("HERON_S3_ENDPOINT")
const region = setting("HERON_S3_REGION")
const prefix = setting("HERON_S3_PREFIX")

export default defineCluster({
  name: "kubernetes",
  tracker: { host: setting("HERON_TRACKER_HOST") ?? "0.0.0.0", port: Number(setting("HERON_TRACKER_PORT") ?? 8888) },
  scheduler: kubernetes({
    namespace: setting("HERON_K8S_NAMESPACE") ?? "default",
    image: setting("HERON_IMAGE") ?? "heron-runtime:latest",
    ...(pullPolicy === "Always" || pullPolicy === "IfNotPresent" || pullPolicy === "Never" ? { imagePullPolicy: pullPolicy } : {}),
    ...(serviceAccount === undefined ? {} : { serviceAccount }),
    ...(podTemplate?.length === 2 ? { podTemplate: { configMap: podTemplate[0] ?? "", key: podTemplate[1] ?? "" } } : {}),
    ...(dashboard === undefined ? {} : { jobLinks: [dashboard] })
  }),
  stateManager: zookeeper({
    connectionString: setting("HERON_ZK_CONNECT") ?? "zookeeper:2181",
    root: setting("HERON_ZK_ROOT") ?? "/heron",
    ...(setting("HERON_ZK_AUTH") === undefined ? {} : { auth: { scheme: "digest" as const, credentials: env("HERON_ZK_AUTH") } })
  }),
  uploader: s3({
    bucket: setting("HERON_S3_BUCKET") ?? "heron",
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(prefix === undefined ? {} : { prefix }),
    // MinIO and most S3-compatible servers want path-style addressing.
    forcePathStyle: (setting("HERON_S3_FORCE_PATH_STYLE") ?? (endpoint === undefined ? "false" : "true")) === "true"
  }),
  runtime: { highAvailability: setting("HERON_HIGH_AVAILABILITY") === "true" },
  ...(setting("HERON_API_TOKENS") === undefined ? {} : { api: { tokens: env("HERON_API_TOKENS") } }),
  packing: { algorithm: "round-robin" }
})
