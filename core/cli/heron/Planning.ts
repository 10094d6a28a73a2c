/**
 * The real planner of `heron submit`: the topology's logical plan (its definition's components)
 * under its final name and merged config, packed with the cluster's algorithm and container limits.
 */
import { Effect } from "effect"
import type { ResolvedCluster } from "../../../dsl/ResolvedCluster.js"
import { Topology } from "../../model/Topology.js"
import { pack, type ContainerLimits, type PackingAlgorithm } from "../../packing/index.js"
import { because } from "./CommandError.js"
import type { Planner } from "./Submit.js"

/** The packing options of a cluster, as `pack` and `repack` take them. */
export const packingOf = (cluster: Pick<ResolvedCluster, "packing">): { readonly algorithm: PackingAlgorithm; readonly containerLimits?: ContainerLimits } => {
  const limits = cluster.packing.containerLimits
  if (limits === undefined) return { algorithm: cluster.packing.algorithm }
  const containerLimits: { cpu?: number; ram?: number; disk?: number } = {}
  if (limits.cpu !== undefined) containerLimits.cpu = limits.cpu
  if (limits.ram !== undefined) containerLimits.ram = limits.ram
  if (limits.disk !== undefined) containerLimits.disk = limits.disk
  return { algorithm: cluster.packing.algorithm, containerLimits }
}

/** Plans with `cluster`'s packing settings. */
export const planner = (cluster: Pick<ResolvedCluster, "packing">): Planner => (input) =>
  Effect.gen(function*() {
    const topology = new Topology({
      id: input.id,
      name: input.name,
      state: input.state,
      components: input.definition.components,
      config: input.config
    })
    const packingPlan = yield* pack({ topology, ...packingOf(cluster) }).pipe(Effect.mapError(because(`cannot pack ${input.name}`)))
    return { topology, packingPlan }
  })
