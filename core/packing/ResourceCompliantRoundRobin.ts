/**
 * Heron's ResourceCompliantRRPacking: round-robin over the topology's containers, never over the
 * container limits. An instance that does not fit the next container goes to the next one that has
 * room; when none has, the packing starts again with one container more, so instances stay spread
 * evenly. Fails (with the numbers) only for an instance too big for an empty container.
 */
import { Either } from "effect"
import { PackingPlan } from "../model/PackingPlan.js"
import type { InstanceResources } from "../topology/Api.js"
import { PackingError } from "./PackingError.js"
import {
  checkEveryInstanceFits,
  containerPlan,
  fits,
  plus,
  zero,
  type ContainerLimits,
  type Item
} from "./internal/capacity.js"

/** Packs `items` (task order) into `containers` containers or more; the plan's id is `id`. */
export const resourceCompliantRoundRobin = (
  id: string,
  items: ReadonlyArray<Item>,
  containers: number,
  padding: InstanceResources,
  limits: ContainerLimits
): Either.Either<PackingPlan, PackingError> =>
  Either.gen(function* () {
    yield* checkEveryInstanceFits(items, padding, limits)
    // With one container per instance everything fits (checked above): the loop always returns.
    for (let n = containers; n <= Math.max(containers, items.length); n++) {
      const bins = place(items, n, padding, limits)
      if (bins !== undefined) {
        return new PackingPlan({ id, containers: bins.map((bin, i) => containerPlan(i + 1, bin, padding)) })
      }
    }
    return yield* Either.left(new PackingError({ message: `no packing found for ${items.length} instances` }))
  })

/** Round-robin from a cursor; undefined when some instance fits no container of `n`. */
const place = (
  items: ReadonlyArray<Item>,
  n: number,
  padding: InstanceResources,
  limits: ContainerLimits
): ReadonlyArray<ReadonlyArray<Item>> | undefined => {
  const bins = Array.from({ length: n }, (): Array<Item> => [])
  const used = bins.map((): InstanceResources => zero)
  let cursor = 0
  for (const item of items) {
    let placed = false
    for (let k = 0; k < n && !placed; k++) {
      const c = (cursor + k) % n
      const [bin, sum] = [bins[c], used[c]]
      if (bin !== undefined && sum !== undefined && fits(sum, item, padding, limits)) {
        bin.push(item)
        used[c] = plus(sum, item.resources)
        cursor = (c + 1) % n
        placed = true
      }
    }
    if (!placed) return undefined
  }
  return bins
}
