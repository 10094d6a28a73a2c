/**
 * The patch formats the API server takes on PATCH, by `Content-Type`:
 * `application/json-patch+json` (RFC 6902: add, remove, replace, move, copy, test),
 * `application/merge-patch+json` (RFC 7386) and `application/strategic-merge-patch+json`
 * (applied here as a merge patch: lists are replaced rather than merged by key, a simplification
 * that is exact for patches that do not touch lists).
 */

export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** A deep copy of a JSON value. */
export const clone = <A>(a: A): A => structuredClone(a)

/** RFC 7386. */
export const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isRecord(patch)) return clone(patch)
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/** A JSON patch that cannot be applied (the API server answers 422). */
export class PatchError extends Error {}

const unescape = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~")

const parsePointer = (path: string): Array<string> => {
  if (path === "") return []
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`)
  return path.slice(1).split("/").map(unescape)
}

/** The container that holds the last segment of `path`, and that segment. */
const parentOf = (doc: unknown, segments: ReadonlyArray<string>, path: string): [Record<string, unknown> | Array<unknown>, string] => {
  let node: unknown = doc
  for (const s of segments.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(s)] : isRecord(node) ? node[s] : undefined
    if (node === undefined) throw new PatchError(`doc is missing path: ${path}`)
  }
  if (!Array.isArray(node) && !isRecord(node)) throw new PatchError(`doc is missing path: ${path}`)
  return [node, segments[segments.length - 1] ?? ""]
}

const get = (doc: unknown, path: string): unknown => {
  let node: unknown = doc
  for (const s of parsePointer(path)) {
    node = Array.isArray(node) ? node[Number(s)] : isRecord(node) ? node[s] : undefined
    if (node === undefined) throw new PatchError(`doc is missing path: ${path}`)
  }
  return node
}

const remove = (doc: unknown, path: string): void => {
  const [parent, key] = parentOf(doc, parsePointer(path), path)
  if (Array.isArray(parent)) {
    if (Number(key) >= parent.length) throw new PatchError(`doc is missing path: ${path}`)
    parent.splice(Number(key), 1)
  } else {
    if (!(key in parent)) throw new PatchError(`doc is missing path: ${path}`)
    delete parent[key]
  }
}

const add = (doc: unknown, path: string, value: unknown, replace: boolean): unknown => {
  const segments = parsePointer(path)
  if (segments.length === 0) return clone(value)
  const [parent, key] = parentOf(doc, segments, path)
  if (Array.isArray(parent)) {
    const i = key === "-" ? parent.length : Number(key)
    if (!Number.isInteger(i) || i > parent.length || (replace && i >= parent.length)) throw new PatchError(`invalid index in ${path}`)
    parent.splice(i, replace ? 1 : 0, clone(value))
  } else {
    if (replace && !(key in parent)) throw new PatchError(`doc is missing key: ${path}`)
    parent[key] = clone(value)
  }
  return doc
}

/** RFC 6902, applied to a copy of `target`. */
export const jsonPatch = (target: unknown, ops: unknown): unknown => {
  if (!Array.isArray(ops)) throw new PatchError("a JSON patch is an array of operations")
  let doc = clone(target)
  for (const op of ops) {
    if (!isRecord(op) || typeof op["path"] !== "string") throw new PatchError(`invalid operation ${JSON.stringify(op)}`)
    const path = op["path"]
    switch (op["op"]) {
      case "add": doc = add(doc, path, op["value"], false); break
      case "replace": doc = add(doc, path, op["value"], true); break
      case "remove": remove(doc, path); break
      case "test":
        if (JSON.stringify(get(doc, path)) !== JSON.stringify(op["value"])) throw new PatchError(`testing value ${path} failed`)
        break
      case "move":
      case "copy": {
        if (typeof op["from"] !== "string") throw new PatchError(`${String(op["op"])} needs "from"`)
        const value = get(doc, op["from"])
        if (op["op"] === "move") remove(doc, op["from"])
        doc = add(doc, path, value, false)
        break
      }
      default: throw new PatchError(`unknown operation ${JSON.stringify(op["op"])}`)
    }
  }
  return doc
}
