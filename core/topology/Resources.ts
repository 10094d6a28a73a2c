/**
 * Per-instance resources in a topology's config, kept the way Heron keeps them: one map per
 * resource (`topology.component.cpumap`, `rammap`, `diskmap`), each `"comp1:value,comp2:value"`,
 * RAM and disk in bytes.
 */
import { configKeys, type InstanceResources } from "./Api.js"

const MiB = 1024 * 1024
const GiB = 1024 * MiB

/** Resources of an instance whose component is in no map: 1 core, 512 MiB RAM, 1 GiB disk. */
export const defaultInstanceResources: InstanceResources = { cpu: 1, ram: 512 * MiB, disk: GiB }

/** Formats a component → value map as Heron's `"comp1:value,comp2:value"`. */
export const formatComponentMap = (entries: ReadonlyArray<readonly [string, number]>): string =>
  entries.map(([component, value]) => `${component}:${value}`).join(",")

/**
 * Parses Heron's `"comp1:value,comp2:value"`. Entries that are not `name:number` are skipped: the
 * builder only writes valid maps, and a hand-written bad entry falls back to the default.
 */
export const parseComponentMap = (text: string | undefined): ReadonlyMap<string, number> => {
  const out = new Map<string, number>()
  if (text === undefined) return out
  for (const entry of text.split(",")) {
    const at = entry.lastIndexOf(":")
    if (at <= 0) continue
    const value = Number(entry.slice(at + 1).trim())
    if (entry.slice(at + 1).trim() !== "" && Number.isFinite(value)) out.set(entry.slice(0, at).trim(), value)
  }
  return out
}

/**
 * The resources of one instance of `component`: its entry in each component map of `config`,
 * else `defaultInstanceResources`. Used by packing and by the engine.
 */
export const resourcesOf = (config: Readonly<Record<string, string>>, component: string): InstanceResources => ({
  cpu: parseComponentMap(config[configKeys.componentCpu]).get(component) ?? defaultInstanceResources.cpu,
  ram: parseComponentMap(config[configKeys.componentRam]).get(component) ?? defaultInstanceResources.ram,
  disk: parseComponentMap(config[configKeys.componentDisk]).get(component) ?? defaultInstanceResources.disk
})
