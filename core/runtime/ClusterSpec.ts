/**
 * A resolved cluster as plain JSON, for containers: the runtime hands it to every container it
 * launches (`HERON_CLUSTER_SPEC`), so that a container imports its plugins' JavaScript modules
 * directly instead of loading the `*.heron.ts` file again through the TypeScript loader (which
 * costs a container a few hundred milliseconds and tens of MB).
 *
 * Only clusters that can be described without secrets and whose plugins name their module travel
 * this way: a cluster using `env(...)` outside `api`, or a plugin defined inline in a cluster file,
 * gives `None`, and its containers load the cluster file as before. Secrets therefore never reach a container's
 * environment or a scheduler's job description through this path; the API server's tokens (`api`)
 * never leave the runtime at all.
 */
import { Effect, Option, ParseResult, Schema } from "effect"
import { resolve as resolveModule } from "import-meta-resolve"
import { pathToFileURL } from "node:url"
import type { PluginKind } from "../Plugin.js"
import { checkContract, exportedDefinition } from "../../dsl/PluginContract.js"
import type { ResolvedCluster, ResolvedPlugin } from "../../dsl/ResolvedCluster.js"
import { EngineError } from "../engine/EngineError.js"
import { builtinOf, builtinPlugins } from "./builtinPlugins.js"

/** The env key a container finds its cluster in. */
export const CLUSTER_SPEC_ENV = "HERON_CLUSTER_SPEC"

const PluginRef = Schema.Struct({
  /** The URL of the JavaScript module exporting the definition. */
  module: Schema.String,
  kind: Schema.String,
  name: Schema.String,
  packageName: Schema.optional(Schema.String),
  /** Set for a plugin of this package: its folder under `plugins/` (see `builtinPlugins`). */
  builtin: Schema.optional(Schema.String),
  /** The options, encoded by the plugin's own schema. */
  options: Schema.Unknown
})
type PluginRef = typeof PluginRef.Type

/** The cluster's plain keys (name, file, root, home, tracker, packing, ...) plus the plugins a
 * container builds (never the scheduler: the runtime's scheduler watches the containers). */
export const ClusterSpec = Schema.Struct({
  plain: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  stateManager: PluginRef,
  uploader: PluginRef,
  sinks: Schema.Array(PluginRef)
})
export type ClusterSpec = typeof ClusterSpec.Type

const isJavaScript = (url: string) => /\.(m?js|cjs)$/.test(url)

/** The module a resolved plugin can be imported from without a TypeScript loader, if any. */
const moduleOf = <K extends PluginKind>(c: ResolvedCluster, p: ResolvedPlugin<K>): Option.Option<string> => {
  if (p.packageName !== undefined) {
    try {
      const url = resolveModule(p.packageName, pathToFileURL(c.file).href)
      return isJavaScript(url) ? Option.some(url) : Option.none()
    } catch {
      return Option.none()
    }
  }
  const url = p.definition.module
  return url !== undefined && isJavaScript(url) ? Option.some(url) : Option.none()
}

const refOf = <K extends PluginKind>(c: ResolvedCluster, p: ResolvedPlugin<K>): Effect.Effect<Option.Option<PluginRef>> =>
  Option.match(moduleOf(c, p), {
    onNone: () => Effect.succeedNone,
    onSome: (module) =>
      Schema.encodeUnknown(p.definition.config)(p.config).pipe(
        Effect.map((options) => Option.some({
          module,
          ...Option.match(Option.fromNullable(builtinOf(module)), { onNone: () => ({}), onSome: (builtin) => ({ builtin }) }),
          kind: p.definition.kind,
          name: p.definition.name,
          ...(p.packageName === undefined ? {} : { packageName: p.packageName }),
          options
        })),
        Effect.orElseSucceed(() => Option.none())
      )
  })

/** The cluster as a spec, or `None` when its containers must load the cluster file. */
export const encode = (c: ResolvedCluster): Effect.Effect<Option.Option<string>> =>
  Effect.gen(function* () {
    if (c.containerSecrets.length > 0) return Option.none()
    const refs = yield* Effect.all({
      stateManager: refOf(c, c.stateManager),
      uploader: refOf(c, c.uploader),
      sinks: Effect.map(Effect.forEach(c.sinks, (s) => refOf(c, s)), Option.all)
    })
    const all = Option.all(refs)
    if (Option.isNone(all)) return Option.none()
    // The API tokens never leave the runtime: a container serves no API.
    const { stateManager: _s, uploader: _u, scheduler: _sc, sinks: _k, secrets: _x, containerSecrets: _y, api: _a, apiEnv: _e, ...plain } = c
    const spec: ClusterSpec = { plain, ...all.value }
    return Option.some(JSON.stringify(spec))
  })

const fail = (message: string) => new EngineError({ message: `${CLUSTER_SPEC_ENV}: ${message}` })

const load = <K extends PluginKind>(kind: K, ref: PluginRef): Effect.Effect<ResolvedPlugin<K>, EngineError> =>
  Effect.gen(function* () {
    const builtin = ref.builtin === undefined ? undefined : builtinPlugins[ref.builtin]
    const mod: unknown = yield* Effect.tryPromise({
      try: () => (builtin !== undefined ? builtin() : import(ref.module)),
      catch: (e) => fail(`plugin ${ref.kind}/${ref.name}: ${ref.module} failed to load: ${e instanceof Error ? e.message : String(e)}`)
    })
    const definition = yield* checkContract(ref.module, exportedDefinition(mod)).pipe(Effect.mapError((e) => fail(e.message)))
    if (definition.kind !== kind) return yield* fail(`${ref.module} exports a ${definition.kind} plugin where a ${kind} plugin goes`)
    const config = yield* Schema.decodeUnknown(definition.config)(ref.options).pipe(
      Effect.mapError((e) => fail(`plugin ${ref.kind}/${ref.name}: ${ParseResult.TreeFormatter.formatErrorSync(e)}`))
    )
    // Checked just above; a generic kind cannot be narrowed by TypeScript (as in PluginResolver).
    const typed = definition as unknown as ResolvedPlugin<K>["definition"]
    return { definition: typed, config, ...(ref.packageName === undefined ? {} : { packageName: ref.packageName }) }
  })

/** Whether every plugin of a spec is built in: then the bundled executor can run it (a plugin from
 * another package would bring its own copy of `effect`, which the bundle must not mix with its own). */
export const allBuiltin = (json: string): boolean => {
  const spec = Schema.decodeUnknownOption(Schema.parseJson(ClusterSpec))(json)
  return Option.match(spec, {
    onNone: () => false,
    onSome: (s) => [s.stateManager, s.uploader, ...s.sinks].every((r) => r.builtin !== undefined)
  })
}

/** What a container knows of its cluster: everything but the scheduler. */
export type ContainerCluster = Omit<ResolvedCluster, "scheduler">

/** The cluster a spec describes, its plugins imported and their options decoded. */
export const decode = (json: string): Effect.Effect<ContainerCluster, EngineError> =>
  Effect.gen(function* () {
    const spec = yield* Schema.decodeUnknown(Schema.parseJson(ClusterSpec))(json).pipe(
      Effect.mapError((e) => fail(ParseResult.TreeFormatter.formatErrorSync(e)))
    )
    const plugins = yield* Effect.all({
      stateManager: load("state-manager", spec.stateManager),
      uploader: load("uploader", spec.uploader),
      sinks: Effect.forEach(spec.sinks, (s) => load("metrics-sink", s), { concurrency: "unbounded" })
    }, { concurrency: "unbounded" })
    // The plain keys were written by the runtime from a cluster it validated (see `encode`).
    const plain = spec.plain as unknown as Omit<ResolvedCluster, "stateManager" | "uploader" | "scheduler" | "sinks" | "secrets" | "containerSecrets" | "api" | "apiEnv">
    return { ...plain, ...plugins, api: { tokens: {} }, secrets: [], containerSecrets: [], apiEnv: [] }
  })
