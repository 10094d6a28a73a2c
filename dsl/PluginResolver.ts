/**
 * Resolves the plugins a cluster file chose: built-ins carry their definition; third-party plugins
 * (`plugin("pkg", ...)`) are imported by package name from the cluster file's folder and checked
 * against the contract. Every error names the package and what is wrong.
 */
import { Effect } from "effect"
import { resolve as resolveModule } from "import-meta-resolve"
import { pathToFileURL } from "node:url"
import {
  PluginError,
  isPluginByName,
  type AnyPluginChoice,
  type PluginDefinition,
  type PluginKind
} from "../core/Plugin.js"
import { ensureTsLoader } from "./internal/tsLoader.js"
import { checkContract, exportedDefinition } from "./PluginContract.js"

export { checkContract } from "./PluginContract.js"

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a")

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
