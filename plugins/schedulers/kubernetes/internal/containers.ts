/**
 * From the containers of a launch request to the two pod templates' containers: container 0 runs
 * its argv as is; containers 1..n share one template, whose command works out its container index
 * from the pod's ordinal (`<topology>-executors-<ordinal>`, index = ordinal + 1).
 */
import { createHash } from "node:crypto"
import { Either } from "effect"
import type { IContainer } from "kubernetes-models/v1/Container"
import type { IEnvVar } from "kubernetes-models/v1/EnvVar"
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements"
import type { Resources } from "../../../../core/model/PackingPlan.js"
import type { ContainerLaunch } from "../../../../core/Scheduler.js"

/** The name of the Heron container in every pod (a pod template may add sidecars). */
export const EXECUTOR_CONTAINER = "executor"

const MiB = 1024 * 1024

/** A short, stable hash of a JSON-able value. */
export const hashOf = (value: unknown): string => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)

/** What one container runs, hashed: a changed hash means its pod must be replaced. */
export const specHash = (c: ContainerLaunch): string =>
  hashOf([c.argv, Object.entries(c.env).sort(([a], [b]) => (a < b ? -1 : 1)), c.resources.cpu, c.resources.ram, c.resources.disk])

/** Requests and limits from the packing plan: cpu in millicores, memory and disk in MiB (rounded
 * up). Requests equal limits (the Guaranteed QoS class); disk is a request of ephemeral storage. */
export const resourcesOf = (r: Resources): IResourceRequirements => {
  const cpu = r.cpu > 0 ? { cpu: `${Math.max(1, Math.round(r.cpu * 1000))}m` } : {}
  const memory = r.ram > 0 ? { memory: `${Math.ceil(r.ram / MiB)}Mi` } : {}
  const disk = r.disk > 0 ? { "ephemeral-storage": `${Math.ceil(r.disk / MiB)}Mi` } : {}
  return { requests: { ...cpu, ...memory, ...disk }, limits: { ...cpu, ...memory } }
}

/** The largest of each resource: every executor pod gets the same template. */
export const maxResources = (rs: ReadonlyArray<Resources>): Resources | undefined =>
  rs.reduce<Resources | undefined>((m, r) =>
    m === undefined ? r : { ...m, cpu: Math.max(m.cpu, r.cpu), ram: Math.max(m.ram, r.ram), disk: Math.max(m.disk, r.disk) }, undefined)

/** Quotes a word for a POSIX shell. */
export const shellQuote = (s: string): string => /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`

const envList = (env: Readonly<Record<string, string>>): Array<IEnvVar> =>
  Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value }))

/** The pod's own address, for the executor to advertise (`HERON_HOST`), unless the request sets it. */
const hostEnv = (env: Readonly<Record<string, string>>): Array<IEnvVar> =>
  "HERON_HOST" in env ? [] : [{ name: "HERON_HOST", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }]

/** The env var holding the pod's name (downward API), from which the executors' command reads its ordinal. */
export const POD_NAME_ENV = "HERON_POD_NAME"

const podNameEnv: IEnvVar = { name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }

/** The container of pod `<topology>-manager-0`: container 0 exactly as the request describes it. */
export const managerContainer = (c: ContainerLaunch): IContainer => ({
  name: EXECUTOR_CONTAINER,
  command: [...c.argv],
  env: [...envList(c.env), ...hostEnv(c.env)],
  resources: resourcesOf(c.resources)
})

/** The shared container of containers 1..n, or why they cannot share one template: their argv
 * may differ only where each has its own index; env that differs between them (the hash of each
 * one's plan) stays out of the template and is tracked through the per-container spec hashes. */
export const executorsContainer = (launches: ReadonlyArray<ContainerLaunch>): Either.Either<IContainer, string> => {
  const sorted = [...launches].sort((a, b) => a.index - b.index)
  const first = sorted[0]
  if (first === undefined) return Either.left("a topology needs at least one container besides container 0")
  if (sorted.some((c, i) => c.index !== i + 1)) {
    return Either.left(`containers must be numbered 0..n without gaps (a StatefulSet's ordinals), got ${[0, ...sorted.map((c) => c.index)].join(",")}`)
  }
  if (sorted.some((c) => c.argv.length !== first.argv.length)) return Either.left("the containers' command lines differ in length")
  const words: Array<string> = []
  for (let p = 0; p < first.argv.length; p++) {
    const here = sorted.map((c) => c.argv[p])
    if (here.every((w) => w === here[0])) words.push(shellQuote(first.argv[p] ?? ""))
    else if (sorted.every((c) => c.argv[p] === String(c.index))) words.push(`"$HERON_CONTAINER_INDEX"`)
    else return Either.left(`the containers' command lines differ at argument ${p} by more than their index`)
  }
  const common = Object.fromEntries(Object.entries(first.env).filter(([k, v]) => sorted.every((c) => c.env[k] === v)))
  const resources = maxResources(sorted.map((c) => c.resources)) ?? first.resources
  // The pod's name ends with its ordinal: `<topology>-executors-<ordinal>`.
  const script = `HERON_CONTAINER_INDEX=$(( \${${POD_NAME_ENV}##*-} + 1 )); export HERON_CONTAINER_INDEX; exec ${words.join(" ")}`
  return Either.right({
    name: EXECUTOR_CONTAINER,
    command: ["/bin/sh", "-c", script],
    env: [...envList(common), ...hostEnv(common), podNameEnv],
    resources: resourcesOf(resources)
  })
}
