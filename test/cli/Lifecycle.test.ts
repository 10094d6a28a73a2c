import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Scope } from "effect"
import * as Lifecycle from "../../core/cli/heron/Lifecycle.js"
import * as Progress from "../../core/cli/heron/Progress.js"
import * as Update from "../../core/cli/heron/Update.js"
import * as Supervisor from "../../core/supervisor/Supervisor.js"
import { clocked, clusterOf, eventually, makeScheduler, makeStateManagerService, makeUploader, stateOf } from "../supervisor/fakes.js"
import { launch, seed } from "../supervisor/seed.js"

const alice = { cluster: "local", role: "alice", environ: "default" }

/** A running topology `wc` (2 containers, 3 sink instances) under a supervisor. */
const running = Effect.gen(function*() {
  const sm = yield* makeStateManagerService
  const scheduler = yield* makeScheduler({ tmanager: sm })
  const uploader = yield* makeUploader
  const scope = yield* Scope.make()
  yield* Supervisor.start(clusterOf(sm, scheduler.service, uploader.service), { launch, httpEndpoint: "http://rt", pollInterval: "100 millis" }).pipe(
    Scope.extend(scope)
  )
  yield* seed(sm, "wc")
  yield* uploader.service.upload("wc", "/tmp/topology.tar.gz")
  yield* eventually(Effect.map(sm.get("pplans", "wc"), Option.isSome))
  return { sm, scheduler, uploader }
})

describe("heron kill / activate / deactivate", () => {
  it.effect("kill marks the topology KILLED and returns once the runtime removed containers, state and package", () =>
    Effect.gen(function*() {
      const { scheduler, sm, uploader } = yield* running
      expect(yield* clocked(Lifecycle.kill(sm, uploader.service, alice, "wc", "10 seconds", Progress.silent))).toBe("killed")
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect((yield* uploader.packages).size).toBe(0)
      expect((yield* scheduler.running).size).toBe(0)
      const again = yield* Effect.flip(Lifecycle.kill(sm, uploader.service, alice, "wc", "1 second", Progress.silent))
      expect(again.message).toBe("topology wc does not run on cluster local")
    }))

  it.effect("kill removes the leftovers of a half-finished submit (no topology) directly", () =>
    Effect.gen(function*() {
      const sm = yield* makeStateManagerService
      const uploader = yield* makeUploader
      yield* seed(sm, "wc")
      yield* sm.delete("topologies", "wc")
      expect(yield* Lifecycle.kill(sm, uploader.service, alice, "wc", "1 second", Progress.silent)).toBe("removed-leftovers")
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect(yield* uploader.ops).toEqual(["delete wc"])
    }))

  it.effect("another role or environ is refused, naming the topology's own target", () =>
    Effect.gen(function*() {
      const sm = yield* makeStateManagerService
      yield* seed(sm, "wc")
      const e = yield* Effect.flip(Lifecycle.setState(sm, { ...alice, environ: "prod" }, "wc", "PAUSED"))
      expect(e.message).toBe("topology wc runs as local/alice/default, not local/alice/prod: give that target")
    }))

  it.effect("deactivate / activate set the desired state; a second time changes nothing", () =>
    Effect.gen(function*() {
      const sm = yield* makeStateManagerService
      yield* seed(sm, "wc")
      const state = Effect.map(Effect.flatten(sm.get("topologies", "wc")), (t) => t.state)
      expect(yield* Lifecycle.setState(sm, alice, "wc", "PAUSED")).toBe("changed")
      expect(yield* state).toBe("PAUSED")
      expect(yield* Lifecycle.setState(sm, alice, "wc", "PAUSED")).toBe("unchanged")
      expect(yield* Lifecycle.setState(sm, alice, "wc", "RUNNING")).toBe("changed")
      expect(yield* state).toBe("RUNNING")
    }))
})

describe("heron update", () => {
  const request = (overrides: Partial<Update.UpdateRequest> = {}): Update.UpdateRequest => ({
    target: alice,
    name: "wc",
    parallelism: { sink: 5 },
    containers: Option.none(),
    dryRun: false,
    timeout: "10 seconds",
    packing: { algorithm: "round-robin" },
    ...overrides
  })

  it.effect("--dry-run computes the new plan and writes nothing", () =>
    Effect.gen(function*() {
      const sm = yield* makeStateManagerService
      const { packingPlan } = yield* seed(sm, "wc")
      const updated = yield* Update.update(sm, request({ dryRun: true }), Progress.silent)
      expect(updated.changed).toBe(false)
      expect(updated.packingPlan.containers.flatMap((c) => c.instances)).toHaveLength(6)
      expect(yield* Effect.flatten(sm.get("packingplans", "wc"))).toEqual(packingPlan)
    }))

  it.effect("writes the new plans; the supervisor updates the scheduler; returns when the physical plan follows", () =>
    Effect.gen(function*() {
      const { scheduler, sm } = yield* running
      const updated = yield* clocked(Update.update(sm, request({ containers: Option.some(3) }), Progress.silent))
      expect(updated.changed).toBe(true)
      expect(updated.packingPlan.containers).toHaveLength(3)
      const pplan = yield* Effect.flatten(sm.get("pplans", "wc"))
      expect(Update.follows(pplan, updated.packingPlan)).toBe(true)
      expect(pplan.instances.filter((i) => i.componentName === "sink")).toHaveLength(5)
      expect((yield* scheduler.calls).filter((c) => c.op === "update")).toHaveLength(1)
      const topology = yield* Effect.flatten(sm.get("topologies", "wc"))
      expect(topology.config["topology.stmgrs"]).toBe("3")
    }))

  it.effect("the same parallelism again changes nothing", () =>
    Effect.gen(function*() {
      const sm = yield* makeStateManagerService
      yield* seed(sm, "wc")
      const updated = yield* Update.update(sm, request({ parallelism: { sink: 3 } }), Progress.silent)
      expect(updated.changed).toBe(false)
    }))
})
