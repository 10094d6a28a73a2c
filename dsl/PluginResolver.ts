/**
 * Resolves the plugins a cluster file chose: built-ins carry their definition; third-party plugins
 * (`plugin("pkg", ...)`) are imported by package name from the cluster file's folder and checked
 * against the contract. Every error names the package and what is wrong.
 */
import { Effect, Schema } from "effect"
import { resolve as resolveModule } from "import-meta-resolve"
import { pathToFileURL } from "node:url"
import {
  PluginError,
  isPluginByName,
  pluginKinds,
  type AnyPluginChoice,
  type PluginDefinition,
  type PluginKind
} from "../core/Plugin.js"
import { ensureTsLoader } from "./internal/tsLoader.js"

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a")

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

const importPackage = (packageName: string, fromFile: string) =>
  Effect.gen(function* () {
    const url = yield* Effect.try({
      try: () => resolveModule(packageName, pathToFileURL(fromFile).href),
      catch: () => new PluginError({ plugin: packageName, message: `package "${packageName}" is not installed (resolved from ${fromFile}); run \`npm install ${packageName}\`` })
    })
    yield* ensureTsLoader
    return yield* Effect.tryPromise({
      try: (): Promise<unknown> => import(url),
      catch: (e) => new PluginError({ plugin: packageName, message: `package "${packageName}" failed to load: ${e instanceof Error ? e.message : String(e)}` })
    })
  })

const exportedDefinition = (mod: unknown): unknown =>
  typeof mod === "object" && mod !== null ? (field(mod, "definition") ?? field(mod, "default")) : undefined

/** The definition behind a plugin choice, checked to be of `kind`. */
export const resolvePlugin = <K extends PluginKind>(
  kind: K,
  choice: AnyPluginChoice,
  fromFile: string
): Effect.Effect<PluginDefinition<K>, PluginError> =>
  Effect.gen(function* () {
    const definition = isPluginByName(choice)
      ? yield* importPackage(choice.packageName, fromFile).pipe(
          Effect.flatMap((mod) => checkContract(`package "${choice.packageName}"`, exportedDefinition(mod)))
        )
      : yield* checkContract(`plugin "${choice.definition.name}"`, choice.definition)
    if (definition.kind !== kind) {
      const where = isPluginByName(choice) ? `package "${choice.packageName}"` : `plugin "${definition.name}"`
      return yield* Effect.fail(new PluginError({ plugin: where, message: `${where} is ${article(definition.kind)} ${definition.kind} plugin, but it was given where ${article(kind)} ${kind} plugin goes` }))
    }
    // Checked just above; TypeScript cannot narrow a generic kind (Layer's output is contravariant).
    return definition as unknown as PluginDefinition<K>
  })
