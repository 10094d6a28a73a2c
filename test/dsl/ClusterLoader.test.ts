import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { homedir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as ClusterLoader from "../../dsl/ClusterLoader.js"
import { describe as describeCluster } from "../../dsl/ResolvedCluster.js"

const dir = fileURLToPath(new URL("../fixtures/clusters/", import.meta.url))
const load = (name: string) => ClusterLoader.loadCluster(name, [dir]).pipe(Effect.provide(NodeContext.layer))
const refusal = (name: string) =>
  load(name).pipe(Effect.either, Effect.map((e) => (Either.isLeft(e) ? e.left.message : `loaded ${name}`)))

describe("ClusterLoader", () => {
  it.effect("layers extends (import): objects merge, same plugin merges options, arrays replace", () =>
    Effect.gen(function* () {
      process.env["HERON_TEST_SINK_PATH"] = "/tmp/heron-secret-sink-path.jsonl"
      const c = yield* load("layered")
      expect(c.name).toBe("layered")
      expect(c.file).toBe(`${dir}layered.heron.ts`)
      expect(c.tracker).toEqual({ host: "127.0.0.1", port: 0 })
      expect(c.scheduler.definition.name).toBe("local")
      expect(c.scheduler.config).toMatchObject({ restartBackoffMs: 500, killGraceMs: 1000 })
      expect(c.topologyDefaults).toEqual({ "topology.message.timeout.secs": 30, "topology.stmgrs": 2 })
      expect(c.sinks.map((s) => [s.packageName, s.definition.kind, s.definition.name])).toEqual([["heron-plugin-fixture", "metrics-sink", "fixture-file"]])
      expect(c.sinks[0]?.config).toEqual({ path: "/tmp/heron-secret-sink-path.jsonl", batch: 1 })
      expect(c.secrets).toEqual(["/tmp/heron-secret-sink-path.jsonl"])
    }))

  it.effect("describe redacts every resolved secret", () =>
    Effect.gen(function* () {
      process.env["HERON_TEST_SINK_PATH"] = "/tmp/heron-secret-sink-path.jsonl"
      const text = JSON.stringify(yield* describeCluster(yield* load("layered")))
      expect(text).not.toContain("heron-secret-sink-path")
      expect(text).toContain('"path":"<redacted>"')
      expect(text).toContain('"plugin":"metrics-sink/fixture-file"')
    }))

  it.effect("keeps local data under ~/.heron by default, $HERON_HOME or the root key override it", () =>
    Effect.gen(function* () {
      const saved = process.env["HERON_HOME"]
      delete process.env["HERON_HOME"]
      const byDefault = yield* load("base")
      process.env["HERON_HOME"] = "/srv/heron-home"
      const fromEnv = yield* load("base")
      if (saved === undefined) delete process.env["HERON_HOME"]
      else process.env["HERON_HOME"] = saved
      expect(byDefault.root).toBe(join(homedir(), ".heron"))
      expect(byDefault.home).toBe(join(homedir(), ".heron", "base"))
      expect(fromEnv.home).toBe("/srv/heron-home/base")
      process.env["HERON_TEST_SECRET"] = "/srv/explicit-root"
      const explicit = yield* load("explicit-root")
      expect(explicit.root).toBe("/srv/explicit-root")
    }))

  it.effect("extends another cluster file by name", () =>
    Effect.gen(function* () {
      const c = yield* load("by-name")
      expect(c.name).toBe("by-name")
      expect(c.scheduler.config).toMatchObject({ restartBackoffMs: 500, killGraceMs: 2000 })
      expect(c.home.endsWith("/by-name")).toBe(true)
    }))

  it.effect("a wrong type at a key names the file, key path, expected and found", () =>
    Effect.gen(function* () {
      const m = yield* refusal("bad-type")
      expect(m).toContain(`${dir}bad-type.heron.ts`)
      expect(m).toBe(`${dir}bad-type.heron.ts: at tracker.port: expected number, got "eighty"`)
    }))

  it.effect("a wrong plugin option names the plugin slot and option", () =>
    Effect.gen(function* () {
      expect(yield* refusal("bad-plugin-option")).toMatch(/at scheduler\.killGraceMs: expected .*number.*, got "soon"/)
    }))

  it.effect("an unknown key is refused by name", () =>
    Effect.gen(function* () {
      expect(yield* refusal("typo")).toMatch(/at schedular: is unexpected/)
    }))

  it.effect("an unknown package names the package", () =>
    Effect.gen(function* () {
      expect(yield* refusal("missing-package")).toMatch(/at sinks\[0\]: package "heron-plugin-not-installed" is not installed/)
    }))

  it.effect("a package that does not meet the contract says what is missing", () =>
    Effect.gen(function* () {
      const m = yield* refusal("broken-package")
      expect(m).toContain('package "heron-plugin-broken" does not meet the plugin contract')
      expect(m).toContain("version")
      expect(m).toContain("config (an effect/Schema)")
      expect(m).toContain("layer")
    }))

  it.effect("a plugin of the wrong kind is refused", () =>
    Effect.gen(function* () {
      expect(yield* refusal("wrong-kind")).toContain(
        'at scheduler: package "heron-plugin-fixture" is a metrics-sink plugin, but it was given where a scheduler plugin goes')
    }))

  it.effect("an unset env() names the variable and where it is used", () =>
    Effect.gen(function* () {
      delete process.env["HERON_TEST_UNSET_VARIABLE"]
      expect(yield* refusal("missing-env")).toContain('at sinks[0].path: env("HERON_TEST_UNSET_VARIABLE") is not set')
    }))

  it.effect("a secret in a refused value is redacted from the error", () =>
    Effect.gen(function* () {
      process.env["HERON_TEST_SECRET"] = "hunter2-very-secret"
      const m = yield* refusal("secret-in-error")
      expect(m).toContain("tracker.port")
      expect(m).not.toContain("hunter2-very-secret")
    }))

  it.effect("an extends cycle is refused", () =>
    Effect.gen(function* () {
      expect(yield* refusal("cycle-a")).toContain("extends itself through")
    }))

  it.effect("a file without a default export, or that throws, is refused with the file named", () =>
    Effect.gen(function* () {
      expect(yield* refusal("not-a-cluster")).toContain("not-a-cluster.heron.ts: must default-export a cluster")
      expect(yield* refusal("throws")).toContain("throws.heron.ts: cannot load: boom while loading")
    }))

  it.effect("an unknown cluster lists the known ones", () =>
    Effect.gen(function* () {
      const m = yield* refusal("nope")
      expect(m).toContain('cluster "nope" not found')
      expect(m).toContain("base")
      expect(m).toContain("layered")
    }))
})
