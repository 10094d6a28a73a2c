/**
 * `TopologyOptions` → Heron's string config keys. Precedence: built-in defaults, then
 * `options.config`, then the typed options that are given. Every component is written to the
 * resource maps, so the stored config says exactly what each instance asks for.
 */
import { configKeys, type InstanceResources, type TopologyOptions } from "../Api.js"
import { defaultInstanceResources, formatComponentMap } from "../Resources.js"
import { TopologyValidationError } from "../TopologyValidationError.js"

/** Heron's values of `topology.reliability.mode`. */
export const reliabilityModes = { "at-most-once": "ATMOST_ONCE", "at-least-once": "ATLEAST_ONCE" } as const

const defaults: Readonly<Record<string, string>> = {
  [configKeys.containers]: "1",
  [configKeys.reliability]: reliabilityModes["at-most-once"],
  [configKeys.messageTimeoutSecs]: "30",
  [configKeys.maxSpoutPending]: "1000",
  [configKeys.metricsIntervalSecs]: "60"
}

type Check = (value: number) => boolean
const positive: Check = (n) => Number.isFinite(n) && n > 0
const positiveInt: Check = (n) => Number.isInteger(n) && n > 0
const nonNegativeInt: Check = (n) => Number.isInteger(n) && n >= 0

/** Keys whose values must be numbers, with the rule and how to say it. */
const numeric: ReadonlyArray<readonly [key: string, check: Check, rule: string]> = [
  [configKeys.containers, positiveInt, "an integer >= 1"],
  [configKeys.messageTimeoutSecs, positive, "a number > 0"],
  [configKeys.maxSpoutPending, nonNegativeInt, "an integer >= 0"],
  [configKeys.metricsIntervalSecs, positive, "a number > 0"],
  [configKeys.tickFreqSecs, positive, "a number > 0"],
  [configKeys.containerMaxCpu, positive, "a number > 0"],
  [configKeys.containerMaxRam, positiveInt, "a number of bytes > 0"],
  [configKeys.containerMaxDisk, positiveInt, "a number of bytes > 0"],
  [configKeys.containerCpuPadding, (n) => Number.isFinite(n) && n >= 0, "a number >= 0"],
  [configKeys.containerRamPadding, nonNegativeInt, "a number of bytes >= 0"],
  [configKeys.containerDiskPadding, nonNegativeInt, "a number of bytes >= 0"]
]

/** The merged config, and the part of it the topology set itself (`userConfig`). */
export const toConfig = (
  topology: string,
  components: ReadonlyArray<string>,
  options: TopologyOptions
): { readonly config: Record<string, string>; readonly userConfig: Record<string, string> } => {
  const fail = (reason: string, component?: string): never => {
    throw new TopologyValidationError(topology, component, reason)
  }
  const config: Record<string, string> = { ...defaults }
  for (const [key, value] of Object.entries(options.config ?? {})) config[key] = String(value)
  const typed: ReadonlyArray<readonly [string, number | string | undefined]> = [
    [configKeys.containers, options.containers],
    [configKeys.reliability, options.reliability === undefined ? undefined : reliabilityModes[options.reliability]],
    [configKeys.messageTimeoutSecs, options.messageTimeoutSecs],
    [configKeys.maxSpoutPending, options.maxSpoutPending],
    [configKeys.metricsIntervalSecs, options.metricsIntervalSecs],
    [configKeys.tickFreqSecs, options.tickFreqSecs]
  ]
  for (const [key, value] of typed) if (value !== undefined) config[key] = String(value)

  const mode = config[configKeys.reliability]
  if (mode !== "ATMOST_ONCE" && mode !== "ATLEAST_ONCE") {
    fail(`${configKeys.reliability} must be ATMOST_ONCE or ATLEAST_ONCE (reliability "at-most-once" or "at-least-once"), got "${options.reliability ?? mode}"`)
  }
  for (const [key, check, rule] of numeric) {
    const raw = config[key]
    if (raw !== undefined && (raw.trim() === "" || !check(Number(raw)))) fail(`${key} must be ${rule}, got "${raw}"`)
  }

  const base = resolve(defaultInstanceResources, options.instanceResources ?? {}, (r) => fail(`instanceResources: ${r}`))
  const overrides = options.componentResources ?? {}
  for (const name of Object.keys(overrides)) {
    if (!components.includes(name)) fail("componentResources names a component the topology does not declare", name)
  }
  const perComponent = components.map((name): readonly [string, InstanceResources] =>
    [name, resolve(base, overrides[name] ?? {}, (r) => fail(`componentResources: ${r}`, name))]
  )
  config[configKeys.componentCpu] = formatComponentMap(perComponent.map(([n, r]) => [n, r.cpu]))
  config[configKeys.componentRam] = formatComponentMap(perComponent.map(([n, r]) => [n, r.ram]))
  config[configKeys.componentDisk] = formatComponentMap(perComponent.map(([n, r]) => [n, r.disk]))
  const resourcesGiven = options.instanceResources !== undefined || options.componentResources !== undefined
  const userKeys = Object.keys(config).filter((key) =>
    (options.config !== undefined && key in options.config) ||
    typed.some(([k, v]) => k === key && v !== undefined) ||
    (resourcesGiven && (key === configKeys.componentCpu || key === configKeys.componentRam || key === configKeys.componentDisk)))
  return { config, userConfig: Object.fromEntries(userKeys.map((k) => [k, config[k] ?? ""])) }
}

const resolve = (
  base: InstanceResources,
  given: Partial<InstanceResources>,
  fail: (reason: string) => never
): InstanceResources => {
  const r = { ...base, ...definedOnly(given) }
  if (!positive(r.cpu)) fail(`cpu must be a number > 0, got ${r.cpu}`)
  if (!positiveInt(r.ram)) fail(`ram must be a whole number of bytes > 0, got ${r.ram}`)
  if (!positiveInt(r.disk)) fail(`disk must be a whole number of bytes > 0, got ${r.disk}`)
  return r
}

const definedOnly = (r: Partial<InstanceResources>): Partial<InstanceResources> => ({
  ...(r.cpu === undefined ? {} : { cpu: r.cpu }),
  ...(r.ram === undefined ? {} : { ram: r.ram }),
  ...(r.disk === undefined ? {} : { disk: r.disk })
})
