/**
 * Checks of the declared components: names, parallelism, outputs, subscriptions, cycles.
 * Each failure throws a `TopologyValidationError` naming the component at fault.
 */
import type { OutputDeclaration } from "../Api.js"
import { configKeys } from "../Api.js"
import { TopologyValidationError } from "../TopologyValidationError.js"
import type { Declaration } from "./build.js"

/** Same rule for topology and component names: they end up in instance ids, file names and config maps. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export const isValidName = (name: string): boolean => NAME.test(name)

const list = (names: ReadonlyArray<string>) => `[${names.join(", ")}]`

export const validateComponents = (topology: string, declarations: ReadonlyArray<Declaration>): void => {
  const fail = (component: string, reason: string): never => {
    throw new TopologyValidationError(topology, component, reason)
  }
  if (!declarations.some((d) => d.kind === "spout")) {
    throw new TopologyValidationError(topology, undefined, "declares no spout: a topology needs at least one")
  }
  const byName = new Map<string, Declaration>()
  for (const d of declarations) {
    if (!isValidName(d.name)) {
      fail(d.name, "invalid component name: use letters, digits, '.', '_' and '-', starting with a letter or digit")
    }
    if (byName.has(d.name)) fail(d.name, "declared twice: component names must be unique")
    byName.set(d.name, d)
    if (!Number.isInteger(d.parallelism) || d.parallelism < 1) {
      fail(d.name, `parallelism must be an integer >= 1, got ${d.parallelism}`)
    }
    if (d.spec.kind !== d.kind || typeof d.spec.create !== "function") {
      fail(d.name, `declared with ${d.kind === "spout" ? "setSpout" : "setBolt"} but its spec is not a ${d.kind} (use ${d.kind}({...}))`)
    }
    checkOutputs(d.spec.outputs, (reason) => fail(d.name, reason))
    checkComponentConfig(d.config, (reason) => fail(d.name, reason))
    if (d.kind === "spout" && d.inputs.length > 0) {
      fail(d.name, `a spout cannot subscribe to streams, but it has inputs from ${list(d.inputs.map((i) => i.component))}`)
    }
    if (d.kind === "bolt" && d.inputs.length === 0) {
      fail(d.name, `has no inputs: subscribe it to a stream, e.g. .shuffleGrouping("<component>")`)
    }
  }
  for (const d of declarations) {
    const seen = new Set<string>()
    for (const input of d.inputs) {
      const source = byName.get(input.component)
      if (source === undefined) return fail(d.name, `input from unknown component "${input.component}"`)
      const key = `${input.component}\u0000${input.stream}`
      if (seen.has(key)) fail(d.name, `subscribes twice to stream "${input.stream}" of "${input.component}"`)
      seen.add(key)
      const outputs = source.spec.outputs
      if (!Object.hasOwn(outputs, input.stream)) {
        fail(d.name, `input on stream "${input.stream}" of "${input.component}", which declares streams ${list(Object.keys(outputs))}`)
      }
      const declared = outputs[input.stream] ?? []
      if (input.grouping._tag === "fields") {
        if (input.grouping.fields.length === 0) fail(d.name, `fields grouping on "${input.component}" names no field`)
        for (const f of input.grouping.fields) {
          if (!declared.includes(f)) {
            fail(d.name, `fields grouping on "${f}", which stream "${input.stream}" of "${input.component}" does not declare (it declares ${list(declared)})`)
          }
        }
      }
    }
  }
  checkAcyclic(declarations, fail)
}

const checkOutputs = (outputs: OutputDeclaration, fail: (reason: string) => never) => {
  for (const [stream, names] of Object.entries(outputs)) {
    if (stream === "") fail("declares an output stream with an empty name")
    if (stream.startsWith("__")) fail(`output stream "${stream}": names starting with "__" are reserved`)
    const dup = names.find((f, i) => names.indexOf(f) !== i)
    if (dup !== undefined) fail(`stream "${stream}" declares field "${dup}" twice`)
  }
}

const checkComponentConfig = (config: Readonly<Record<string, string>>, fail: (reason: string) => never) => {
  const tick = config[configKeys.tickFreqSecs]
  if (tick !== undefined && !(Number(tick) > 0)) fail(`${configKeys.tickFreqSecs} must be a number > 0, got "${tick}"`)
}

/** Depth-first search along the streams; a back edge is a cycle, reported with its components. */
const checkAcyclic = (declarations: ReadonlyArray<Declaration>, fail: (component: string, reason: string) => never) => {
  const downstream = new Map<string, Array<string>>()
  for (const d of declarations) {
    for (const input of d.inputs) downstream.set(input.component, [...(downstream.get(input.component) ?? []), d.name])
  }
  const state = new Map<string, "visiting" | "done">()
  const path: Array<string> = []
  const visit = (name: string): void => {
    state.set(name, "visiting")
    path.push(name)
    for (const next of downstream.get(name) ?? []) {
      const s = state.get(next)
      if (s === "visiting") {
        const cycle = [...path.slice(path.indexOf(next)), next]
        fail(next, `is in a cycle: ${cycle.join(" -> ")}`)
      }
      if (s === undefined) visit(next)
    }
    path.pop()
    state.set(name, "done")
  }
  for (const d of declarations) if (!state.has(d.name)) visit(d.name)
}
