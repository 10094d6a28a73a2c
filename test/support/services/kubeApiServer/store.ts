/**
 * The double's storage (etcd and the garbage collector): objects by resource, namespace and name,
 * one resourceVersion counter for all of them, the history of changes that watches replay and
 * follow, and deletion with the three propagation policies (Orphan, Background, Foreground)
 * through `metadata.ownerReferences`. Pods are deleted gracefully: while their containers stop,
 * they carry a `deletionTimestamp`.
 */
import { randomUUID } from "node:crypto"
import { clone, isRecord } from "./patch.js"
import type { Selector } from "./selector.js"

export type KubeObject = Record<string, unknown>
export type EventType = "ADDED" | "MODIFIED" | "DELETED"

/** One change, as a watch sends it. */
export interface StoredEvent {
  readonly rv: number
  readonly resource: string
  readonly namespace: string
  readonly type: EventType
  readonly object: KubeObject
}

/** An open watch. */
export interface Watcher {
  readonly resource: string
  readonly namespace: string
  readonly selector: Selector
  readonly send: (e: StoredEvent) => void
}

export type Propagation = "Orphan" | "Background" | "Foreground"

/** `u` if it is an object, else `{}`; `u` if it is an array, else `[]`. */
export const rec = (u: unknown): Record<string, unknown> => (isRecord(u) ? u : {})
export const arr = (u: unknown): Array<unknown> => (Array.isArray(u) ? u : [])

export const metaOf = (o: unknown): Record<string, unknown> => rec(rec(o)["metadata"])
export const labelsOf = (o: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(rec(metaOf(o)["labels"])).filter((e): e is [string, string] => typeof e[1] === "string"))
export const nameOf = (o: unknown): string => String(metaOf(o)["name"] ?? "")
export const uidOf = (o: unknown): string => String(metaOf(o)["uid"] ?? "")
const ownersOf = (o: unknown): Array<string> => arr(metaOf(o)["ownerReferences"]).map((r) => String(rec(r)["uid"] ?? ""))

const key = (resource: string, namespace: string, name: string) => `${resource}/${namespace}/${name}`

/** Stops a pod's containers and calls `done` when they have; false when nothing runs. */
export type PodStopper = (pod: KubeObject, done: () => void) => boolean

export const makeStore = () => {
  // Versions are opaque to clients; starting high keeps "0" (any version) apart from a real one.
  let rv = 1000
  let compactedBefore = 0
  const objects = new Map<string, KubeObject>()
  const events: Array<StoredEvent> = []
  const watchers = new Set<Watcher>()
  const listeners: Array<(resource: string) => void> = []
  let stopPod: PodStopper = () => false

  const emit = (resource: string, namespace: string, type: EventType, object: KubeObject) => {
    const event: StoredEvent = { rv, resource, namespace, type, object: clone(object) }
    events.push(event)
    for (const w of watchers) if (w.resource === resource && w.namespace === namespace && w.selector(labelsOf(object))) w.send(event)
    for (const l of listeners) l(resource)
  }

  const stamp = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...metaOf(o), resourceVersion: String(++rv) } })

  const get = (resource: string, namespace: string, name: string): KubeObject | undefined => {
    const o = objects.get(key(resource, namespace, name))
    return o === undefined ? undefined : clone(o)
  }

  /** Every object of a resource, in every namespace. */
  const listAll = (resource: string): Array<{ readonly namespace: string; readonly object: KubeObject }> =>
    [...objects.entries()].filter(([k]) => k.startsWith(`${resource}/`)).map(([k, o]) => ({ namespace: k.split("/")[1] ?? "", object: clone(o) }))

  const list = (resource: string, namespace: string, selector: Selector): Array<KubeObject> =>
    [...objects.entries()].filter(([k, o]) => k.startsWith(`${resource}/${namespace}/`) && selector(labelsOf(o))).map(([, o]) => clone(o))

  const create = (resource: string, namespace: string, o: KubeObject): KubeObject => {
    const meta = metaOf(o)
    const stored = stamp({
      ...o,
      metadata: { ...meta, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"), ...(o["spec"] === undefined ? {} : { generation: 1 }) }
    })
    objects.set(key(resource, namespace, nameOf(o)), stored)
    emit(resource, namespace, "ADDED", stored)
    return clone(stored)
  }

  /** Stores a new version of an existing object (metadata the server owns is kept). */
  const update = (resource: string, namespace: string, o: KubeObject): KubeObject => {
    const old = objects.get(key(resource, namespace, nameOf(o)))
    if (old === undefined) throw new Error(`update of a missing ${resource} ${nameOf(o)}`)
    const before = metaOf(old)
    const specChanged = JSON.stringify(o["spec"]) !== JSON.stringify(old["spec"])
    const generation = typeof before["generation"] === "number" ? before["generation"] + (specChanged ? 1 : 0) : undefined
    const stored = stamp({
      ...o,
      metadata: {
        ...metaOf(o),
        namespace,
        uid: before["uid"],
        creationTimestamp: before["creationTimestamp"],
        ...(generation === undefined ? {} : { generation }),
        ...(before["deletionTimestamp"] === undefined ? {} : { deletionTimestamp: before["deletionTimestamp"] })
      }
    })
    objects.set(key(resource, namespace, nameOf(o)), stored)
    emit(resource, namespace, "MODIFIED", stored)
    return clone(stored)
  }

  const dependents = (namespace: string, uid: string) =>
    [...objects.entries()].filter(([k, o]) => k.split("/")[1] === namespace && ownersOf(o).includes(uid)).map(([k, o]) => ({ resource: k.split("/")[0] ?? "", o }))

  const remove = (resource: string, namespace: string, name: string) => {
    const o = objects.get(key(resource, namespace, name))
    if (o === undefined) return
    objects.delete(key(resource, namespace, name))
    ++rv
    emit(resource, namespace, "DELETED", { ...o, metadata: { ...metaOf(o), resourceVersion: String(rv) } })
    // Background propagation of what it owned, and owners waiting (Foreground) for their last dependent.
    for (const d of dependents(namespace, uidOf(o))) requestDelete(d.resource, namespace, nameOf(d.o), "Background")
    for (const [k, owner] of [...objects.entries()]) {
      const finalizers = metaOf(owner)["finalizers"]
      if (Array.isArray(finalizers) && finalizers.includes("foregroundDeletion") && dependents(k.split("/")[1] ?? "", uidOf(owner)).length === 0) {
        const [r, ns, n] = k.split("/")
        remove(r ?? "", ns ?? "", n ?? "")
      }
    }
  }

  const markDeleting = (resource: string, namespace: string, o: KubeObject, extra: Record<string, unknown>) => {
    const stored = stamp({ ...o, metadata: { ...metaOf(o), deletionTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"), ...extra } })
    objects.set(key(resource, namespace, nameOf(o)), stored)
    emit(resource, namespace, "MODIFIED", stored)
    return stored
  }

  /** Deletes with `policy`; returns the object as it is after the request (marked or gone). */
  const requestDelete = (resource: string, namespace: string, name: string, policy: Propagation): KubeObject | undefined => {
    const o = objects.get(key(resource, namespace, name))
    if (o === undefined) return undefined
    if (metaOf(o)["deletionTimestamp"] !== undefined) return clone(o)
    if (resource === "pods") {
      const marked = markDeleting(resource, namespace, o, { deletionGracePeriodSeconds: 30 })
      if (!stopPod(marked, () => remove(resource, namespace, name))) remove(resource, namespace, name)
      return clone(marked)
    }
    if (policy === "Orphan") {
      for (const d of dependents(namespace, uidOf(o))) {
        const refs = arr(metaOf(d.o)["ownerReferences"]).filter((r) => rec(r)["uid"] !== uidOf(o))
        update(d.resource, namespace, { ...d.o, metadata: { ...metaOf(d.o), ownerReferences: refs } })
      }
    }
    if (policy !== "Foreground" || dependents(namespace, uidOf(o)).length === 0) {
      remove(resource, namespace, name)
      return { ...o, metadata: { ...metaOf(o), deletionTimestamp: new Date().toISOString() } }
    }
    const marked = markDeleting(resource, namespace, o, { finalizers: [...new Set([...arr(metaOf(o)["finalizers"]), "foregroundDeletion"])] })
    for (const d of dependents(namespace, uidOf(o))) requestDelete(d.resource, namespace, nameOf(d.o), "Foreground")
    return clone(objects.get(key(resource, namespace, name)) ?? marked)
  }

  return {
    get, list, listAll, create, update, requestDelete, remove,
    /** The current resourceVersion. */
    version: () => rv,
    /** Changes after `from` for a resource and namespace, or `undefined` when they were compacted away. */
    since: (resource: string, namespace: string, from: number): Array<StoredEvent> | undefined =>
      from < compactedBefore ? undefined : events.filter((e) => e.rv > from && e.resource === resource && e.namespace === namespace),
    /** Forgets the history: a watch from an older version gets 410 Gone. */
    compact: () => {
      compactedBefore = rv
      events.length = 0
    },
    watch: (w: Watcher) => {
      watchers.add(w)
      return () => watchers.delete(w)
    },
    openWatches: () => watchers.size,
    onChange: (l: (resource: string) => void) => listeners.push(l),
    setPodStopper: (s: PodStopper) => {
      stopPod = s
    }
  }
}

export type Store = ReturnType<typeof makeStore>
