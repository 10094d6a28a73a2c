/**
 * Topology packages. `heron submit` bundles a topology file with esbuild into `topology.mjs`,
 * checks that its default export is a built topology, and packs it with `topology.json` into
 * `topology.tar.gz`, which the cluster's uploader stores. Each container fetches that file and
 * calls {@link extractPackage}, then imports `topology.mjs` again to run its instances: component
 * code is never serialized, only bundled.
 */
import { FileSystem, Path } from "@effect/platform"
import { Data, Effect, Schema } from "effect"
import { pathToFileURL } from "node:url"
import * as tar from "tar"
import { isBuiltTopology, type BuiltTopology } from "../topology/Api.js"
import { VERSION } from "../version.js"
import { bundle } from "./internal/bundle.js"

/** File names inside a package. */
export const BUNDLE_FILE = "topology.mjs"
export const METADATA_FILE = "topology.json"
export const PACKAGE_FILE = "topology.tar.gz"

/** Building, reading or extracting a package failed. `message` names the file (and line, for a
 * syntax or resolution error), and is one line fit to print as is. */
export class PackageError extends Data.TaggedError("PackageError")<{
  readonly file: string
  readonly message: string
}> {}

/** `topology.json`: what the package holds. */
export const PackageMetadata = Schema.Struct({
  name: Schema.String,
  /** The topology id the package was built for, when known at build time. */
  id: Schema.optional(Schema.String),
  /** ISO 8601. */
  builtAt: Schema.String,
  heronRuntimeVersion: Schema.String
})
export type PackageMetadata = typeof PackageMetadata.Type

/** A package built by {@link buildPackage}. */
export interface BuiltPackage {
  /** The `topology.tar.gz` to upload. */
  readonly file: string
  /** The bundle it contains (also left beside it). */
  readonly bundle: string
  readonly metadata: PackageMetadata
  /** The topology the bundle default-exports, as imported in this process. */
  readonly topology: BuiltTopology
}

/** Options of {@link buildPackage}. */
export interface BuildOptions {
  /** Recorded in `topology.json` instead of the topology's own name (`heron submit --name`). */
  readonly name?: string
  readonly id?: string
}

const firstLine = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e)
  return text.split("\n")[0] ?? text
}

/**
 * Imports a bundle (or any topology module) and returns its default export when it is a built
 * topology. A builder validation error thrown while the module loads (a cycle, an unknown input,
 * a bad grouping) is reported with its message, which names the component.
 */
export const loadTopology = (file: string, shownAs: string = file): Effect.Effect<BuiltTopology, PackageError> =>
  Effect.gen(function*() {
    const mod: unknown = yield* Effect.tryPromise({
      try: (): Promise<unknown> => import(pathToFileURL(file).href),
      catch: (e) => new PackageError({ file: shownAs, message: `${shownAs}: ${firstLine(e)}` })
    })
    const value = typeof mod === "object" && mod !== null && "default" in mod ? mod.default : undefined
    if (isBuiltTopology(value)) return value
    return yield* new PackageError({
      file: shownAs,
      message: `${shownAs}: the default export is not a built topology: end the file with \`export default new TopologyBuilder()...build("name")\``
    })
  })

/**
 * Bundles `topologyFile` (TypeScript or JavaScript) into `<outDir>/topology.mjs`, imports it to get
 * and validate the topology, writes `<outDir>/topology.json` and packs both into
 * `<outDir>/topology.tar.gz`. Fails with {@link PackageError} naming the file: `file:line:column`
 * for a syntax or import error, the file for a module whose default export is not a built
 * topology, the builder's message (naming the component) for an invalid topology.
 */
export const buildPackage = (
  topologyFile: string,
  outDir: string,
  options: BuildOptions = {}
): Effect.Effect<BuiltPackage, PackageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const cwd = process.cwd()
    const entry = path.resolve(topologyFile)
    const shown = path.relative(cwd, entry).startsWith("..") ? entry : path.relative(cwd, entry)
    const fail = (message: string) => new PackageError({ file: shown, message })
    if (!(yield* fs.exists(entry).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* fail(`${shown}: no such file`)
    }
    const dir = path.resolve(outDir)
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError((e) => fail(`cannot create ${dir}: ${e.message}`)))
    const bundleFile = path.join(dir, BUNDLE_FILE)
    yield* bundle(entry, bundleFile, cwd).pipe(
      Effect.mapError((f) => fail(f.lines.length === 1 ? f.lines[0] ?? shown : `${f.lines[0]} (and ${f.lines.length - 1} more errors)`))
    )
    const topology = yield* loadTopology(bundleFile, shown)
    const metadata: PackageMetadata = {
      name: options.name ?? topology.name,
      ...(options.id === undefined ? {} : { id: options.id }),
      builtAt: new Date().toISOString(),
      heronRuntimeVersion: VERSION
    }
    yield* fs.writeFileString(path.join(dir, METADATA_FILE), JSON.stringify(metadata, null, 2)).pipe(
      Effect.mapError((e) => fail(`cannot write ${METADATA_FILE}: ${e.message}`))
    )
    const file = path.join(dir, PACKAGE_FILE)
    yield* Effect.tryPromise({
      try: () => tar.create({ gzip: true, file, cwd: dir, portable: true }, [BUNDLE_FILE, METADATA_FILE]),
      catch: (e) => fail(`cannot pack ${file}: ${firstLine(e)}`)
    })
    return { file, bundle: bundleFile, metadata, topology }
  }).pipe(Effect.withSpan("Package.build", { attributes: { file: topologyFile } }))

/**
 * Extracts a package into `dir` (created when missing) and returns the absolute path of its
 * `topology.mjs`. Fails with {@link PackageError} when the archive cannot be read or holds no bundle.
 */
export const extractPackage = (tarGz: string, dir: string): Effect.Effect<string, PackageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const target = path.resolve(dir)
    const fail = (message: string) => new PackageError({ file: tarGz, message: `${tarGz}: ${message}` })
    yield* fs.makeDirectory(target, { recursive: true }).pipe(Effect.mapError((e) => fail(`cannot create ${target}: ${e.message}`)))
    yield* Effect.tryPromise({
      try: () => tar.extract({ file: tarGz, cwd: target, strict: true }),
      catch: (e) => fail(`cannot extract: ${firstLine(e)}`)
    })
    const bundleFile = path.join(target, BUNDLE_FILE)
    if (!(yield* fs.exists(bundleFile).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* fail(`not a topology package: no ${BUNDLE_FILE} inside`)
    }
    return bundleFile
  }).pipe(Effect.withSpan("Package.extract"))

/** Reads `topology.json` of an extracted package. */
export const readMetadata = (dir: string): Effect.Effect<PackageMetadata, PackageError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = path.join(dir, METADATA_FILE)
    const fail = (message: string) => new PackageError({ file, message: `${file}: ${message}` })
    const text = yield* fs.readFileString(file).pipe(Effect.mapError((e) => fail(e.message)))
    const json = yield* Effect.try({ try: (): unknown => JSON.parse(text), catch: (e) => fail(`not JSON: ${firstLine(e)}`) })
    return yield* Schema.decodeUnknown(PackageMetadata)(json).pipe(Effect.mapError((e) => fail(firstLine(e))))
  })
