import { Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option, Schema } from "effect"
import { existsSync, readdirSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { PluginError, PluginHost } from "../../../../core/Plugin.js"
import { SchedulerLocation } from "../../../../core/model/Locations.js"
import { StateManager } from "../../../../core/StateManager.js"
import { Config, definition, localfs, resolveRoot } from "../../../../plugins/state-managers/localfs/index.js"
import { tempRoot } from "./helpers.js"

const host = (home: string) => Layer.succeed(PluginHost, { cluster: "test", home })
const build = (config: Config, home: string) =>
  Effect.scoped(Layer.build(definition.layer(config).pipe(Layer.provide(host(home)), Layer.provide(NodeContext.layer))))

layer(NodeContext.layer, { excludeTestServices: true })("localfs state-manager plugin", (it) => {
  it.effect("is a state-manager plugin named localfs with a typed factory", () =>
    Effect.sync(() => {
      expect(definition.kind).toBe("state-manager")
      expect(definition.name).toBe("localfs")
      expect(definition.version).toMatch(/^\d+\.\d+\.\d+/)
      const chosen = localfs({ root: "~/state", pollIntervalMs: 200 })
      expect(chosen.definition.name).toBe("localfs")
      expect(chosen.options).toEqual({ root: "~/state", pollIntervalMs: 200 })
    }))

  it.effect("decodes its config and rejects bad values", () =>
    Effect.sync(() => {
      const decode = Schema.decodeUnknownEither(Config)
      expect(decode({})).toEqual(Either.right({}))
      expect(decode({ root: "/var/heron", pollIntervalMs: 250 })).toEqual(Either.right({ root: "/var/heron", pollIntervalMs: 250 }))
      expect(Either.isLeft(decode({ pollIntervalMs: 0 }))).toBe(true)
      expect(Either.isLeft(decode({ root: "" }))).toBe(true)
      expect(Either.isLeft(decode({ root: 3 }))).toBe(true)
    }))

  it.effect("resolves the root: default under the cluster home, ~ to the user's home, relative to the cluster home", () =>
    Effect.gen(function* () {
      const path = yield* Path.Path
      expect(resolveRoot(path, "/data/local", undefined)).toBe("/data/local/state")
      expect(resolveRoot(path, "/data/local", "~")).toBe(homedir())
      expect(resolveRoot(path, "/data/local", "~/heron/state")).toBe(join(homedir(), "heron/state"))
      expect(resolveRoot(path, "/data/local", "mine")).toBe("/data/local/mine")
      expect(resolveRoot(path, "/data/local", "/abs/state")).toBe("/abs/state")
    }))

  it.scoped("creates the default root and serves the StateManager from it", () =>
    Effect.gen(function* () {
      const home = yield* tempRoot
      const context = yield* Layer.build(definition.layer({ pollIntervalMs: 100 }).pipe(Layer.provide(host(home)), Layer.provide(NodeContext.layer)))
      const sm = Context.get(context, StateManager)
      expect(existsSync(join(home, "state"))).toBe(true)
      const loc = new SchedulerLocation({ topologyName: "wc", httpEndpoint: "http://localhost:1", jobPageLinks: [] })
      yield* sm.set("schedulers", "wc", loc)
      expect(yield* sm.get("schedulers", "wc")).toEqual(Option.some(loc))
      expect(readdirSync(join(home, "state", "schedulers"))).toEqual(["wc"])
      // No probe or scratch file is left in the root.
      expect(readdirSync(join(home, "state")).sort()).toEqual(["schedulers"])
    }))

  it.scoped("fails with a PluginError naming the directory when the root cannot be created", () =>
    Effect.gen(function* () {
      const home = yield* tempRoot
      writeFileSync(join(home, "a-file"), "not a folder")
      const root = join(home, "a-file", "state")
      const err = yield* Effect.flip(build({ root }, home))
      expect(err).toBeInstanceOf(PluginError)
      expect(err.plugin).toBe("state-manager/localfs")
      expect(err.message).toContain(root)
      expect(err.message).toContain("cannot create state directory")
    }))

  it.scoped("fails with a PluginError when the root exists but is a regular file", () =>
    Effect.gen(function* () {
      const home = yield* tempRoot
      writeFileSync(join(home, "state"), "not a folder")
      const err = yield* Effect.flip(build({}, home))
      expect(err.plugin).toBe("state-manager/localfs")
      expect(err.message).toContain(join(home, "state"))
    }))
})
