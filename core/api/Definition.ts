/**
 * The topology definition a remote submit sends next to its package (Heron's API server takes a
 * `definition` part too): what the planner needs, as plain JSON, so that the runtime never runs
 * the submitter's code. Decoded with Schema, then checked as the topology builder checks a
 * topology, so that a definition the builder would refuse is refused here (400).
 */
import { Effect, ParseResult, Schema } from "effect"
import type { TopologyDefinition } from "../cli/heron/Submit.js"
import { Component } from "../model/Topology.js"
import { configKeys } from "../topology/Api.js"
import { MAX_CONTAINERS, MAX_INSTANCES } from "./Limits.js"

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/** The wire form of `TopologyDefinition` (JSON text in the `definition` form field). */
export const DefinitionWire = Schema.Struct({
  name: Schema.String,
  config: StringMap,
  userConfig: Schema.optionalWith(StringMap, { exact: true }),
  components: Schema.Array(Component)
})

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** What is wrong with a decoded definition (empty when nothing). */
export const problems = (d: TopologyDefinition): ReadonlyArray<string> => {
  const out: Array<string> = []
  const byName = new Map<string, Component>()
  if (!d.components.some((c) => c.kind === "spout")) out.push("declares no spout: a topology needs at least one")
  for (const c of d.components) {
    if (!NAME.test(c.name)) out.push(`component "${c.name}": invalid name: use letters, digits, '.', '_' and '-'`)
    if (byName.has(c.name)) out.push(`component "${c.name}" is declared twice`)
    byName.set(c.name, c)
    if (c.kind === "spout" && c.inputs.length > 0) out.push(`spout "${c.name}" cannot subscribe to streams`)
    if (c.kind === "bolt" && c.inputs.length === 0) out.push(`bolt "${c.name}" has no inputs`)
  }
  for (const c of d.components) {
    for (const input of c.inputs) {
      const source = byName.get(input.component)
      const stream = source?.outputs.find((o) => o.stream === input.stream)
      if (source === undefined) out.push(`component "${c.name}": input from unknown component "${input.component}"`)
      else if (stream === undefined) out.push(`component "${c.name}": input on stream "${input.stream}", which "${input.component}" does not declare`)
      else if (input.grouping._tag === "fields") {
        const missing = input.grouping.fields.filter((f) => !stream.fields.includes(f))
        if (missing.length > 0) out.push(`component "${c.name}": fields grouping on ${missing.join(", ")}, not declared by stream "${input.stream}" of "${input.component}"`)
      }
    }
  }
  const instances = d.components.reduce((n, c) => n + c.parallelism, 0)
  if (instances > MAX_INSTANCES) out.push(`${instances} instances: at most ${MAX_INSTANCES}`)
  for (const config of [d.config, d.userConfig ?? {}]) out.push(...containerProblems(config))
  return [...new Set(out)]
}

/** A `topology.stmgrs` over the limit, in a config or in `--config-property` values. */
export const containerProblems = (config: Readonly<Record<string, string>>): ReadonlyArray<string> => {
  const n = Number(config[configKeys.containers])
  return Number.isFinite(n) && n > MAX_CONTAINERS ? [`${configKeys.containers}=${n}: at most ${MAX_CONTAINERS} containers`] : []
}

/** Decodes and checks the JSON text of a definition; fails with the reason, one line. */
export const decode = (text: string): Effect.Effect<TopologyDefinition, string> =>
  Effect.gen(function*() {
    const decoded = yield* Schema.decodeUnknown(Schema.parseJson(DefinitionWire))(text).pipe(
      Effect.mapError((e) =>
        ParseResult.ArrayFormatter.formatErrorSync(e).slice(0, 3).map((i) => `${i.path.length > 0 ? `at ${i.path.join(".")}: ` : ""}${i.message}`).join("; "))
    )
    const bad = problems(decoded)
    if (bad.length > 0) return yield* Effect.fail(bad.slice(0, 5).join("; "))
    return decoded
  })

/** The JSON text of a definition (what the remote CLI sends). */
export const encode = (d: TopologyDefinition): Effect.Effect<string, ParseResult.ParseError> =>
  Schema.encode(Schema.parseJson(DefinitionWire))(d)
