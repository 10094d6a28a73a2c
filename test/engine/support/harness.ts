/**
 * Runs executor processes the way the local scheduler does (one process group per container, its
 * own working directory), against a localfs state manager in a temp HERON_HOME that the test
 * writes directly, with `--topology-module` instead of a package. Every process started here is
 * killed (with its group) in `killAll`.
 */
import { NodeContext } from "@effect/platform-node"
import { Effect, Option } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ExecutionState, ReleaseState } from "../../../core/model/ExecutionState.js"
import type { PackingPlan } from "../../../core/model/PackingPlan.js"
import { buildPackage } from "../../../core/package/Package.js"
import { Topology, type TopologyState } from "../../../core/model/Topology.js"
import type { StateKind, StateManagerService, StateValue } from "../../../core/StateManager.js"
import { makeStateManager } from "../../../core/state/makeStateManager.js"
import { pack } from "../../../core/packing/index.js"
import { toLogicalPlan } from "../../../core/topology/LogicalPlan.js"
import type { BuiltTopology } from "../../../core/topology/Api.js"
import * as LocalFsStore from "../../../plugins/state-managers/localfs/LocalFsStore.js"
import * as LocalFsUploader from "../../../plugins/uploaders/localfs/LocalFsUploader.js"
import { fixtureClusters, repoRoot } from "../../support/processes.js"

export const executorBin = join(repoRoot, "dist/core/engine/executor-bin.js")
export const fixtureTopologies = join(repoRoot, "test/fixtures/topologies")

export interface Home {
  readonly dir: string
  /** The cluster the executors load (a file under test/fixtures/clusters). */
  readonly cluster: string
}

const homes = new Set<string>()

/** A temp HERON_HOME; removed by `killAll` once the processes using it are gone. */
export const makeHome = (cluster = "base"): Home => {
  const dir = mkdtempSync(join(tmpdir(), "heron-engine-"))
  homes.add(dir)
  return { dir, cluster }
}

/** Runs `f` with a state manager over the home's localfs state (a fresh session each time). */
export const withState = <A, E>(home: Home, f: (sm: StateManagerService) => Effect.Effect<A, E>): Promise<A> =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(LocalFsStore.make({ root: join(home.dir, home.cluster, "state") }), (store) => f(makeStateManager(store)))).pipe(
      Effect.provide(NodeContext.layer)
    )
  )

export const getState = <K extends StateKind>(home: Home, kind: K, name: string): Promise<StateValue<K> | undefined> =>
  withState(home, (sm) => Effect.map(sm.get(kind, name), Option.getOrUndefined))

/** Writes the logical plan (with `config` added) and its round-robin packing plan. */
export const submit = async (home: Home, built: BuiltTopology, config: Record<string, string>, state: TopologyState = "RUNNING") => {
  const logical = toLogicalPlan(built, `${built.name}-${Date.now()}`, state === "KILLED" ? "RUNNING" : state)
  const topology = new Topology({ ...logical, config: { ...logical.config, ...config } })
  const packing: PackingPlan = await Effect.runPromise(pack({ topology, algorithm: "round-robin" }))
  await withState(home, (sm) => Effect.zipRight(sm.set("topologies", built.name, topology), sm.set("packingplans", built.name, packing)))
  return { topology, packing }
}

/** Changes the topology's RUNNING / PAUSED state, as `heron activate` / `deactivate` do. */
export const setRunState = (home: Home, name: string, state: "RUNNING" | "PAUSED") =>
  withState(home, (sm) =>
    Effect.flatMap(sm.get("topologies", name), Option.match({
      onNone: () => Effect.die(new Error(`no topology ${name}`)),
      onSome: (t) => sm.set("topologies", name, new Topology({ ...t, state }))
    })))

export interface Executor {
  readonly container: number
  readonly child: ChildProcess
  readonly stderr: () => string
  readonly exited: Promise<number | string>
}

const running = new Set<ChildProcess>()

/** Bundles `file` into a package (as `heron submit` does), uploads it with the localfs uploader and
 * writes the execution state that points at it. */
export const uploadPackage = async (home: Home, name: string, topologyId: string, file: string) => {
  const root = join(home.dir, home.cluster, "packages")
  mkdirSync(root, { recursive: true })
  const uri = await Effect.runPromise(Effect.gen(function* () {
    const built = yield* buildPackage(file, join(home.dir, "build", name))
    const uploader = yield* LocalFsUploader.make(root)
    return yield* uploader.upload(name, built.file)
  }).pipe(Effect.provide(NodeContext.layer)))
  await withState(home, (sm) => sm.set("executionstate", name, new ExecutionState({
    topologyName: name, topologyId, cluster: home.cluster, role: "test", environ: "default",
    submissionTime: Date.now() / 1000, submissionUser: "test", packageUri: uri,
    release: new ReleaseState({ releaseUsername: "test", releaseTag: "", releaseVersion: "0" })
  })))
  return uri
}

/** Starts container `container` of `topology` in its own process group and working directory;
 * with `module`, the executor imports it instead of fetching the package. */
export const startExecutor = (
  home: Home,
  topology: string,
  container: number,
  module?: string,
  env: Record<string, string> = {},
  nodeArgs: ReadonlyArray<string> = [],
  clusterFile: string = join(fixtureClusters, `${home.cluster}.heron.ts`)
): Executor => {
  const cwd = join(home.dir, "containers", topology, `container-${container}`)
  mkdirSync(cwd, { recursive: true })
  const child = spawn(process.execPath, [
    ...nodeArgs,
    executorBin,
    "--cluster-file", clusterFile,
    "--cluster", home.cluster,
    "--topology", topology,
    "--container", String(container),
    ...(module === undefined ? [] : ["--topology-module", module])
  ], { cwd, detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, HERON_HOME: home.dir, HERON_LOG_LEVEL: "Info", ...env } })
  running.add(child)
  let err = ""
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | string>((resolve) =>
    child.on("exit", (code, signal) => {
      running.delete(child)
      resolve(code ?? signal ?? "unknown")
    }))
  return { container, child, stderr: () => err, exited }
}

/** Kills a container's whole process group. */
export const killGroup = (e: Executor, signal: NodeJS.Signals = "SIGKILL"): void => {
  if (e.child.pid !== undefined) {
    try {
      process.kill(-e.child.pid, signal)
    } catch {
      // already gone
    }
  }
}

/** Kills every executor started here, with its group, waits for them to exit, and removes the
 * temp homes. */
export const killAll = async (): Promise<void> => {
  const waits = [...running].map((c) => new Promise((r) => {
    c.once("exit", r)
    try {
      if (c.pid !== undefined) process.kill(-c.pid, "SIGKILL")
    } catch {
      r(undefined)
    }
  }))
  await Promise.all(waits)
  for (const dir of homes) rmSync(dir, { recursive: true, force: true })
  homes.clear()
}

/** Polls `probe` (sync or async) until it returns a value, or fails after `timeoutMs`. */
export const eventually = async <A>(what: string, probe: () => A | undefined | Promise<A | undefined>, timeoutMs = 20_000, everyMs = 100): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** The lines of a file, none when it does not exist yet. */
export const lines = (file: string): Array<string> => {
  try {
    return readFileSync(file, "utf8").split("\n").filter((l) => l !== "")
  } catch {
    return []
  }
}
