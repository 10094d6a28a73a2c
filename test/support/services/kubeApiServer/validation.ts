/**
 * What the API server refuses, and how it says so: `Status` bodies with the real reasons and
 * codes (400 BadRequest, 404 NotFound, 409 AlreadyExists / Conflict, 415 UnsupportedMediaType,
 * 422 Invalid with `details.causes`), the checks of names, labels, owner references and of the
 * resources this double serves, the fields of a StatefulSet's spec that cannot change, and
 * unknown fields (found by a round trip through client-node's models, which know every field of
 * the API's OpenAPI schema).
 */
import { ObjectSerializer } from "@kubernetes/client-node/dist/gen/models/ObjectSerializer.js"
import { isRecord } from "./patch.js"

/** One kind of object the double serves. */
export interface ResourceInfo {
  readonly plural: string
  readonly group: string
  readonly version: string
  readonly kind: string
  /** The model name in client-node (`V1StatefulSet`). */
  readonly clientType: string
}

export const resources: Readonly<Record<string, ResourceInfo>> = {
  pods: { plural: "pods", group: "", version: "v1", kind: "Pod", clientType: "V1Pod" },
  services: { plural: "services", group: "", version: "v1", kind: "Service", clientType: "V1Service" },
  configmaps: { plural: "configmaps", group: "", version: "v1", kind: "ConfigMap", clientType: "V1ConfigMap" },
  statefulsets: { plural: "statefulsets", group: "apps", version: "v1", kind: "StatefulSet", clientType: "V1StatefulSet" }
}

export const apiVersionOf = (r: ResourceInfo) => (r.group === "" ? r.version : `${r.group}/${r.version}`)
const qualified = (r: ResourceInfo) => (r.group === "" ? r.plural : `${r.plural}.${r.group}`)

export interface Cause {
  readonly field: string
  readonly message: string
  readonly reason: string
}

/** A refusal, answered as a `Status`. */
export class ApiError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: Record<string, unknown>) {
    super(message)
  }
}

/** The `Status` body of a refusal. */
export const statusBody = (e: ApiError) => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message: e.message,
  reason: e.reason,
  ...(e.details === undefined ? {} : { details: e.details }),
  code: e.code
})

const details = (r: ResourceInfo, name: string) => ({ name, group: r.group, kind: r.plural })
export const notFound = (r: ResourceInfo, name: string) => new ApiError(404, "NotFound", `${qualified(r)} "${name}" not found`, details(r, name))
export const alreadyExists = (r: ResourceInfo, name: string) => new ApiError(409, "AlreadyExists", `${qualified(r)} "${name}" already exists`, details(r, name))
export const conflict = (r: ResourceInfo, name: string) =>
  new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details(r, name))
export const badRequest = (message: string) => new ApiError(400, "BadRequest", message)
export const invalid = (r: ResourceInfo, name: string, causes: ReadonlyArray<Cause>) =>
  new ApiError(422, "Invalid", `${r.kind}${r.group === "" ? "" : `.${r.group}`} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`, {
    name, group: r.group, kind: r.kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }))
  })

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

const required = (field: string): Cause => ({ field, message: "Required value", reason: "FieldValueRequired" })
const bad = (field: string, value: unknown, why: string): Cause => ({ field, message: `Invalid value: ${JSON.stringify(value)}: ${why}`, reason: "FieldValueInvalid" })
const forbidden = (field: string, why: string): Cause => ({ field, message: `Forbidden: ${why}`, reason: "FieldValueForbidden" })

const rec = (u: unknown): Record<string, unknown> => (isRecord(u) ? u : {})
const arr = (u: unknown): Array<unknown> => (Array.isArray(u) ? u : [])

const labelCauses = (field: string, labels: unknown): Array<Cause> =>
  Object.entries(rec(labels)).flatMap(([k, v]) => {
    const name = k.includes("/") ? k.slice(k.indexOf("/") + 1) : k
    const prefix = k.includes("/") ? k.slice(0, k.indexOf("/")) : undefined
    const causes: Array<Cause> = []
    if (!LABEL_NAME.test(name) || name.length > 63 || (prefix !== undefined && !SUBDOMAIN.test(prefix))) causes.push(bad(field, k, "a valid label key"))
    if (typeof v !== "string" || !LABEL_VALUE.test(v) || v.length > 63) causes.push(bad(`${field}`, v, "a valid label value: 63 characters or less, alphanumeric at both ends"))
    return causes
  })

const containerCauses = (field: string, spec: unknown): Array<Cause> => {
  const containers = arr(rec(spec)["containers"])
  if (containers.length === 0) return [required(`${field}.containers`)]
  return containers.flatMap((c, i) => [
    ...(typeof rec(c)["name"] === "string" ? [] : [required(`${field}.containers[${i}].name`)]),
    ...(typeof rec(c)["image"] === "string" && String(rec(c)["image"]).trim() !== "" ? [] : [required(`${field}.containers[${i}].image`)])
  ])
}

const selectorMatches = (selector: unknown, labels: unknown): boolean =>
  Object.entries(rec(rec(selector)["matchLabels"])).every(([k, v]) => rec(labels)[k] === v)

const kindCauses = (r: ResourceInfo, o: Record<string, unknown>): Array<Cause> => {
  const spec = rec(o["spec"])
  switch (r.kind) {
    case "Pod": return containerCauses("spec", spec)
    case "Service": {
      const ports = arr(spec["ports"])
      return spec["clusterIP"] !== "None" && ports.length === 0 ? [required("spec.ports")] : []
    }
    case "ConfigMap": return Object.entries(rec(o["data"])).filter(([, v]) => typeof v !== "string").map(([k, v]) => bad(`data[${k}]`, v, "a string"))
    case "StatefulSet": {
      const template = rec(spec["template"])
      const labels = rec(template["metadata"])["labels"]
      const selector = spec["selector"]
      const causes: Array<Cause> = [...labelCauses("spec.template.metadata.labels", labels), ...containerCauses("spec.template.spec", template["spec"])]
      if (Object.keys(rec(rec(selector)["matchLabels"])).length === 0 && arr(rec(selector)["matchExpressions"]).length === 0) {
        causes.push(bad("spec.selector", selector ?? null, "empty selector is invalid for statefulset"))
      } else if (!selectorMatches(selector, labels)) {
        causes.push(bad("spec.template.metadata.labels", labels ?? null, "`selector` does not match template `labels`"))
      }
      const replicas = spec["replicas"]
      if (replicas !== undefined && (!Number.isInteger(replicas) || Number(replicas) < 0)) causes.push(bad("spec.replicas", replicas, "must be greater than or equal to 0"))
      const strategy = rec(spec["updateStrategy"])["type"]
      if (strategy !== undefined && strategy !== "RollingUpdate" && strategy !== "OnDelete") causes.push({ field: "spec.updateStrategy", message: `Unsupported value: ${JSON.stringify(strategy)}`, reason: "FieldValueNotSupported" })
      const policy = spec["podManagementPolicy"]
      if (policy !== undefined && policy !== "OrderedReady" && policy !== "Parallel") causes.push({ field: "spec.podManagementPolicy", message: `Unsupported value: ${JSON.stringify(policy)}`, reason: "FieldValueNotSupported" })
      const restart = rec(template["spec"])["restartPolicy"]
      if (restart !== undefined && restart !== "Always") causes.push({ field: "spec.template.spec.restartPolicy", message: `Unsupported value: ${JSON.stringify(restart)}: supported values: "Always"`, reason: "FieldValueNotSupported" })
      return causes
    }
    default: return []
  }
}

/** Why the API server would refuse `o` (a new object, or the update of `old`). */
export const validate = (r: ResourceInfo, o: Record<string, unknown>, old?: Record<string, unknown>): Array<Cause> => {
  const meta = rec(o["metadata"])
  const name = meta["name"]
  const causes: Array<Cause> = []
  if (typeof name !== "string" || name === "") causes.push(required("metadata.name"))
  else if (r.kind === "Service" ? !DNS1035.test(name) || name.length > 63 : !SUBDOMAIN.test(name) || name.length > 253) {
    causes.push(bad("metadata.name", name, r.kind === "Service" ? "a DNS-1035 label" : "a lowercase RFC 1123 subdomain"))
  }
  causes.push(...labelCauses("metadata.labels", meta["labels"]))
  arr(meta["ownerReferences"]).forEach((ref, i) => {
    for (const k of ["apiVersion", "kind", "name", "uid"]) if (typeof rec(ref)[k] !== "string" || rec(ref)[k] === "") causes.push(required(`metadata.ownerReferences[${i}].${k}`))
  })
  causes.push(...kindCauses(r, o))
  if (old !== undefined && r.kind === "StatefulSet") {
    const mutable = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"]
    const frozen = (s: unknown) => JSON.stringify(Object.entries(rec(s)).filter(([k]) => !mutable.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)))
    if (frozen(o["spec"]) !== frozen(old["spec"])) {
      causes.push(forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
    }
  }
  if (old !== undefined && r.kind === "Service" && rec(old["spec"])["clusterIP"] !== undefined && rec(o["spec"])["clusterIP"] !== rec(old["spec"])["clusterIP"]) {
    causes.push(bad("spec.clusterIP", rec(o["spec"])["clusterIP"] ?? null, "field is immutable"))
  }
  return causes
}

/** Paths of `original` that client-node's model of `r` does not know. */
export const unknownFields = (r: ResourceInfo, original: unknown): Array<string> => {
  const kept: unknown = ObjectSerializer.serialize(ObjectSerializer.deserialize(original, r.clientType, ""), r.clientType, "")
  const walk = (o: unknown, k: unknown, path: string): Array<string> => {
    if (Array.isArray(o)) return o.flatMap((v, i) => walk(v, Array.isArray(k) ? k[i] : undefined, `${path}[${i}]`))
    if (!isRecord(o)) return []
    return Object.entries(o).flatMap(([key, v]) => {
      const here = path === "" ? key : `${path}.${key}`
      if (v === null || v === undefined) return []
      return isRecord(k) && k[key] !== undefined ? walk(v, k[key], here) : [here]
    })
  }
  return walk(original, kept, "")
}
