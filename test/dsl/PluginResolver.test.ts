import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Schema } from "effect"
import { fileURLToPath } from "node:url"
import { definePlugin, PluginError } from "../../core/Plugin.js"
import { Uploader } from "../../core/Uploader.js"
import { checkContract, resolvePlugin } from "../../dsl/PluginResolver.js"
import { plugin } from "../../dsl/plugin.js"

const here = fileURLToPath(import.meta.url)
const message = <A>(e: Effect.Effect<A, PluginError>) => Effect.map(Effect.either(e), (r) => (Either.isLeft(r) ? r.left.message : "accepted"))

describe("checkContract", () => {
  it.effect("names every missing part", () =>
    Effect.gen(function* () {
      const m = yield* message(checkContract('package "x"', { kind: "nope", name: 3 }))
      expect(m).toContain("kind (one of scheduler, state-manager, uploader, metrics-sink")
      expect(m).toContain("name (a string)")
      expect(m).toContain("version (a string)")
      expect(m).toContain("config (an effect/Schema)")
      expect(m).toContain("layer (a function from config to Layer)")
    }))
  it.effect("refuses a non-object export", () =>
    Effect.gen(function* () {
      expect(yield* message(checkContract('package "x"', undefined))).toContain('package "x" does not export a plugin definition')
    }))
})

describe("resolvePlugin", () => {
  it.effect("imports a third-party package by name from the cluster file's folder", () =>
    Effect.gen(function* () {
      const d = yield* resolvePlugin("metrics-sink", plugin("heron-plugin-fixture", {}), here)
      expect([d.kind, d.name, d.version]).toEqual(["metrics-sink", "fixture-file", "1.2.3"])
    }))
  it.effect("refuses a built-in of the wrong kind", () =>
    Effect.gen(function* () {
      const uploader = definePlugin({
        kind: "uploader",
        name: "u",
        version: "1",
        config: Schema.Struct({}),
        layer: () => Layer.fail(new PluginError({ plugin: "uploader/u", message: "unused" })) satisfies Layer.Layer<Uploader, PluginError>
      })
      expect(yield* message(resolvePlugin("scheduler", uploader.configure({}), here))).toBe(
        'plugin "u" is an uploader plugin, but it was given where a scheduler plugin goes')
    }))
})
