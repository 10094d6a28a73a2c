/**
 * State in ZooKeeper, packages in S3 (or MinIO), containers on this machine (the `local`
 * scheduler). Several runtimes may serve it at once (`runtime.highAvailability`): they elect a
 * leader through ZooKeeper, only the leader supervises, every one serves the Tracker, and when the
 * leader dies another takes over the running containers. The local scheduler finds the containers
 * under `$HERON_HOME/zk-s3`, so the runtimes of one cluster share this machine and `HERON_HOME`
 * (default `~/.heron`).
 *
 * Read from the environment when the file is loaded (a missing or empty variable takes its default):
 *
 *   HERON_ZK_CONNECT             ZooKeeper ensemble, `host:port[,host:port]`    127.0.0.1:2181
 *   HERON_ZK_ROOT                root node of Heron's state                     /heron
 *   HERON_ZK_SESSION_TIMEOUT_MS  ZooKeeper session; a dead leader is replaced   30000
 *                                about this long after it died (the server caps it between
 *                                2 and 20 of its ticks)
 *   HERON_ZK_AUTH                digest credentials `user:password` (secret)    none
 *   HERON_S3_BUCKET              bucket of the topology packages (must exist)   heron
 *   HERON_S3_ENDPOINT            S3-compatible server, e.g. http://minio:9000   AWS S3
 *   HERON_S3_PREFIX              folder of the packages in the bucket           the top level
 *   HERON_S3_FORCE_PATH_STYLE    `true` or `false`                              true with an endpoint
 *   AWS_REGION                   the bucket's region                            the SDK's; us-east-1 with an endpoint
 *   HERON_TRACKER_HOST, HERON_TRACKER_PORT   where the Tracker listens           127.0.0.1:8888
 *
 * S3 credentials come from the AWS SDK's default chain (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, a profile, an instance role), never from this file:
 * they are in no definition to print, and the containers, which fetch their package from the
 * bucket, inherit them from the runtime's environment. Packages are at
 * `s3://<bucket>/<prefix>/<topology>/topology.tar.gz`.
 *
 *   HERON_ZK_CONNECT=zk1:2181,zk2:2181 HERON_S3_ENDPOINT=http://minio:9000 HERON_S3_BUCKET=heron \
 *   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... heron-runtime --cluster zk-s3
 *   heron submit zk-s3 examples/word-count.ts
 */
import { defineCluster, env } from "heron-runtime/dsl"
import { local } from "heron-runtime/plugins/schedulers/local"
import { zookeeper } from "heron-runtime/plugins/state-managers/zookeeper"
import { s3 } from "heron-runtime/plugins/uploaders/s3"

/** A variable's value, or `undefined` when it is missing or empty. */
const setting = (name: string): string | undefined => {
  const value = process.env[name]?.trim()
  return value === undefined || value === "" ? undefined : value
}

/** A number, or `undefined` (the plugin's schema reports anything else as a wrong value). */
const numeric = (name: string): number | undefined => {
  const value = setting(name)
  return value === undefined ? undefined : Number(value)
}

const sessionTimeoutMs = numeric("HERON_ZK_SESSION_TIMEOUT_MS")
const endpoint = setting("HERON_S3_ENDPOINT")
const region = setting("AWS_REGION")
const prefix = setting("HERON_S3_PREFIX")

export default defineCluster({
  name: "zk-s3",
  tracker: { host: setting("HERON_TRACKER_HOST") ?? "127.0.0.1", port: numeric("HERON_TRACKER_PORT") ?? 8888 },
  scheduler: local({}),
  stateManager: zookeeper({
    connectionString: setting("HERON_ZK_CONNECT") ?? "127.0.0.1:2181",
    root: setting("HERON_ZK_ROOT") ?? "/heron",
    ...(sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs }),
    ...(setting("HERON_ZK_AUTH") === undefined ? {} : { auth: { scheme: "digest" as const, credentials: env("HERON_ZK_AUTH") } })
  }),
  uploader: s3({
    bucket: setting("HERON_S3_BUCKET") ?? "heron",
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
    ...(prefix === undefined ? {} : { prefix }),
    // MinIO, s3rver and most S3-compatible servers want path-style addressing.
    forcePathStyle: (setting("HERON_S3_FORCE_PATH_STYLE") ?? (endpoint === undefined ? "false" : "true")) === "true"
  }),
  runtime: { highAvailability: true },
  packing: { algorithm: "round-robin" }
})
