/**
 * Layering of cluster definitions (`extends`): objects merge key by key, arrays and scalars are
 * replaced, and a plugin chosen again with the same plugin merges its options.
 */
import { isPluginByName, isPluginChoice, type AnyPluginChoice } from "../core/Plugin.js"

const isPlainObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !isPluginChoice(u) &&
  (Object.getPrototypeOf(u) === Object.prototype || Object.getPrototypeOf(u) === null)

const samePlugin = (a: AnyPluginChoice, b: AnyPluginChoice): boolean =>
  isPluginByName(a) || isPluginByName(b)
    ? isPluginByName(a) && isPluginByName(b) && a.packageName === b.packageName
    : a.definition.kind === b.definition.kind && a.definition.name === b.definition.name

export const deepMerge = (base: unknown, override: unknown): unknown => {
  if (override === undefined) return base
  if (isPluginChoice(base) && isPluginChoice(override) && samePlugin(base, override)) {
    return { ...override, options: deepMerge(base.options, override.options) }
  }
  if (isPlainObject(base) && isPlainObject(override)) {
    const out: Record<string, unknown> = { ...base }
    for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v)
    return out
  }
  return override
}
