/**
 * esbuild, as the CLI uses it: one ESM file for Node 20 with everything bundled, the topology API
 * included, so a container needs nothing but Node and the bundle.
 */
import { Effect } from "effect"
import * as esbuild from "esbuild"
import { resolve as resolveSpecifier } from "import-meta-resolve"
import { isAbsolute, relative } from "node:path"
import { fileURLToPath } from "node:url"

/** What esbuild reported, one line per error: `file:line:column: text`. */
export interface BundleFailure {
  readonly lines: ReadonlyArray<string>
}

interface EsbuildLocation {
  readonly file: string
  readonly line: number
  readonly column: number
}

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

const locationOf = (u: unknown): EsbuildLocation | undefined =>
  isRecord(u) && typeof u["file"] === "string" && typeof u["line"] === "number" && typeof u["column"] === "number"
    ? { file: u["file"], line: u["line"], column: u["column"] }
    : undefined

/** `file:line:column: text` for an esbuild message; the file as given, relative to `cwd`. */
const messageLine = (cwd: string, m: unknown): string => {
  if (!isRecord(m)) return String(m)
  const text = typeof m["text"] === "string" ? m["text"] : String(m)
  const at = locationOf(m["location"])
  if (at === undefined) return text
  const file = isAbsolute(at.file) ? relative(cwd, at.file) : at.file
  return `${file}:${at.line}:${at.column + 1}: ${text}`
}

const failureLines = (cwd: string, e: unknown): ReadonlyArray<string> => {
  const errors = isRecord(e) && Array.isArray(e["errors"]) ? e["errors"] : []
  const lines = errors.map((m: unknown) => messageLine(cwd, m))
  return lines.length > 0 ? lines : [e instanceof Error ? e.message.split("\n")[0] ?? e.message : String(e)]
}

/** `heron-runtime` and `heron-runtime/*` resolve to this installation (through the package's own
 * exports), so a topology file needs no local node_modules and always matches the executor. */
const selfPlugin: esbuild.Plugin = {
  name: "heron-runtime-self",
  setup(build) {
    build.onResolve({ filter: /^heron-runtime(\/.*)?$/ }, (args) => {
      try {
        return { path: fileURLToPath(resolveSpecifier(args.path, import.meta.url)) }
      } catch (e) {
        return { errors: [{ text: `cannot resolve ${args.path}: ${e instanceof Error ? e.message : String(e)}` }] }
      }
    })
  }
}

/** CommonJS dependencies inside an ESM bundle may `require` Node built-ins. */
const requireShim = `import { createRequire as __heronCreateRequire } from "node:module"; const require = __heronCreateRequire(import.meta.url);`

/** Bundles `entry` into `outfile`. Fails with every esbuild error as `file:line:column: text`. */
export const bundle = (entry: string, outfile: string, cwd: string): Effect.Effect<void, BundleFailure> =>
  Effect.tryPromise({
    try: () =>
      esbuild.build({
        entryPoints: [entry],
        outfile,
        absWorkingDir: cwd,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        sourcemap: "inline",
        logLevel: "silent",
        banner: { js: requireShim },
        plugins: [selfPlugin]
      }),
    catch: (e): BundleFailure => ({ lines: failureLines(cwd, e) })
  })
