import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schedule } from "effect"
import type { StateManagerService } from "../../../core/StateManager.js"
import * as Snapshots from "../../../core/tracker/Snapshots.js"
import * as TopologyCache from "../../../core/tracker/TopologyCache.js"
import * as Clusters from "../../../core/Clusters.js"
import { cluster, execution, localState, wcPhysical } from "./fixtures.js"

/** Retries `probe` until it holds (the cache follows watches, a moment after each write). */
const eventually = <A>(probe: Effect.Effect<A>, holds: (a: A) => boolean) =>
  probe.pipe(
    Effect.filterOrFail(holds, () => "not yet"),
    Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("5 seconds"))),
    Effect.orDieWith(() => new Error("the cache never caught up"))
  )

/** The state manager, counting its reads. */
const counting = (sm: StateManagerService) => {
  const reads = { n: 0 }
  const counted: StateManagerService = {
    ...sm,
    get: (kind, topology) => Effect.zipRight(Effect.sync(() => reads.n++), sm.get(kind, topology)),
    list: (kind) => Effect.zipRight(Effect.sync(() => reads.n++), sm.list(kind))
  }
  return { reads, counted }
}

describe("TopologyCache", () => {
  it.scopedLive("follows every topology's nodes through watches: additions, changes, removals", () =>
    Effect.gen(function*() {
      const sm = yield* localState
      const cache = yield* TopologyCache.make(cluster("local", sm))
      const names = () => Option.map(cache.list(), (l) => l.map((s) => s.name).sort())
      expect(yield* eventually(Effect.sync(names), Option.isSome)).toEqual(Option.some(["pending", "wc"]))
      expect(Option.getOrThrow(cache.get("wc")).physicalPlan).toEqual(wcPhysical)
      expect(Option.getOrThrow(cache.get("pending")).physicalPlan).toBeUndefined()

      // The pending topology's physical plan appears; wc goes away.
      yield* sm.set("pplans", "pending", wcPhysical)
      yield* eventually(Effect.sync(() => cache.get("pending")), (s) => Option.isSome(s) && s.value.physicalPlan !== undefined)
      yield* sm.delete("executionstate", "wc")
      expect(yield* eventually(Effect.sync(names), (n) => Option.isSome(n) && n.value.length === 1)).toEqual(Option.some(["pending"]))
      expect(cache.get("wc")).toEqual(Option.none())

      // A topology of another cluster sharing the state manager is not listed.
      yield* sm.set("executionstate", "other", execution("other", "prod", "alice", "default"))
      yield* Effect.sleep("100 millis")
      expect(names()).toEqual(Option.some(["pending"]))
    }))

  it.scopedLive("once warm, the Tracker answers from memory: no state-manager read per request", () =>
    Effect.gen(function*() {
      const { reads, counted } = counting(yield* localState)
      const services = cluster("local", counted)
      const topologies = yield* TopologyCache.make(services)
      const clusters = Clusters.make([{ ...services, topologies }])
      yield* eventually(Effect.sync(() => topologies.list()), Option.isSome)
      const before = reads.n
      for (let i = 0; i < 20; i++) {
        const found = yield* Snapshots.find(clusters, { cluster: "local", environ: "default", role: undefined, topology: "wc" })
        expect(found.name).toBe("wc")
        expect(yield* Snapshots.listAll(clusters, [])).toHaveLength(2)
      }
      expect(reads.n).toBe(before)
      // A topology the cache has not seen is read directly, so nothing that exists is missed.
      const cold = Clusters.make([services])
      expect((yield* Snapshots.find(cold, { cluster: "local", environ: "default", role: undefined, topology: "wc" })).name).toBe("wc")
      expect(reads.n).toBeGreaterThan(before)
    }))
})
