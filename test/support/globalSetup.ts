// Builds dist/ (and the bundled executor and the UI) once before the suite: the bins and the cluster files (which import
// `heron-runtime/dsl`, i.e. the package's own dist) are tested as users run them. Type errors do
// not stop the emit; the type check is its own step of scripts/test-all.sh.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

export default function setup(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url))
  const r = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" })
  if (r.status !== 0) process.stderr.write(`tsc reported problems (the build still emitted):\n${r.stdout.slice(0, 4000)}\n`)
  // The bundled executor (dist/bundle), which the runtime launches for clusters of built-in plugins.
  const b = spawnSync(process.execPath, ["scripts/bundle-executor.mjs"], { cwd: root, encoding: "utf8" })
  if (b.status !== 0) throw new Error(`bundling the executor failed:\n${b.stderr.slice(0, 4000)}`)
  // The UI (dist/ui), which the runtime serves at `/`.
  const u = spawnSync(process.execPath, ["scripts/build-ui.mjs"], { cwd: root, encoding: "utf8" })
  if (u.status !== 0) throw new Error(`building the UI failed:\n${u.stderr.slice(0, 4000)}`)
}
