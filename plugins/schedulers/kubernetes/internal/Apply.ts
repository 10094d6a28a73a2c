/**
 * Creates a topology's objects, or brings existing ones to a new launch request with as few
 * requests as possible: a StatefulSet is patched only where it differs (replicas, template,
 * annotations, owner), then the pods of the containers whose spec changed are deleted so that
 * they come back with it (the StatefulSets use the `OnDelete` update strategy).
 */
import type { V1StatefulSet } from "@kubernetes/client-node"
import { Effect, Either, Option } from "effect"
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet"
import { type Manifests, ownerReference, recorded, withOwner } from "../Manifests.js"
import { ApiFailure, type JsonPatchOp, type KubeApi } from "./KubeApi.js"
import { podName } from "./names.js"
import { checkService, checkStatefulSet } from "./validate.js"

/** A manifest the checks refused: a bug or a bad pod template, not worth retrying. */
const invalid = (message: string) =>
  new ApiFailure({ call: "validate", status: Option.some(422), reason: "Invalid", message })

const checked = <A>(e: Either.Either<A, string>): Effect.Effect<A, ApiFailure> =>
  Either.match(e, { onLeft: (m) => Effect.fail(invalid(m)), onRight: Effect.succeed })

const beingDeleted = (name: string) =>
  new ApiFailure({
    call: "get statefulsets",
    status: Option.some(409),
    reason: "Conflict",
    message: `${name} is still being deleted (a kill of the same topology is in progress)`
  })

const escape = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1")

/** The JSON patch from `current` to `desired`, and the containers whose pods must be replaced. */
const diff = (current: V1StatefulSet, desired: IStatefulSet, ownerUid: Option.Option<string>, managerName: string) => {
  const before = recorded(current.metadata?.annotations)
  const after = recorded(desired.metadata?.annotations)
  const ops: Array<JsonPatchOp> = []
  if (current.spec?.replicas !== desired.spec?.replicas) ops.push({ op: "replace", path: "/spec/replicas", value: desired.spec?.replicas })
  if (before.templateHash !== after.templateHash) ops.push({ op: "replace", path: "/spec/template", value: desired.spec?.template })
  const annotations = current.metadata?.annotations
  const stale = Object.entries(desired.metadata?.annotations ?? {}).filter(([k, v]) => annotations?.[k] !== v)
  if (annotations === undefined && stale.length > 0) ops.push({ op: "add", path: "/metadata/annotations", value: desired.metadata?.annotations })
  else if (annotations !== undefined) for (const [k, v] of stale) ops.push({ op: "add", path: `/metadata/annotations/${escape(k)}`, value: v })
  if (Option.isSome(ownerUid) && !(current.metadata?.ownerReferences ?? []).some((o) => o.uid === ownerUid.value)) {
    ops.push({ op: "add", path: "/metadata/ownerReferences", value: [ownerReference(managerName, ownerUid.value)] })
  }
  // Containers that run in both plans with another spec: their pods are replaced.
  const changed = Object.keys(after.specs).filter((i) => before.specs[i] !== undefined && before.specs[i] !== after.specs[i]).map(Number)
  return { ops, changed }
}

/** Brings an existing StatefulSet to `desired`; its owner (for the executors) is the manager. */
const converge = (api: KubeApi, topology: string, current: V1StatefulSet, desired: IStatefulSet, owner: Option.Option<string>, managerName: string) =>
  Effect.gen(function*() {
    const name = desired.metadata?.name ?? ""
    if (current.metadata?.deletionTimestamp !== undefined) return yield* beingDeleted(name)
    const { changed, ops } = diff(current, desired, owner, managerName)
    if (ops.length > 0) yield* api.patchStatefulSet(name, ops)
    for (const index of changed) yield* api.deletePod(podName(topology, index))
    if (ops.length > 0 || changed.length > 0) {
      yield* Effect.logInfo(`${name}: patched ${ops.map((o) => o.path).join(", ") || "nothing"}; replaced the pods of container(s) ${changed.join(",") || "none"}`)
    }
  })

/** Creates the executors StatefulSet and the Service, owned by the manager with `uid`. */
const createOwned = (api: KubeApi, m: Manifests, uid: string, which: { readonly service: boolean; readonly executors: boolean }) =>
  Effect.gen(function*() {
    const owner = ownerReference(m.manager.metadata?.name ?? "", uid)
    if (which.service) yield* api.createService(yield* checked(checkService(withOwner(m.service, owner))))
    if (which.executors) yield* api.createStatefulSet(yield* checked(checkStatefulSet(withOwner(m.executors, owner))))
  })

/** Creates every object of a topology from scratch; fails with 409 when the manager exists. */
export const create = (api: KubeApi, m: Manifests) =>
  Effect.gen(function*() {
    const manager = yield* api.createStatefulSet(yield* checked(checkStatefulSet(m.manager)))
    yield* createOwned(api, m, manager.metadata?.uid ?? "", { service: true, executors: true })
    yield* Effect.logInfo(`created ${m.manager.metadata?.name}, ${m.executors.metadata?.name} (${m.executors.spec?.replicas} pods) and service ${m.service.metadata?.name}`)
  })

/** Creates what is missing and converges what exists. */
export const apply = (api: KubeApi, topology: string, m: Manifests): Effect.Effect<void, ApiFailure> =>
  Effect.gen(function*() {
    const managerName = m.manager.metadata?.name ?? ""
    const manager = yield* api.readStatefulSet(managerName)
    if (Option.isNone(manager)) return yield* create(api, m)
    // Both are checked even when unchanged: the same checks as on creation, before any patch.
    yield* checked(checkStatefulSet(m.manager))
    yield* checked(checkStatefulSet(m.executors))
    yield* converge(api, topology, manager.value, m.manager, Option.none(), managerName)
    const uid = manager.value.metadata?.uid ?? ""
    const service = yield* api.readService(m.service.metadata?.name ?? "")
    const executors = yield* api.readStatefulSet(m.executors.metadata?.name ?? "")
    yield* createOwned(api, m, uid, { service: Option.isNone(service), executors: Option.isNone(executors) })
    if (Option.isSome(executors)) yield* converge(api, topology, executors.value, m.executors, Option.some(uid), managerName)
  })

/** Whether `e` says the object already exists. */
export const isAlreadyExists = (e: ApiFailure): boolean => Option.contains(e.status, 409) && e.reason === "AlreadyExists"
