/**
 * `heron submit`, after Heron's submitter: validate and bundle → pack → lock → refuse a name that
 * runs → upload → set topology → set packing plan → set execution state → wait until running.
 * The runtime's supervisor does the launching: it sees the desired state and asks the scheduler.
 * Any failure (or Ctrl-C) rolls back everything written, upload included.
 */
import { Clock, Duration, Effect, Either, Option } from "effect"
import { randomBytes } from "node:crypto"
import { isValidTopologyName } from "../../internal/topologyName.js"
import { ExecutionState, ReleaseState } from "../../model/ExecutionState.js"
import type { PackingPlan } from "../../model/PackingPlan.js"
import type { PhysicalPlan } from "../../model/PhysicalPlan.js"
import type { Component, Topology, TopologyState } from "../../model/Topology.js"
import type { BuildOptions, BuiltPackage, PackageError } from "../../package/Package.js"
import { withState } from "../../runtime/Desired.js"
import type { StateManagerService } from "../../StateManager.js"
import type { BuiltTopology } from "../../topology/Api.js"
import { toLogicalPlan } from "../../topology/LogicalPlan.js"
import type { UploaderService } from "../../Uploader.js"
import { VERSION } from "../../version.js"
import { because, CommandError } from "./CommandError.js"
import type { Progress } from "./Progress.js"
import { withRollback } from "./Rollback.js"
import { formatTarget, mergeConfig, type Target } from "./Target.js"
import { withUploadProgress } from "./UploadProgress.js"
import * as Wait from "./Wait.js"

/**
 * What the planner needs of a bundled topology, all plain data: the CLI derives it from the
 * imported bundle ({@link definitionOf}); the runtime's API server receives it with the package.
 */
export interface TopologyDefinition {
  /** The topology's own name (`--name` may replace it). */
  readonly name: string
  /** Its config, built-in defaults applied. */
  readonly config: Readonly<Record<string, string>>
  /** The keys of `config` the topology set itself (see `BuiltTopology.userConfig`). */
  readonly userConfig?: Readonly<Record<string, string>>
  /** The logical plan's components. */
  readonly components: ReadonlyArray<Component>
}

/** The definition of an imported topology; a topology the logical plan refuses is an error. */
export const definitionOf = (built: BuiltTopology): Effect.Effect<TopologyDefinition, CommandError> =>
  Effect.try({
    try: (): TopologyDefinition => ({
      name: built.name,
      config: built.config,
      ...(built.userConfig === undefined ? {} : { userConfig: built.userConfig }),
      components: toLogicalPlan(built, "", "RUNNING").components
    }),
    catch: (e) => new CommandError({ message: `invalid topology: ${e instanceof Error ? e.message : String(e)}` })
  })

/** What the planner gets: the topology's definition, its final name, id, state and merged config. */
export interface PlanInput {
  readonly definition: TopologyDefinition
  readonly name: string
  readonly id: string
  readonly state: TopologyState
  readonly config: Readonly<Record<string, string>>
}

/** The logical plan and the packing plan of a topology. */
export interface Planned {
  readonly topology: Topology
  readonly packingPlan: PackingPlan
}

/** Turns a built topology into its logical and packing plans (the cluster's packing algorithm). */
export type Planner = (input: PlanInput) => Effect.Effect<Planned, CommandError>

/** Bundles a topology file into a package (`Package.buildPackage` with its context provided). */
export type Bundler = (file: string, outDir: string, options: BuildOptions) => Effect.Effect<BuiltPackage, PackageError>

/** What `heron submit` was asked. */
export interface SubmitRequest {
  readonly target: Target
  readonly file: string
  /** `--name`: overrides the topology's own name. */
  readonly name: Option.Option<string>
  /** `--config-property` values. */
  readonly properties: Readonly<Record<string, string>>
  /** The cluster's `topologyDefaults`. */
  readonly clusterDefaults: Readonly<Record<string, string | number | boolean>>
  readonly deployDeactivated: boolean
  /** How long to wait for the topology to run. */
  readonly timeout: Duration.DurationInput
  /** How long a rollback waits for the runtime to remove launched containers. */
  readonly cleanupTimeout?: Duration.DurationInput
  /** Who submits (recorded in the execution state). */
  readonly user: string
  /** Where the package is built. */
  readonly workDir: string
}

/** The services submit uses. */
export interface SubmitEnv {
  readonly stateManager: StateManagerService
  readonly uploader: UploaderService
  readonly bundle: Bundler
  readonly plan: Planner
  readonly progress: Progress
}

/** A bundled and planned topology (all a dry run does). */
export interface Prepared extends Planned {
  /** The package to upload (`topology.tar.gz`). */
  readonly pkg: { readonly file: string }
}

/** What {@link planPackage} reads of a request. */
export type PlanRequest = Pick<SubmitRequest, "name" | "properties" | "clusterDefaults" | "deployDeactivated">

/** What {@link deploy} reads of a request. */
export type DeployRequest = Pick<SubmitRequest, "target" | "timeout" | "cleanupTimeout" | "user">

/** The outcome of a submit, printed on stdout. */
export interface Submitted {
  readonly target: Target
  readonly name: string
  readonly id: string
  readonly state: TopologyState
  readonly packageUri: string
  readonly containers: number
  readonly instances: number
}

/** Steps of a full submit, for `[i/N]`. */
export const SUBMIT_STEPS = 8

const newId = (name: string) => Effect.sync(() => `${name}-${randomBytes(6).toString("hex")}`)

/** Steps 1 and 2: bundle and validate the file, then pack it. Writes nothing. */
export const prepare = (
  req: SubmitRequest,
  env: Pick<SubmitEnv, "bundle" | "plan" | "progress">,
  total: number
): Effect.Effect<Prepared, CommandError> =>
  Effect.gen(function*() {
    yield* env.progress.step(1, total, `validating and bundling ${req.file}`)
    const first = yield* env.bundle(req.file, req.workDir, Option.match(req.name, { onNone: () => ({}), onSome: (name) => ({ name }) }))
      .pipe(Effect.mapError(because("")))
    return yield* planPackage(req, env, { file: first.file, definition: yield* definitionOf(first.topology) }, total)
  })

/**
 * Step 2: names the topology, merges its config and packs it with the cluster's algorithm. Writes
 * nothing. Shared by the CLI (after bundling) and the API server (after receiving a package).
 */
export const planPackage = (
  req: PlanRequest,
  env: Pick<SubmitEnv, "plan" | "progress">,
  pkg: { readonly file: string; readonly definition: TopologyDefinition },
  total: number
): Effect.Effect<Prepared, CommandError> =>
  Effect.gen(function*() {
    const definition = pkg.definition
    const name = Option.getOrElse(req.name, () => definition.name)
    if (!isValidTopologyName(name)) {
      return yield* new CommandError({ message: `invalid topology name "${name}": use letters, digits, '.', '_' and '-'` })
    }
    yield* env.progress.detail(`package ${pkg.file}`)
    const id = yield* newId(name)
    const config = mergeConfig(definition.config, req.clusterDefaults, definition.userConfig ?? definition.config, req.properties)
    const state: TopologyState = req.deployDeactivated ? "PAUSED" : "RUNNING"
    yield* env.progress.step(2, total, `packing ${name}`)
    const planned = yield* env.plan({ definition, name, id, state, config })
    const instances = planned.packingPlan.containers.reduce((n, c) => n + c.instances.length, 0)
    yield* env.progress.note(`${instances} instances in ${planned.packingPlan.containers.length} containers`)
    return { ...planned, pkg: { file: pkg.file } }
  })

/** The physical plan once every container of `packingPlan` has registered with the TManager;
 * meanwhile what is missing. */
export const runningCheck = (sm: StateManagerService, name: string, id: string, containers: number) =>
  Effect.gen(function*() {
    const topology = yield* sm.get("topologies", name)
    if (Option.isNone(topology) || topology.value.id !== id) return Either.left("the topology was removed meanwhile")
    if (Option.isNone(yield* sm.get("schedulers", name))) return Either.left("waiting for the runtime to schedule the containers")
    const pplan = yield* sm.get("pplans", name)
    if (Option.isNone(pplan) || pplan.value.topology.id !== id) return Either.left("containers scheduled; waiting for the physical plan")
    const stmgrs = pplan.value.stmgrs.length
    if (stmgrs < containers) return Either.left(`${stmgrs}/${containers} stream managers registered`)
    return Either.right<PhysicalPlan>(pplan.value)
  })

/** Marks the topology KILLED and waits for the supervisor to remove it (containers, state, package). */
export const killAndWait = (sm: StateManagerService, name: string, id: string, timeout: Duration.DurationInput, progress: Progress) =>
  Effect.gen(function*() {
    const current = yield* sm.get("topologies", name)
    if (Option.isNone(current) || current.value.id !== id) return
    if (current.value.state !== "KILLED") yield* sm.set("topologies", name, withState(current.value, "KILLED"))
    yield* Wait.until(
      Effect.map(sm.get("topologies", name), (t) =>
        Option.exists(t, (v) => v.id === id) ? Either.left("waiting for the runtime to stop the containers and remove the state") : Either.right(undefined)),
      { what: `the runtime to remove ${name}`, timeout, progress }
    )
  })

/**
 * Steps 3 to 8, under the topology's lock. Every write registers its undo; a failure at any step
 * (the wait included) undoes them all, so the same name can be submitted again at once.
 */
export const deploy = (req: DeployRequest, env: Pick<SubmitEnv, "stateManager" | "uploader" | "progress">, prepared: Prepared): Effect.Effect<Submitted, CommandError> => {
  const { progress, stateManager: sm, uploader } = env
  const { packingPlan, topology } = prepared
  const name = topology.name
  const id = topology.id
  const total = SUBMIT_STEPS
  return Effect.gen(function*() {
    // The lock is held until the undos, if any, have run.
    yield* progress.step(3, total, `taking the lock of ${name}`)
    yield* sm.lock(name, "30 seconds").pipe(Effect.mapError(because(`cannot lock ${name}`)))
    const existing = yield* sm.get("topologies", name).pipe(Effect.mapError(because("reading the state")))
    if (Option.isSome(existing)) {
      return yield* new CommandError({
        message: existing.value.state === "KILLED"
          ? `topology ${name} is being killed on cluster ${req.target.cluster}: submit again once it is gone`
          : `topology ${name} already runs on cluster ${req.target.cluster} (id ${existing.value.id}): kill it first, or submit under another --name`
      })
    }
    return yield* withRollback(progress, (rollback) =>
    Effect.gen(function*() {
      yield* progress.step(4, total, `uploading the package of ${name}`)
      const packageUri = yield* withUploadProgress(progress, (options) => uploader.upload(name, prepared.pkg.file, options)).pipe(
        Effect.mapError(because("uploading the package"))
      )
      yield* rollback.push("restoring the previous upload", uploader.undo(name))
      yield* progress.detail(`uploaded to ${packageUri}`)

      yield* progress.step(5, total, `writing the topology (${topology.state})`)
      yield* sm.set("topologies", name, topology).pipe(Effect.mapError(because("writing the topology")))
      yield* rollback.push("deleting the topology", sm.delete("topologies", name))

      yield* progress.step(6, total, `writing the packing plan (${packingPlan.containers.length} containers)`)
      yield* sm.set("packingplans", name, packingPlan).pipe(Effect.mapError(because("writing the packing plan")))
      yield* rollback.push("deleting the packing plan", sm.delete("packingplans", name))

      yield* progress.step(7, total, "writing the execution state")
      const now = yield* Clock.currentTimeMillis
      const execution = new ExecutionState({
        topologyName: name,
        topologyId: id,
        cluster: req.target.cluster,
        role: req.target.role,
        environ: req.target.environ,
        submissionTime: Math.floor(now / 1000),
        submissionUser: req.user,
        packageUri,
        release: new ReleaseState({ releaseUsername: req.user, releaseTag: "heron-runtime", releaseVersion: VERSION })
      })
      yield* sm.set("executionstate", name, execution).pipe(Effect.mapError(because("writing the execution state")))
      yield* rollback.push("deleting the execution state", sm.delete("executionstate", name))
      // From here the supervisor may launch containers: undoing means asking it to kill them.
      yield* rollback.push(
        "stopping the containers",
        killAndWait(sm, name, id, req.cleanupTimeout ?? "30 seconds", progress).pipe(
          Effect.zipRight(Effect.forEach(["pplans", "tmanagers", "metricscaches", "schedulers"] as const, (k) => sm.delete(k, name)))
        )
      )

      yield* progress.step(8, total, `waiting for ${name} to run (up to ${Duration.format(Duration.decode(req.timeout))})`)
      yield* Wait.until(runningCheck(sm, name, id, packingPlan.containers.length), {
        what: `${name} to run`,
        timeout: req.timeout,
        progress
      })
      return {
        target: req.target,
        name,
        id,
        state: topology.state,
        packageUri,
        containers: packingPlan.containers.length,
        instances: packingPlan.containers.reduce((n, c) => n + c.instances.length, 0)
      }
    }))
  }).pipe(Effect.scoped)
}

/** The whole submit: {@link prepare}, then {@link deploy}. */
export const submit = (req: SubmitRequest, env: SubmitEnv): Effect.Effect<Submitted, CommandError> =>
  Effect.flatMap(prepare(req, env, SUBMIT_STEPS), (prepared) => deploy(req, env, prepared)).pipe(
    Effect.withSpan("heron.submit", { attributes: { target: formatTarget(req.target), file: req.file } })
  )
