/**
 * `pack`: a topology's logical plan → its packing plan (containers 1..n with their instances and
 * resources), with the algorithm the cluster file chose. Container 0 (the TManager) is not in it.
 */
import { Effect, Either } from "effect"
import type { PackingPlan } from "../model/PackingPlan.js"
import type { Topology } from "../model/Topology.js"
import { configKeys } from "../topology/Api.js"
import { itemsOf, limitsOf, paddingOf, type ContainerLimits } from "./internal/capacity.js"
import { PackingError } from "./PackingError.js"
import { resourceCompliantRoundRobin } from "./ResourceCompliantRoundRobin.js"
import { roundRobin } from "./RoundRobin.js"

export type { ContainerLimits } from "./internal/capacity.js"
export { defaultPadding } from "./internal/capacity.js"

export type PackingAlgorithm = "round-robin" | "resource-compliant-round-robin"

export interface PackInput {
  readonly topology: Topology
  readonly algorithm: PackingAlgorithm
  /** The cluster's per-container limits (cores, bytes); the topology's `topology.container.max.*.hint` also apply. */
  readonly containerLimits?: ContainerLimits | undefined
}

/** The number of containers the topology asks for (`topology.stmgrs`, default 1). */
export const containersOf = (topology: Topology): Either.Either<number, PackingError> => {
  const raw = topology.config[configKeys.containers] ?? "1"
  const n = Number(raw)
  return Number.isInteger(n) && n >= 1
    ? Either.right(n)
    : Either.left(new PackingError({ message: `${configKeys.containers} must be an integer >= 1, got "${raw}"` }))
}

/** Packs with exactly `containers` as the starting number of containers. Shared with `repack`. */
export const packInto = (
  topology: Topology,
  algorithm: PackingAlgorithm,
  containers: number,
  containerLimits?: ContainerLimits
): Either.Either<PackingPlan, PackingError> =>
  Either.gen(function* () {
    const padding = yield* paddingOf(topology)
    const limits = yield* limitsOf(topology, containerLimits)
    const items = itemsOf(topology)
    return algorithm === "round-robin"
      ? yield* roundRobin(topology.id, items, containers, padding, limits)
      : yield* resourceCompliantRoundRobin(topology.id, items, containers, padding, limits)
  })

/**
 * Packs a topology. Round-robin uses exactly `topology.stmgrs` containers; resource-compliant
 * round-robin starts there and adds containers while the limits require it. Pure: no I/O.
 * @returns PackingError with the numbers (asked vs. container limit) when an instance cannot fit a
 *   container, when a round-robin container is over the limits, or when a packing key is malformed
 */
export const pack = Effect.fn("Packing.pack")(function* (input: PackInput) {
  return yield* Either.flatMap(containersOf(input.topology), (n) =>
    packInto(input.topology, input.algorithm, n, input.containerLimits))
})
