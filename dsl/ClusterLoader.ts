/**
 * Loads `clusters/<name>.heron.ts` in process, layers `extends`, resolves `env(...)` secrets, and
 * validates in two stages (the cluster's own keys, then each plugin's options with the plugin's
 * schema). Every problem is reported at once, with the file and the key path; nothing starts on a
 * refused definition.
 */
import { FileSystem, Path } from "@effect/platform"
import { Config, Effect, Option, Schema } from "effect"
import { pathToFileURL } from "node:url"
import { expandHome } from "../core/internal/expandHome.js"
import { isPluginChoice, type AnyPluginChoice, type PluginKind } from "../core/Plugin.js"
import { redactWith } from "../core/Redactor.js"
import { ClusterError, ClusterIssue, issuesOf } from "./ClusterError.js"
import { ClusterShape } from "./ClusterShape.js"
import { envName } from "./env.js"
import { ensureTsLoader } from "./internal/tsLoader.js"
import { deepMerge } from "./merge.js"
import { resolvePlugin } from "./PluginResolver.js"
import type { ResolvedCluster, ResolvedPlugin } from "./ResolvedCluster.js"

export const CLUSTER_SUFFIX = ".heron.ts"

const fail = (file: string, path: string, message: string) =>
  new ClusterError({ file, issues: [new ClusterIssue({ path, message })] })

/** Names of the cluster files in `dirs`, first folder wins. */
export const listClusters = (dirs: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const names = new Set<string>()
    for (const dir of dirs) {
      const entries = yield* fs.readDirectory(dir).pipe(Effect.orElseSucceed((): ReadonlyArray<string> => []))
      for (const e of entries) if (e.endsWith(CLUSTER_SUFFIX)) names.add(e.slice(0, -CLUSTER_SUFFIX.length))
    }
    return [...names].sort()
  })

/** The file defining cluster `name`: the first `<dir>/<name>.heron.ts` that exists. */
export const findCluster = (name: string, dirs: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    for (const dir of dirs) {
      const file = path.resolve(dir, `${name}${CLUSTER_SUFFIX}`)
      if (yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false))) return file
    }
    const known = yield* listClusters(dirs)
    return yield* Effect.fail(fail(`${name}${CLUSTER_SUFFIX}`, "",
      `cluster "${name}" not found in ${dirs.join(", ")}; known clusters: ${known.length === 0 ? "none" : known.join(", ")}`))
  })

const importDefault = (file: string) =>
  Effect.gen(function* () {
    yield* ensureTsLoader
    const mod = yield* Effect.tryPromise({
      try: (): Promise<unknown> => import(pathToFileURL(file).href),
      catch: (e) => fail(file, "", `cannot load: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`)
    })
    const def = typeof mod === "object" && mod !== null && "default" in mod ? mod.default : undefined
    if (typeof def !== "object" || def === null || Array.isArray(def)) {
      return yield* Effect.fail(fail(file, "", "must default-export a cluster: `export default defineCluster({...})`"))
    }
    return def
  })

/** The definition in `file` with its `extends` chain merged in (raw, not validated yet). */
const loadLayered = (file: string, dirs: ReadonlyArray<string>, seen: ReadonlyArray<string>): Effect.Effect<object, ClusterError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    if (seen.includes(file)) return yield* Effect.fail(fail(file, "extends", `extends itself through ${[...seen, file].join(" -> ")}`))
    const path = yield* Path.Path
    const own = yield* importDefault(file)
    const layer = (def: object): Effect.Effect<object, ClusterError, FileSystem.FileSystem | Path.Path> =>
      Effect.gen(function* () {
        const base: unknown = "extends" in def ? def.extends : undefined
        if (base === undefined) return def
        const parent = typeof base === "string"
          ? yield* findCluster(base, [path.dirname(file), ...dirs]).pipe(Effect.flatMap((f) => loadLayered(f, dirs, [...seen, file])))
          : typeof base === "object" && base !== null && !Array.isArray(base)
            ? yield* layer(base)
            : yield* Effect.fail(fail(file, "extends", `expected a cluster definition or a cluster name, got ${JSON.stringify(base)}`))
        const { name: _inheritedName, ...inherited } = { name: undefined, ...parent }
        const merged = deepMerge(inherited, { ...def, extends: undefined })
        return typeof merged === "object" && merged !== null ? merged : def
      })
    return yield* layer(own)
  })

/** Replaces every `env("NAME")` placeholder by the variable's value; collects the secrets. */
const resolveSecrets = (value: unknown, path: string, secrets: Array<string>, issues: Array<ClusterIssue>): Effect.Effect<unknown> =>
  Effect.gen(function* () {
    if (typeof value === "string") {
      const name = envName(value)
      if (name === undefined) return value
      const found = yield* Config.string(name).pipe(Effect.option)
      if (Option.isNone(found)) {
        issues.push(new ClusterIssue({ path, message: `env("${name}") is not set: export ${name} before starting` }))
        return value
      }
      secrets.push(found.value)
      return found.value
    }
    if (Array.isArray(value)) return yield* Effect.forEach(value, (v, i) => resolveSecrets(v, `${path}[${i}]`, secrets, issues))
    if (isPluginChoice(value)) return { ...value, options: yield* resolveSecrets(value.options, path, secrets, issues) }
    if (typeof value === "object" && value !== null) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) out[k] = yield* resolveSecrets(v, path === "" ? k : `${path}.${k}`, secrets, issues)
      return out
    }
    return value
  })

const resolveSlot = <K extends PluginKind>(kind: K, path: string, choice: AnyPluginChoice, file: string, issues: Array<ClusterIssue>) =>
  Effect.gen(function* () {
    const found = yield* resolvePlugin(kind, choice, file).pipe(Effect.either)
    if (found._tag === "Left") {
      issues.push(new ClusterIssue({ path, message: found.left.message }))
      return Option.none<ResolvedPlugin<K>>()
    }
    const definition = found.right
    const decoded = yield* Schema.decodeUnknown(definition.config, { errors: "all", onExcessProperty: "error" })(choice.options ?? {}).pipe(Effect.either)
    if (decoded._tag === "Left") {
      issues.push(...issuesOf(path, decoded.left))
      return Option.none<ResolvedPlugin<K>>()
    }
    const resolved: ResolvedPlugin<K> = "packageName" in choice
      ? { definition, config: decoded.right, packageName: choice.packageName }
      : { definition, config: decoded.right }
    return Option.some(resolved)
  })

/** How a cluster file is loaded. */
export interface LoadOptions {
  /** Resolve the `api` key (the API server's tokens): only the runtime serves the API, so only it
   * asks; the CLI and the containers load the cluster without it and need none of its variables. */
  readonly withApi?: boolean
}

/** The `env("NAME")` variables named anywhere in `value`. */
const envNamesIn = (value: unknown): ReadonlyArray<string> => {
  if (typeof value === "string") return Option.toArray(Option.fromNullable(envName(value)))
  if (Array.isArray(value)) return value.flatMap(envNamesIn)
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(envNamesIn)
  return []
}

/** Loads, layers and validates the cluster file `file`. */
export const loadClusterFile = (file: string, dirs: ReadonlyArray<string> = [], options: LoadOptions = {}) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const layered = yield* loadLayered(path.resolve(file), dirs, [])
    // The API server's tokens stay with the runtime; every other secret travels to the containers.
    const { api: apiKey, ...rest } = layered as { readonly api?: unknown }
    const api = options.withApi === true ? apiKey : undefined
    const containerSecrets: Array<string> = []
    const apiSecrets: Array<string> = []
    const issues: Array<ClusterIssue> = []
    const resolvedRest = yield* resolveSecrets(rest, "", containerSecrets, issues)
    const resolvedApi = api === undefined ? undefined : yield* resolveSecrets(api, "api", apiSecrets, issues)
    const raw = resolvedApi === undefined ? resolvedRest : { ...(resolvedRest as Record<string, unknown>), api: resolvedApi }
    const secrets = [...containerSecrets, ...apiSecrets]
    const refuse = () => Effect.fail(new ClusterError({
      file,
      issues: issues.map((i) => new ClusterIssue({ path: i.path, message: redactWith(secrets, i.message) }))
    }))
    if (issues.length > 0) return yield* refuse()

    const shape = yield* Schema.decodeUnknown(ClusterShape, { errors: "all", onExcessProperty: "error" })(raw).pipe(
      Effect.catchTag("ParseError", (e) => {
        issues.push(...issuesOf("", e))
        return refuse()
      })
    )
    const scheduler = yield* resolveSlot("scheduler", "scheduler", shape.scheduler, file, issues)
    const stateManager = yield* resolveSlot("state-manager", "stateManager", shape.stateManager, file, issues)
    const uploader = yield* resolveSlot("uploader", "uploader", shape.uploader, file, issues)
    const sinks = yield* Effect.forEach(shape.sinks, (s, i) => resolveSlot("metrics-sink", `sinks[${i}]`, s, file, issues))
    if (Option.isNone(scheduler) || Option.isNone(stateManager) || Option.isNone(uploader) || issues.length > 0) return yield* refuse()

    const heronHome = yield* Config.string("HERON_HOME").pipe(Config.withDefault("~/.heron"), Effect.orElseSucceed(() => "~/.heron"))
    const name = shape.name ?? path.basename(file).slice(0, -CLUSTER_SUFFIX.length)
    const root = path.resolve(expandHome(shape.root ?? heronHome))
    const cluster: ResolvedCluster = {
      name,
      file: path.resolve(file),
      root,
      home: path.join(root, name),
      tracker: shape.tracker,
      scheduler: scheduler.value,
      stateManager: stateManager.value,
      uploader: uploader.value,
      sinks: sinks.flatMap((s) => (Option.isSome(s) ? [s.value] : [])),
      packing: shape.packing,
      metrics: shape.metrics,
      runtime: shape.runtime,
      topologyDefaults: shape.topologyDefaults,
      api: shape.api,
      // Tokens written in the file itself are secrets too: never printed nor logged.
      secrets: [...secrets, ...Object.values(shape.api.tokens)],
      containerSecrets,
      apiEnv: envNamesIn(api)
    }
    return cluster
  })

/** Loads cluster `name` from the first folder of `dirs` that defines it. */
export const loadCluster = (name: string, dirs: ReadonlyArray<string>, options: LoadOptions = {}) =>
  Effect.flatMap(findCluster(name, dirs), (file) => loadClusterFile(file, dirs, options))
