/**
 * The application submission context of a topology (`POST /ws/v1/cluster/apps`), and the tags that
 * let the scheduler find and understand a running application again without any state of its own:
 *
 * - `heron-topology:<hash>`: the topology (cluster/role/environ/name), to find its applications;
 * - `heron-launch:<hash>`: what was launched, to tell whether an update changes anything;
 * - `heron-containers:<ranges>`: the Heron container indexes, e.g. `0-3,5`;
 * - `heron-restarts:<n>`: how many times the topology was resubmitted by restart or update.
 *
 * YARN lowercases tags and allows at most 10 of at most 100 ASCII characters: these fit.
 */
import { Either } from "effect"
import { createHash } from "node:crypto"
import type { LaunchRequest, TopologyRef } from "../../../../core/Scheduler.js"
import type { Config } from "../Config.js"
import { amLaunch, containerSize, LaunchFailure } from "./Launch.js"

const sha = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length)

/** The tag of every application of `ref`. */
export const topologyTag = (ref: TopologyRef): string =>
  `heron-topology:${sha(JSON.stringify([ref.cluster, ref.role, ref.environ, ref.name]), 24)}`

/** A hash of what a request runs: its id, package and every container's argv, env and resources. */
export const fingerprint = (request: LaunchRequest): string =>
  sha(JSON.stringify({
    id: request.topology.id,
    packageUri: request.packageUri,
    containers: [...request.containers].sort((a, b) => a.index - b.index).map((c) =>
      [c.index, c.argv, Object.entries(c.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), c.resources.cpu, c.resources.ram, c.resources.disk]
    )
  }), 16)

/** `0,1,2,3,5` → `0-3,5`. */
export const encodeRanges = (indexes: ReadonlyArray<number>): string => {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b)
  const parts: Array<string> = []
  for (let i = 0; i < sorted.length;) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`)
    i = j + 1
  }
  return parts.join(",")
}

/** `0-3,5` → `[0,1,2,3,5]`; undefined when malformed. */
export const decodeRanges = (text: string): ReadonlyArray<number> | undefined => {
  const out: Array<number> = []
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (m === null) return undefined
    const from = Number(m[1])
    const to = m[2] === undefined ? from : Number(m[2])
    if (to < from || to - from > 100_000) return undefined
    for (let i = from; i <= to; i++) out.push(i)
  }
  return out
}

/** What the tags of an application say. */
export interface Tagged {
  readonly launch: string | undefined
  readonly containers: ReadonlyArray<number>
  readonly restarts: number
}

/** Reads the tags YARN reports (`applicationTags`, comma-separated). */
export const readTags = (applicationTags: string | undefined): Tagged => {
  const tags = (applicationTags ?? "").split(",").map((t) => t.trim())
  const value = (prefix: string) => tags.find((t) => t.startsWith(prefix))?.slice(prefix.length)
  const restarts = Number(value("heron-restarts:") ?? "0")
  return {
    launch: value("heron-launch:"),
    containers: decodeRanges(value("heron-containers:") ?? "") ?? [],
    restarts: Number.isInteger(restarts) && restarts >= 0 ? restarts : 0
  }
}

/** Everything a submission needs besides the request. */
export interface SubmitOptions {
  readonly applicationId: string
  readonly restarts: number
}

/** The size of what a request asks YARN for, to check against the cluster's maximum. */
export const requestedSizes = (config: Config, request: LaunchRequest) => ({
  am: { memoryMb: config.amMemoryMb, vcores: config.amVcores },
  container: containerSize(request.containers)
})

/** The JSON body of `POST /ws/v1/cluster/apps`, with the exact field names of YARN's
 * `ApplicationSubmissionContextInfo`. */
export const submissionContext = (config: Config, request: LaunchRequest, o: SubmitOptions): Either.Either<unknown, LaunchFailure> => {
  const ranges = encodeRanges(request.containers.map((c) => c.index))
  const containersTag = `heron-containers:${ranges}`
  if (request.containers.length === 0) return Either.left(new LaunchFailure({ message: "the request has no container" }))
  if (containersTag.length > 100) {
    return Either.left(new LaunchFailure({ message: `container indexes ${ranges} do not fit a YARN tag (100 characters)` }))
  }
  return Either.map(
    amLaunch(request.topology.name, request.containers, {
      amMemoryMb: config.amMemoryMb,
      classpath: config.amClasspath,
      retryIntervalMs: config.containerRetryIntervalMs
    }),
    (am) => ({
      "application-id": o.applicationId,
      "application-name": request.topology.name,
      queue: config.queue,
      "am-container-spec": {
        "local-resources": {
          entry: Object.entries(config.localResources).map(([key, value]) => ({ key, value }))
        },
        environment: { entry: Object.entries(am.environment).map(([key, value]) => ({ key, value })) },
        commands: { command: am.command }
      },
      "unmanaged-AM": false,
      "max-app-attempts": config.maxAppAttempts,
      resource: { memory: config.amMemoryMb, vCores: config.amVcores },
      "application-type": config.applicationType,
      // A new master attempt keeps the running Heron containers instead of restarting them.
      "keep-containers-across-application-attempts": true,
      "application-tags": {
        tag: ["heron", topologyTag(request.topology), `heron-launch:${fingerprint(request)}`, containersTag, `heron-restarts:${o.restarts}`]
      }
    })
  )
}
