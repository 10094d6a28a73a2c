/**
 * The plugin contract as checked at run time: what a module must export to be a plugin. Shared by
 * the cluster loader (packages named in a cluster file) and the containers (plugins named in the
 * cluster spec the runtime hands them); free of the TypeScript loader.
 */
import { Effect, Schema } from "effect"
import { PluginError, pluginKinds, type PluginDefinition } from "../core/Plugin.js"

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "object" ? "an object" : `${typeof u} ${JSON.stringify(u)}`

const field = (u: object, key: string): unknown => (key in u ? Reflect.get(u, key) : undefined)

/** Checks that `value` meets the plugin contract; `source` names where it came from. */
export const checkContract = (source: string, value: unknown): Effect.Effect<PluginDefinition, PluginError> => {
  if (typeof value !== "object" || value === null) {
    return Effect.fail(new PluginError({ plugin: source, message: `${source} does not export a plugin definition (found ${describe(value)}); export \`definition\` made with definePlugin` }))
  }
  const missing: Array<string> = []
  const kind = field(value, "kind")
  if (typeof kind !== "string" || !pluginKinds.some((k) => k === kind)) {
    missing.push(`kind (one of ${pluginKinds.join(", ")}; found ${describe(kind)})`)
  }
  if (typeof field(value, "name") !== "string") missing.push("name (a string)")
  if (typeof field(value, "version") !== "string") missing.push("version (a string)")
  if (!Schema.isSchema(field(value, "config"))) missing.push("config (an effect/Schema)")
  if (typeof field(value, "layer") !== "function") missing.push("layer (a function from config to Layer)")
  return missing.length > 0
    ? Effect.fail(new PluginError({ plugin: source, message: `${source} does not meet the plugin contract: missing or wrong ${missing.join(", ")}` }))
    // The checks above are the contract; a Schema value and a function are all we can verify at run time.
    : Effect.succeed(value as PluginDefinition)
}

/** The plugin definition a module exports: `definition`, else its default export. */
export const exportedDefinition = (mod: unknown): unknown =>
  typeof mod === "object" && mod !== null ? (field(mod, "definition") ?? field(mod, "default")) : undefined
