/**
 * Names, labels and annotations of the objects the kubernetes scheduler makes for a topology:
 * `<topology>-manager` (container 0), `<topology>-executors` (containers 1..n) and the headless
 * Service `<topology>`, all labelled with the topology's cluster, role, environ and name.
 */
import type { TopologyRef } from "../../../../core/Scheduler.js"

/** The `app.kubernetes.io/managed-by` of every object this scheduler makes. */
export const MANAGED_BY = "heron-runtime"

/** Label and annotation keys. */
export const keys = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
  cluster: "heron.apache.org/cluster",
  role: "heron.apache.org/role",
  environ: "heron.apache.org/environ",
  topology: "heron.apache.org/topology",
  topologyId: "heron.apache.org/topology-id",
  packageUri: "heron.apache.org/package-uri",
  /** JSON `{"<container index>": "<hash of what it runs>"}`, on each StatefulSet. */
  containerSpecs: "heron.apache.org/container-specs",
  /** The hash of the StatefulSet's pod template as the scheduler built it. */
  templateHash: "heron.apache.org/template-hash",
  /** StatefulSet pods carry their ordinal (Kubernetes 1.28+). */
  podIndex: "apps.kubernetes.io/pod-index"
} as const

/** The two roles a pod of a topology plays. */
export type Component = "manager" | "executors"

/** The names of a topology's objects. */
export const objectNames = (topology: string) => ({
  manager: `${topology}-manager`,
  executors: `${topology}-executors`,
  service: topology
})

/** The pod of container `index`: `<topology>-manager-0` for 0, `<topology>-executors-<index-1>`. */
export const podName = (topology: string, index: number): string =>
  index === 0 ? `${objectNames(topology).manager}-0` : `${objectNames(topology).executors}-${index - 1}`

// A StatefulSet's name is at most 52 characters (its pods get a 10-character revision hash
// label), so the topology name, which `-executors` extends, is at most 42.
const MAX_TOPOLOGY = 52 - "-executors".length

/** Why a topology name cannot name Kubernetes objects, if it cannot. */
export const invalidTopologyName = (name: string): string | undefined =>
  /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= MAX_TOPOLOGY
    ? undefined
    : `topology name "${name}" cannot name Kubernetes objects: use lower-case letters, digits and '-', starting with a letter, at most ${MAX_TOPOLOGY} characters`

/** A label value: at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends. Other
 * characters become `-`; the exact value is kept in an annotation where it matters. */
export const labelValue = (s: string): string =>
  s.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "")

/** Labels that select a topology's pods (both StatefulSets). */
export const topologySelector = (ref: TopologyRef): Readonly<Record<string, string>> => ({
  [keys.managedBy]: MANAGED_BY,
  [keys.topology]: ref.name
})

/** `k=v,k=v`, as `labelSelector` takes it. */
export const selectorString = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",")

/** Labels that select the pods of one StatefulSet. */
export const componentSelector = (ref: TopologyRef, component: Component): Readonly<Record<string, string>> => ({
  ...topologySelector(ref),
  [keys.component]: component
})

/** Every label of a topology's objects; `component` for the StatefulSets and their pods. */
export const topologyLabels = (ref: TopologyRef, extra: Readonly<Record<string, string>>, component?: Component): Record<string, string> => ({
  ...extra,
  [keys.name]: "heron",
  [keys.instance]: ref.name,
  [keys.partOf]: "heron",
  [keys.managedBy]: MANAGED_BY,
  [keys.cluster]: labelValue(ref.cluster),
  [keys.role]: labelValue(ref.role),
  [keys.environ]: labelValue(ref.environ),
  [keys.topology]: ref.name,
  ...(component === undefined ? {} : { [keys.component]: component })
})

/** Annotations naming the topology exactly (labels may have been shortened). */
export const topologyAnnotations = (ref: TopologyRef, packageUri: string): Record<string, string> => ({
  [keys.cluster]: ref.cluster,
  [keys.role]: ref.role,
  [keys.environ]: ref.environ,
  [keys.topologyId]: ref.id,
  [keys.packageUri]: packageUri
})
