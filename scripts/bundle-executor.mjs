#!/usr/bin/env node
// Bundles the container's programs (the executor and the instance worker, from dist/) into
// dist/bundle/ with esbuild: one tree-shaken module graph with its own copy of `effect` and the
// built-in plugins, which a container loads in a fraction of the time the node_modules graph takes.
// The runtime launches it for clusters whose plugins are all built in (core/supervisor/Supervisors.ts);
// dist/core/engine/executor-bin.js stays the executor of every other cluster.
import { build } from "esbuild"
import { renameSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const final = `${root}dist/bundle`
// Built aside and moved into place, so a container starting meanwhile never sees half a bundle.
const outdir = `${final}.tmp-${process.pid}`
rmSync(outdir, { recursive: true, force: true })
await build({
  absWorkingDir: root,
  entryPoints: { "executor-bin": "dist/core/engine/executor-bin.js", "instance-worker": "dist/core/engine/instance-worker.js" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // The TypeScript loader and esbuild itself stay outside: only the cluster-file fallback uses them.
  external: ["tsx", "tsx/*", "esbuild"],
  // CommonJS packages inside an ES module still call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __heronRequire } from "node:module"; const require = __heronRequire(import.meta.url);' },
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: "none",
  logLevel: "warning",
  // Thrift's generated scribe code repeats a case label; it is generated, not ours to edit.
  logOverride: { "duplicate-case": "silent" }
})
rmSync(final, { recursive: true, force: true })
renameSync(outdir, final)
