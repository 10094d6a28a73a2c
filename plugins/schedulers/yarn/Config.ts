/**
 * Options of the `yarn` scheduler, as written in a cluster file. Only `resourceManager` is
 * required; the decoded value carries every default.
 */
import { Schema } from "effect"

const PositiveInt = Schema.Int.pipe(Schema.positive())
const Millis = Schema.Int.pipe(Schema.positive())

/** A file or archive YARN localizes into the application master's working directory, as the
 * ResourceManager's `local-resources` entries describe it. `size` and `timestamp` must match the
 * file's length and modification time in its file system, or the NodeManager refuses it. */
export const LocalResource = Schema.Struct({
  /** Where the NodeManager fetches it: `hdfs://nn:8020/apps/heron/heron-runtime.tgz`, `file:///shared/...`. */
  resource: Schema.NonEmptyString,
  type: Schema.Literal("ARCHIVE", "FILE", "PATTERN"),
  visibility: Schema.Literal("PUBLIC", "PRIVATE", "APPLICATION"),
  size: Schema.Int.pipe(Schema.nonNegative()),
  timestamp: Schema.Int.pipe(Schema.nonNegative())
})
export type LocalResource = typeof LocalResource.Type

/** Hadoop's own classpath for an application master on a NodeManager (as in the ResourceManager
 * REST documentation's example): it holds the DistributedShell application master's jar. */
export const defaultAmClasspath = [
  "{{CLASSPATH}}",
  "./*",
  "{{HADOOP_CONF_DIR}}",
  "{{HADOOP_COMMON_HOME}}/share/hadoop/common/*",
  "{{HADOOP_COMMON_HOME}}/share/hadoop/common/lib/*",
  "{{HADOOP_HDFS_HOME}}/share/hadoop/hdfs/*",
  "{{HADOOP_HDFS_HOME}}/share/hadoop/hdfs/lib/*",
  "{{HADOOP_YARN_HOME}}/share/hadoop/yarn/*",
  "{{HADOOP_YARN_HOME}}/share/hadoop/yarn/lib/*"
].join("<CPS>")

export class Config extends Schema.Class<Config>("YarnSchedulerConfig")({
  /** The ResourceManager's web address, e.g. `http://rm.example.com:8088`. */
  resourceManager: Schema.String.pipe(
    Schema.filter((u) => /^https?:\/\/[^/]+/.test(u) || "an http:// or https:// URL of the ResourceManager")
  ),
  /** The queue applications are submitted to. */
  queue: Schema.optionalWith(Schema.NonEmptyString, { default: () => "default" }),
  /** Sent as `user.name` (Hadoop's simple authentication). Default: the topology's role. Not sent
   * when `delegationToken` is set: the token says who the caller is. */
  user: Schema.optional(Schema.NonEmptyString),
  /** A ResourceManager delegation token (`X-Hadoop-Delegation-Token`), usually `env("...")`. Never
   * printed. */
  delegationToken: Schema.optional(Schema.Redacted(Schema.NonEmptyString)),
  /** The application type YARN lists the topologies under (at most 20 characters, as YARN keeps). */
  applicationType: Schema.optionalWith(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(20)), { default: () => "HERON" }),
  /** Attempts of the application master before YARN fails the application. */
  maxAppAttempts: Schema.optionalWith(PositiveInt, { default: () => 2 }),
  /** Memory (MB) and virtual cores of the application master's container. */
  amMemoryMb: Schema.optionalWith(PositiveInt, { default: () => 512 }),
  amVcores: Schema.optionalWith(PositiveInt, { default: () => 1 }),
  /** The application master's `CLASSPATH` (YARN expands `{{VAR}}` and `<CPS>`). Default: Hadoop's
   * own jars, where the DistributedShell application master lives. */
  amClasspath: Schema.optionalWith(Schema.NonEmptyString, { default: () => defaultAmClasspath }),
  /** Files localized into the application master's folder, by the name they get there. */
  localResources: Schema.optionalWith(Schema.Record({ key: Schema.NonEmptyString, value: LocalResource }), { default: () => ({}) }),
  /** How long the NodeManager waits before relaunching a Heron container that exited. */
  containerRetryIntervalMs: Schema.optionalWith(Millis, { default: () => 10_000 }),
  /** How often application states are polled while submitting and killing. */
  pollIntervalMs: Schema.optionalWith(Millis, { default: () => 1000 }),
  /** How long a submitted application may take to be accepted by YARN's scheduler. */
  submitTimeoutMs: Schema.optionalWith(Millis, { default: () => 120_000 }),
  /** How long a killed application may take to reach `KILLED`. */
  killTimeoutMs: Schema.optionalWith(Millis, { default: () => 120_000 }),
  /** How long one HTTP request to the ResourceManager may take. */
  requestTimeoutMs: Schema.optionalWith(Millis, { default: () => 30_000 })
}) {}
