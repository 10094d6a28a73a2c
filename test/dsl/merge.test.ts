import { describe, expect, it } from "vitest"
import { Effect, Layer, Schema } from "effect"
import { definePlugin } from "../../core/Plugin.js"
import { MetricsSink } from "../../core/MetricsSink.js"
import { deepMerge } from "../../dsl/merge.js"
import { plugin } from "../../dsl/plugin.js"
import { env, envName } from "../../dsl/env.js"

const sink = (name: string) =>
  definePlugin({
    kind: "metrics-sink",
    name,
    version: "1",
    config: Schema.Struct({ a: Schema.optional(Schema.Number), b: Schema.optional(Schema.Number) }),
    layer: () => Layer.succeed(MetricsSink, MetricsSink.of({ init: () => Effect.void, processRecord: () => Effect.void, flush: Effect.void, close: Effect.void }))
  })

describe("deepMerge", () => {
  it("merges objects key by key and replaces arrays and scalars", () => {
    expect(deepMerge({ a: { x: 1, y: 2 }, l: [1, 2], s: "a" }, { a: { y: 3 }, l: [9], s: "b" })).toEqual({ a: { x: 1, y: 3 }, l: [9], s: "b" })
  })
  it("keeps the base where the override is undefined", () => {
    expect(deepMerge({ a: 1 }, { a: undefined })).toEqual({ a: 1 })
  })
  it("merges the options of the same plugin, replaces a different one", () => {
    const one = sink("one")
    const merged = deepMerge(one.configure({ a: 1 }), one.configure({ b: 2 }))
    expect(merged).toMatchObject({ definition: { name: "one" }, options: { a: 1, b: 2 } })
    const replaced = deepMerge(one.configure({ a: 1 }), sink("two").configure({ b: 2 }))
    expect(replaced).toMatchObject({ definition: { name: "two" }, options: { b: 2 } })
    expect(deepMerge(plugin("p", { a: 1 }), plugin("p", { b: 2 }))).toMatchObject({ packageName: "p", options: { a: 1, b: 2 } })
    expect(deepMerge(plugin("p", { a: 1 }), plugin("q", { b: 2 }))).toMatchObject({ packageName: "q", options: { b: 2 } })
  })
})

describe("env", () => {
  it("is a placeholder naming its variable, and nothing else is", () => {
    expect(envName(env("AWS_SECRET"))).toBe("AWS_SECRET")
    expect(envName("AWS_SECRET")).toBeUndefined()
  })
})
