#!/usr/bin/env node
// Builds the Heron UI (ui/src, Preact + TSX) into dist/ui/ with esbuild: index.html and hashed
// assets under dist/ui/assets/ (ES modules split into chunks, CSS, the ELK layout worker), each
// with a .gz beside it for browsers that take gzip, and dist/ui/manifest.json listing every file
// with its size. The runtime serves dist/ui at `/` (core/tracker/UiHttp.ts).
//
//   node scripts/build-ui.mjs               # minified
//   node scripts/build-ui.mjs --sourcemap   # with linked source maps (8 MB more), for debugging
//   node scripts/build-ui.mjs --no-minify   # readable names (for profiling)
//   node scripts/build-ui.mjs --report      # also print the size of each file
import { build } from "esbuild"
import { createHash } from "node:crypto"
import { copyFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const root = fileURLToPath(new URL("..", import.meta.url))
const final = join(root, "dist/ui")
// Built aside and moved into place: a runtime reading dist/ui meanwhile never sees half a build.
const out = `${final}.tmp-${process.pid}`
const assets = join(out, "assets")
rmSync(out, { recursive: true, force: true })
mkdirSync(assets, { recursive: true })

const hashOf = (bytes) => createHash("sha256").update(bytes).digest("base64url").slice(0, 10)

// The ELK worker runs the DAG's layout off the main thread; it is loaded by URL, so it is copied
// under a content hash and its URL compiled into the bundle.
const elkSource = join(root, "node_modules/elkjs/lib/elk-worker.min.js")
const elkName = `elk-worker-${hashOf(readFileSync(elkSource))}.js`
copyFileSync(elkSource, join(assets, elkName))

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: "ui/src/main.tsx" },
  outdir: assets,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "browser",
  target: ["chrome111", "firefox115", "safari16.4"],
  tsconfig: "ui/tsconfig.json",
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  assetNames: "[name]-[hash]",
  minify: !process.argv.includes("--no-minify"),
  sourcemap: process.argv.includes("--sourcemap") ? "linked" : false,
  legalComments: "linked",
  define: { __ELK_WORKER_URL__: JSON.stringify(`/assets/${elkName}`) },
  metafile: true,
  logLevel: "warning"
})

// index.html: the template with the entry's script and stylesheet.
const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === "ui/src/main.tsx")
if (entry === undefined) throw new Error("build-ui: esbuild produced no output for ui/src/main.tsx")
const [entryPath, entryOutput] = entry
const url = (p) => `/${relative(out, join(root, p)).split("\\").join("/")}`
const tags = [
  ...(entryOutput.cssBundle === undefined ? [] : [`<link rel="stylesheet" href="${url(entryOutput.cssBundle)}">`]),
  `<script type="module" src="${url(entryPath)}"></script>`,
  `<link rel="modulepreload" href="${url(entryPath)}">`
]
const template = readFileSync(join(root, "ui/index.html"), "utf8")
if (!template.includes("<!-- assets -->")) throw new Error("build-ui: ui/index.html lacks the <!-- assets --> marker")
writeFileSync(join(out, "index.html"), template.replace("<!-- assets -->", tags.join("\n    ")))
copyFileSync(join(root, "ui/favicon.svg"), join(out, "favicon.svg"))

// Gzip what is worth it, and list every file with its sizes.
const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]))
const files = walk(out).map((file) => {
  const bytes = readFileSync(file)
  const gz = gzipSync(bytes, { level: 9 })
  const compressible = /\.(js|css|html|map|svg|json|txt)$/.test(file) && bytes.length > 1024 && gz.length < bytes.length
  if (compressible) writeFileSync(`${file}.gz`, gz)
  return { path: relative(out, file).split("\\").join("/"), bytes: bytes.length, gzip: compressible ? gz.length : bytes.length }
})
const sum = (fs, key) => fs.reduce((a, f) => a + f[key], 0)
const loaded = files.filter((f) => /\.(js|css)$/.test(f.path))
const initial = files.filter((f) => f.path === "index.html" || f.path === relative(out, join(root, entryPath)) || (entryOutput.cssBundle !== undefined && f.path === relative(out, join(root, entryOutput.cssBundle))))
const manifest = {
  entry: url(entryPath),
  elkWorker: `/assets/${elkName}`,
  files,
  totals: {
    initial: { bytes: sum(initial, "bytes"), gzip: sum(initial, "gzip") },
    scripts: { bytes: sum(loaded, "bytes"), gzip: sum(loaded, "gzip") }
  }
}
writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`)

// Into place. Two builds racing (tests started twice) both produce the same files: the loser
// keeps the winner's.
rmSync(final, { recursive: true, force: true })
try {
  renameSync(out, final)
} catch (e) {
  rmSync(out, { recursive: true, force: true })
  if (!statSync(join(final, "index.html"), { throwIfNoEntry: false })) throw e
}

if (process.argv.includes("--report")) {
  for (const f of files) process.stdout.write(`${String(f.bytes).padStart(9)} ${String(f.gzip).padStart(9)}  ${f.path}\n`)
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`
  process.stdout.write(`initial load: ${kb(manifest.totals.initial.bytes)} (${kb(manifest.totals.initial.gzip)} gzip); all scripts and styles: ${kb(manifest.totals.scripts.bytes)} (${kb(manifest.totals.scripts.gzip)} gzip)\n`)
}
