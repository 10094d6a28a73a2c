import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { defaultRole, formatTarget, mergeConfig, parseProperties, parseTarget } from "../../core/cli/heron/Target.js"
import { applyChanges, parseParallelism } from "../../core/cli/heron/Update.js"
import { toLogicalPlan } from "../../core/topology/LogicalPlan.js"
import { built } from "../supervisor/seed.js"

describe("target cluster[/role[/environ]]", () => {
  it.effect("role defaults to the user, environ to default", () =>
    Effect.gen(function*() {
      expect(yield* parseTarget("local", "alice")).toEqual({ cluster: "local", role: "alice", environ: "default" })
      expect(yield* parseTarget("local/bob", "alice")).toEqual({ cluster: "local", role: "bob", environ: "default" })
      expect(yield* parseTarget("prod/bob/devel", "alice")).toEqual({ cluster: "prod", role: "bob", environ: "devel" })
      expect(formatTarget(yield* parseTarget("local", "alice"))).toBe("local/alice/default")
    }))

  it.effect("refuses empty parts, too many parts and odd characters, saying what is expected", () =>
    Effect.gen(function*() {
      const bad = (text: string) => Effect.map(Effect.flip(parseTarget(text, "alice")), (e) => e.message)
      expect(yield* bad("")).toMatch(/^bad target "": empty cluster; expected cluster\[\/role\[\/environ\]\]/)
      expect(yield* bad("local//prod")).toMatch(/empty role/)
      expect(yield* bad("a/b/c/d")).toMatch(/too many parts/)
      expect(yield* bad("local/al ice")).toMatch(/role "al ice" may only use/)
    }))

  it("the default role is $USER, else $LOGNAME, else the account", () => {
    expect(defaultRole({ USER: "carol" })).toBe("carol")
    expect(defaultRole({ LOGNAME: "dave" })).toBe("dave")
    expect(defaultRole({})).not.toBe("")
  })
})

describe("--config-property", () => {
  it.effect("key=value pairs, repeatable, values may hold '=', later wins", () =>
    Effect.gen(function*() {
      expect(yield* parseProperties(["a=1", "b=x=y", "a=2", "c="])).toEqual({ a: "2", b: "x=y", c: "" })
      const e = yield* Effect.flip(parseProperties(["novalue"]))
      expect(e.message).toBe('bad --config-property "novalue": expected key=value')
      expect((yield* Effect.flip(parseProperties(["=x"]))).message).toMatch(/expected key=value/)
    }))

  it("merged config: built-in defaults < cluster topologyDefaults < the topology's config < --config-property", () => {
    const merged = mergeConfig(
      { "topology.stmgrs": "1", "topology.message.timeout.secs": "30", "topology.metrics.interval.secs": "60", "topology.max.spout.pending": "1000" },
      { "topology.stmgrs": 3, "topology.message.timeout.secs": 45, "topology.debug": true },
      { "topology.stmgrs": "2", "topology.max.spout.pending": "100" },
      { "topology.max.spout.pending": "5" }
    )
    expect(merged).toEqual({
      "topology.stmgrs": "2",
      "topology.message.timeout.secs": "45",
      "topology.metrics.interval.secs": "60",
      "topology.debug": "true",
      "topology.max.spout.pending": "5"
    })
  })
})

describe("heron update arguments", () => {
  it.effect("--component-parallelism name:n", () =>
    Effect.gen(function*() {
      expect(yield* parseParallelism(["split:3", "a:b:2"])).toEqual({ split: 3, "a:b": 2 })
      for (const bad of ["split", "split:0", ":2", "split:x", "split:1.5"]) {
        expect((yield* Effect.flip(parseParallelism([bad]))).message).toMatch(/bad --component-parallelism/)
      }
    }))

  it.effect("new parallelism and container count; an unknown component is named with the known ones", () =>
    Effect.gen(function*() {
      const topology = toLogicalPlan(built("wc", 2, 3), "wc-1", "RUNNING")
      const changed = yield* applyChanges(topology, { sink: 5 }, Option.some(4))
      expect(changed.components.map((c) => [c.name, c.parallelism])).toEqual([["numbers", 1], ["sink", 5]])
      expect(changed.config["topology.stmgrs"]).toBe("4")
      expect(changed.id).toBe("wc-1")
      const e = yield* Effect.flip(applyChanges(topology, { nope: 2 }, Option.none()))
      expect(e.message).toBe("topology wc has no component nope; its components: numbers, sink")
    }))
})
