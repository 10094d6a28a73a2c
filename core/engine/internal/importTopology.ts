/**
 * Imports a topology module (the packaged `topology.mjs`, or a `.ts`/`.js` file given with
 * `--topology-module` in tests and development) and checks its default export structurally: the
 * bundle carries its own copy of the topology API, so `instanceof` and tag identity cannot be used.
 */
import { pathToFileURL } from "node:url"
import { isBuiltTopology, type BuiltTopology } from "../../topology/Api.js"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

const isComponent = (u: unknown): boolean =>
  isRecord(u) && typeof u["name"] === "string" && (u["kind"] === "spout" || u["kind"] === "bolt") &&
  typeof u["parallelism"] === "number" && isRecord(u["outputs"]) && Array.isArray(u["inputs"]) &&
  isRecord(u["spec"]) && typeof u["spec"]["create"] === "function"

/** Why `u` is not a built topology, or undefined when it is one. */
export const notBuiltTopology = (u: unknown): string | undefined => {
  if (!isBuiltTopology(u)) return "its default export is not a built topology: `export default new TopologyBuilder()...build(name)`"
  if (typeof u.name !== "string" || !isRecord(u.config)) return "the built topology has no name or config"
  if (!Array.isArray(u.components) || !u.components.every(isComponent)) return "the built topology has malformed components"
  return undefined
}

let tsLoader: Promise<void> | undefined

/** TypeScript modules need tsx's loader, registered once per thread. */
const ensureTs = (): Promise<void> => {
  tsLoader ??= import("tsx/esm/api").then((m) => {
    m.register()
  })
  return tsLoader
}

/** Imports `file` and returns its default export if it is a built topology; rejects otherwise. */
export const importTopology = async (file: string): Promise<BuiltTopology> => {
  if (/\.(c|m)?tsx?$/.test(file)) await ensureTs()
  const mod: unknown = await import(pathToFileURL(file).href)
  const def = isRecord(mod) ? mod["default"] : undefined
  const why = notBuiltTopology(def)
  if (why !== undefined || !isBuiltTopology(def)) throw new Error(`${file}: ${why ?? "not a topology"}`)
  return def
}
