/**
 * Heron's RoundRobinPacking: a fixed number of containers; instances dealt in task order to
 * containers 1, 2, ..., n, 1, 2, ... Fails (with the numbers) when an instance, or what lands in one
 * container, is over the container limits.
 */
import { Either } from "effect"
import { PackingPlan } from "../model/PackingPlan.js"
import type { InstanceResources } from "../topology/Api.js"
import type { PackingError } from "./PackingError.js"
import {
  checkContainerFits,
  checkEveryInstanceFits,
  containerPlan,
  type ContainerLimits,
  type Item
} from "./internal/capacity.js"

/** Packs `items` (task order) into exactly `containers` containers; the plan's id is `id`. */
export const roundRobin = (
  id: string,
  items: ReadonlyArray<Item>,
  containers: number,
  padding: InstanceResources,
  limits: ContainerLimits
): Either.Either<PackingPlan, PackingError> =>
  Either.gen(function* () {
    yield* checkEveryInstanceFits(items, padding, limits)
    const bins = Array.from({ length: containers }, (): Array<Item> => [])
    items.forEach((item, i) => bins[i % containers]?.push(item))
    for (const [i, bin] of bins.entries()) yield* checkContainerFits(i + 1, bin, padding, limits)
    return new PackingPlan({ id, containers: bins.map((bin, i) => containerPlan(i + 1, bin, padding)) })
  })
