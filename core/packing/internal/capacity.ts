/**
 * What containers can hold: per-container padding, limits, instance resources, fit checks and the
 * messages that give the numbers when something does not fit.
 */
import { Either } from "effect"
import type { Topology } from "../../model/Topology.js"
import { ContainerPlan, InstancePlan, Resources } from "../../model/PackingPlan.js"
import { configKeys, type InstanceResources } from "../../topology/Api.js"
import { tasks, type Task } from "../../topology/LogicalPlan.js"
import { resourcesOf } from "../../topology/Resources.js"
import { PackingError } from "../PackingError.js"

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/**
 * What each container adds to its instances' resources for its stream manager and metrics manager
 * (Heron pads the same way, with larger defaults). Set with `topology.container.{cpu,ram,disk}.padding`.
 */
export const defaultPadding: InstanceResources = { cpu: 1, ram: 512 * MiB, disk: GiB }

/** Per-container limits in cores and bytes; an absent dimension is unlimited. */
export interface ContainerLimits {
  readonly cpu?: number | undefined
  readonly ram?: number | undefined
  readonly disk?: number | undefined
}

/** An instance to place, with what it asks. */
export interface Item extends Task {
  readonly resources: InstanceResources
}

export type Dimension = keyof InstanceResources
const dimensions: ReadonlyArray<Dimension> = ["cpu", "ram", "disk"]

/** Sums without the float noise of adding fractional cores (0.1 + 0.2). */
const add = (a: number, b: number) => Math.round((a + b) * 1e6) / 1e6

export const zero: InstanceResources = { cpu: 0, ram: 0, disk: 0 }
export const plus = (a: InstanceResources, b: InstanceResources): InstanceResources =>
  ({ cpu: add(a.cpu, b.cpu), ram: add(a.ram, b.ram), disk: add(a.disk, b.disk) })
export const total = (items: ReadonlyArray<Item>): InstanceResources =>
  items.reduce((acc, i) => plus(acc, i.resources), zero)

/** The instances of a topology in task order, each with its resources. */
export const itemsOf = (topology: Topology): ReadonlyArray<Item> =>
  tasks(topology).map((t) => ({ ...t, resources: resourcesOf(topology.config, t.componentName) }))

const numberKey = (config: Readonly<Record<string, string>>, key: string): Either.Either<number | undefined, PackingError> => {
  const raw = config[key]
  if (raw === undefined) return Either.right(undefined)
  const n = Number(raw)
  return raw.trim() !== "" && Number.isFinite(n) && n >= 0
    ? Either.right(n)
    : Either.left(new PackingError({ message: `${key} must be a number >= 0, got "${raw}"` }))
}

/** The padding of every container of `topology`. */
export const paddingOf = (topology: Topology): Either.Either<InstanceResources, PackingError> =>
  Either.all({
    cpu: numberKey(topology.config, configKeys.containerCpuPadding),
    ram: numberKey(topology.config, configKeys.containerRamPadding),
    disk: numberKey(topology.config, configKeys.containerDiskPadding)
  }).pipe(Either.map((p) => ({
    cpu: p.cpu ?? defaultPadding.cpu,
    ram: p.ram ?? defaultPadding.ram,
    disk: p.disk ?? defaultPadding.disk
  })))

/**
 * Effective limits: the cluster's `containerLimits` and the topology's
 * `topology.container.max.*.hint`; where both are set, the smaller wins (the operator's cap and the
 * user's wish both hold).
 */
export const limitsOf = (topology: Topology, cluster: ContainerLimits = {}): Either.Either<ContainerLimits, PackingError> =>
  Either.all({
    cpu: numberKey(topology.config, configKeys.containerMaxCpu),
    ram: numberKey(topology.config, configKeys.containerMaxRam),
    disk: numberKey(topology.config, configKeys.containerMaxDisk)
  }).pipe(Either.map((hint) => {
    const out: { cpu?: number; ram?: number; disk?: number } = {}
    for (const d of dimensions) {
      const both = [cluster[d], hint[d]].filter((n): n is number => n !== undefined)
      if (both.length > 0) out[d] = Math.min(...both)
    }
    return out
  }))

const amount = (d: Dimension, n: number) => (d === "cpu" ? `cpu ${n}` : `${d} ${n} bytes`)
const bare = (d: Dimension, n: number) => (d === "cpu" ? `${n}` : `${n} bytes`)

/** The first dimension in which `used` (instances, padding excluded) goes over the limit, if any. */
export const overLimit = (
  used: InstanceResources,
  padding: InstanceResources,
  limits: ContainerLimits
): Dimension | undefined =>
  dimensions.find((d) => {
    const limit = limits[d]
    return limit !== undefined && add(used[d], padding[d]) > limit
  })

/** True when `item` can join a container already holding `used`. */
export const fits = (used: InstanceResources, item: Item, padding: InstanceResources, limits: ContainerLimits): boolean =>
  overLimit(plus(used, item.resources), padding, limits) === undefined

/** Fails with the numbers for the first instance that does not fit even an empty container. */
export const checkEveryInstanceFits = (
  items: ReadonlyArray<Item>,
  padding: InstanceResources,
  limits: ContainerLimits
): Either.Either<void, PackingError> => {
  for (const item of items) {
    const d = overLimit(item.resources, padding, limits)
    const limit = d === undefined ? undefined : limits[d]
    if (d !== undefined && limit !== undefined) {
      return Either.left(new PackingError({
        message: `instance ${item.componentName}:${item.taskId} asks ${amount(d, item.resources[d])} but a container holds ` +
          `at most ${bare(d, add(limit, -padding[d]))} for instances (limit ${limit} minus padding ${padding[d]})`
      }))
    }
  }
  return Either.void
}

/** Fails with the numbers when a container of a fixed number of containers is over the limits. */
export const checkContainerFits = (
  id: number,
  items: ReadonlyArray<Item>,
  padding: InstanceResources,
  limits: ContainerLimits
): Either.Either<void, PackingError> => {
  const used = total(items)
  const d = overLimit(used, padding, limits)
  if (d === undefined) return Either.void
  return Either.left(new PackingError({
    message: `container ${id} needs ${amount(d, add(used[d], padding[d]))} (${items.length} instances plus padding ` +
      `${padding[d]}) but a container holds at most ${bare(d, limits[d] ?? 0)}: use more containers or ` +
      `resource-compliant-round-robin packing`
  }))
}

const toResources = (r: InstanceResources) => new Resources({ cpu: r.cpu, ram: r.ram, disk: r.disk })

/** A container's plan: its instances in task order, required = their sum plus padding. */
export const containerPlan = (id: number, items: ReadonlyArray<Item>, padding: InstanceResources): ContainerPlan =>
  new ContainerPlan({
    id,
    instances: [...items].sort((a, b) => a.taskId - b.taskId).map((i) =>
      new InstancePlan({ componentName: i.componentName, taskId: i.taskId, componentIndex: i.componentIndex, resources: toResources(i.resources) })
    ),
    requiredResources: toResources(plus(total(items), padding))
  })
