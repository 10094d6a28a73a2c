/**
 * `repack`: the packing plan after `heron update` (new parallelism and/or container count).
 *
 * Same number of containers: every instance that still exists (same component and component index)
 * stays in its container; dropped instances leave; new instances go, in task order, to the container
 * with the fewest instances that has room (ties: lowest id), and resource-compliant packing adds a
 * container when none has. A different number of containers is a fresh packing over the new number.
 *
 * Task ids always follow the new topology's numbering (`tasks`: 1..N, declaration order), so a kept
 * instance may get a new task id when a component declared before it changed parallelism.
 */
import { Effect, Either } from "effect"
import { PackingPlan } from "../model/PackingPlan.js"
import type { Topology } from "../model/Topology.js"
import {
  checkContainerFits,
  checkEveryInstanceFits,
  containerPlan,
  fits,
  itemsOf,
  limitsOf,
  overLimit,
  paddingOf,
  total,
  type ContainerLimits,
  type Item
} from "./internal/capacity.js"
import { containersOf, packInto, type PackingAlgorithm } from "./Pack.js"
import { PackingError } from "./PackingError.js"

export interface RepackOptions {
  /** Default `"round-robin"`. */
  readonly algorithm?: PackingAlgorithm | undefined
  readonly containerLimits?: ContainerLimits | undefined
}

const key = (component: string, index: number) => `${component}\u0000${index}`

/**
 * Repacks `current` for `topology` (the updated logical plan). `containers` is the new number of
 * containers (`--container-number`); undefined keeps the current number. Pure: no I/O.
 * @returns PackingError with the numbers when an instance cannot fit, or `containers` is not >= 1
 */
export const repack = (
  current: PackingPlan,
  topology: Topology,
  containers?: number,
  options: RepackOptions = {}
): Effect.Effect<PackingPlan, PackingError> =>
  Effect.suspend(() => repackEither(current, topology, containers, options))

const repackEither = (
  current: PackingPlan,
  topology: Topology,
  containers: number | undefined,
  options: RepackOptions
): Either.Either<PackingPlan, PackingError> =>
  Either.gen(function* () {
    const algorithm = options.algorithm ?? "round-robin"
    if (containers !== undefined && !(Number.isInteger(containers) && containers >= 1)) {
      return yield* Either.left(new PackingError({ message: `the number of containers must be an integer >= 1, got ${containers}` }))
    }
    if (current.containers.length === 0) {
      return yield* packInto(topology, algorithm, containers ?? (yield* containersOf(topology)), options.containerLimits)
    }
    if (containers !== undefined && containers !== current.containers.length) {
      return yield* packInto(topology, algorithm, containers, options.containerLimits)
    }
    const padding = yield* paddingOf(topology)
    const limits = yield* limitsOf(topology, options.containerLimits)
    const items = itemsOf(topology)
    yield* checkEveryInstanceFits(items, padding, limits)

    const where = new Map<string, number>()
    for (const c of current.containers) for (const i of c.instances) where.set(key(i.componentName, i.componentIndex), c.id)
    const bins = new Map<number, Array<Item>>(current.containers.map((c) => [c.id, []]))
    const fresh: Array<Item> = []
    for (const item of items) {
      const id = where.get(key(item.componentName, item.componentIndex))
      const bin = id === undefined ? undefined : bins.get(id)
      if (bin === undefined) fresh.push(item)
      else bin.push(item)
    }
    // Kept instances may ask more than before (changed resources): then start afresh, or say why not.
    for (const [id, bin] of bins) {
      if (overLimit(total(bin), padding, limits) !== undefined) {
        if (algorithm === "resource-compliant-round-robin") return yield* packInto(topology, algorithm, bins.size, options.containerLimits)
        yield* checkContainerFits(id, bin, padding, limits)
      }
    }
    for (const item of fresh) {
      const byLoad = [...bins.entries()].sort(([ia, a], [ib, b]) => a.length - b.length || ia - ib)
      const target = byLoad.find(([, bin]) => fits(total(bin), item, padding, limits))
      if (target !== undefined) {
        target[1].push(item)
      } else if (algorithm === "resource-compliant-round-robin") {
        bins.set(Math.max(...bins.keys()) + 1, [item])
      } else {
        const [id, bin] = byLoad[0] ?? [1, []]
        yield* checkContainerFits(id, [...bin, item], padding, limits)
      }
    }
    return new PackingPlan({
      id: topology.id,
      containers: [...bins.entries()].sort(([a], [b]) => a - b).map(([id, bin]) => containerPlan(id, bin, padding))
    })
  })
