/**
 * `heron update <target> <topology> --component-parallelism name:n --container-number n`: a new
 * logical plan (parallelism, `topology.stmgrs`) and a new packing plan (`repack`: kept instances
 * stay where they are), written under the topology's lock, topology first then packing plan. The
 * runtime's supervisor sees the new plan and calls `scheduler.update`, which restarts exactly the
 * containers whose instances changed; the command waits until the physical plan follows.
 */
import { Duration, Effect, Either, Option } from "effect"
import type { PackingPlan } from "../../model/PackingPlan.js"
import type { PhysicalPlan } from "../../model/PhysicalPlan.js"
import { Component, Topology } from "../../model/Topology.js"
import { repack, type ContainerLimits, type PackingAlgorithm } from "../../packing/index.js"
import type { StateManagerService } from "../../StateManager.js"
import { configKeys } from "../../topology/Api.js"
import { because, CommandError } from "./CommandError.js"
import { findTopology } from "./Lifecycle.js"
import type { Progress } from "./Progress.js"
import { withRollback } from "./Rollback.js"
import type { Target } from "./Target.js"
import * as Wait from "./Wait.js"

/** What `heron update` was asked. */
export interface UpdateRequest {
  readonly target: Target
  readonly name: string
  /** `--component-parallelism name:n`, parsed. */
  readonly parallelism: Readonly<Record<string, number>>
  /** `--container-number n`. */
  readonly containers: Option.Option<number>
  readonly dryRun: boolean
  readonly timeout: Duration.DurationInput
  readonly packing: { readonly algorithm: PackingAlgorithm; readonly containerLimits?: ContainerLimits }
}

/** The outcome: the new plans, and whether anything was written. */
export interface Updated {
  readonly topology: Topology
  readonly packingPlan: PackingPlan
  readonly changed: boolean
}

/** Parses repeated `name:n` values (n ≥ 1). */
export const parseParallelism = (pairs: ReadonlyArray<string>): Effect.Effect<Readonly<Record<string, number>>, CommandError> =>
  Effect.gen(function*() {
    const out: Record<string, number> = {}
    for (const pair of pairs) {
      const at = pair.lastIndexOf(":")
      const n = Number(pair.slice(at + 1))
      if (at <= 0 || !Number.isInteger(n) || n < 1) {
        return yield* new CommandError({ message: `bad --component-parallelism "${pair}": expected component:n with n >= 1` })
      }
      out[pair.slice(0, at)] = n
    }
    return out
  })

/** The topology with new parallelisms and container count; unknown components are refused. */
export const applyChanges = (
  topology: Topology,
  parallelism: Readonly<Record<string, number>>,
  containers: Option.Option<number>
): Effect.Effect<Topology, CommandError> => {
  const known = new Set(topology.components.map((c) => c.name))
  const unknown = Object.keys(parallelism).filter((n) => !known.has(n))
  if (unknown.length > 0) {
    return Effect.fail(new CommandError({
      message: `topology ${topology.name} has no component ${unknown.join(", ")}; its components: ${[...known].join(", ")}`
    }))
  }
  if (Option.exists(containers, (n) => !Number.isInteger(n) || n < 1)) {
    return Effect.fail(new CommandError({ message: "--container-number must be an integer >= 1" }))
  }
  return Effect.succeed(new Topology({
    id: topology.id,
    name: topology.name,
    state: topology.state,
    config: Option.match(containers, {
      onNone: () => topology.config,
      onSome: (n) => ({ ...topology.config, [configKeys.containers]: String(n) })
    }),
    components: topology.components.map((c) =>
      new Component({ name: c.name, kind: c.kind, outputs: c.outputs, inputs: c.inputs, config: c.config, parallelism: parallelism[c.name] ?? c.parallelism })
    )
  }))
}

const placements = (plan: PackingPlan): ReadonlyArray<string> =>
  plan.containers.flatMap((c) => c.instances.map((i) => `stmgr-${c.id}/${i.componentName}/${i.taskId}`)).sort()

/** Whether the physical plan runs exactly the packing plan: every instance on its container's stmgr. */
export const follows = (pplan: PhysicalPlan, plan: PackingPlan): boolean => {
  const want = placements(plan)
  const have = pplan.instances.map((i) => `${i.stmgrId}/${i.componentName}/${i.taskId}`).sort()
  return pplan.topology.id === plan.id && pplan.stmgrs.length === plan.containers.length && want.length === have.length &&
    want.every((w, i) => w === have[i])
}

/** Runs `heron update`. */
export const update = (sm: StateManagerService, req: UpdateRequest, progress: Progress): Effect.Effect<Updated, CommandError> =>
  Effect.gen(function*() {
    const total = req.dryRun ? 2 : 4
    const readState = because("reading the state")
    const planned = yield* Effect.scoped(Effect.gen(function*() {
      yield* progress.step(1, total, `reading the plans of ${req.name}`)
      if (!req.dryRun) yield* sm.lock(req.name, "30 seconds").pipe(Effect.mapError(because(`cannot lock ${req.name}`)))
      const current = yield* findTopology(sm, req.target, req.name)
      if (current.state === "KILLED") return yield* new CommandError({ message: `topology ${req.name} is being killed` })
      const currentPlan = yield* sm.get("packingplans", req.name).pipe(Effect.mapError(readState))
      if (Option.isNone(currentPlan)) return yield* new CommandError({ message: `topology ${req.name} has no packing plan yet: wait for its submit to finish` })
      const topology = yield* applyChanges(current, req.parallelism, req.containers)
      yield* progress.step(2, total, "repacking")
      const packingPlan = yield* repack(currentPlan.value, topology, Option.getOrUndefined(req.containers), req.packing).pipe(
        Effect.mapError(because(`cannot pack ${req.name}`))
      )
      const changed = JSON.stringify(placements(packingPlan)) !== JSON.stringify(placements(currentPlan.value)) ||
        JSON.stringify(topology.components.map((c) => c.parallelism)) !== JSON.stringify(current.components.map((c) => c.parallelism))
      if (req.dryRun || !changed) return { topology, packingPlan, changed: false }
      yield* progress.step(3, total, `writing the new topology and packing plan (${packingPlan.containers.length} containers)`)
      yield* withRollback(progress, (rollback) =>
        Effect.gen(function*() {
          yield* sm.set("topologies", req.name, topology).pipe(Effect.mapError(because("writing the topology")))
          yield* rollback.push("restoring the topology", sm.set("topologies", req.name, current))
          yield* sm.set("packingplans", req.name, packingPlan).pipe(Effect.mapError(because("writing the packing plan")))
        }))
      return { topology, packingPlan, changed: true }
    }))
    if (!planned.changed) return planned
    yield* progress.step(4, total, `waiting for the physical plan to follow (up to ${Duration.format(Duration.decode(req.timeout))})`)
    yield* Wait.until(
      Effect.map(sm.get("pplans", req.name), (p) =>
        Option.exists(p, (pp) => follows(pp, planned.packingPlan))
          ? Either.right(undefined)
          : Either.left("the containers whose instances changed are restarting")),
      { what: `${req.name}'s physical plan to follow the update`, timeout: req.timeout, progress }
    )
    return planned
  })
