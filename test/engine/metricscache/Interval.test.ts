// The metrics interval: set in the cluster file (`metrics.intervalSecs`), overridden per topology
// by `topology.metrics.interval.secs`; the cache's limits come from `metrics.cache`.
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { fileURLToPath } from "node:url"
import * as MetricsCache from "../../../core/engine/metricscache/MetricsCache.js"
import { effectiveIntervalSecs } from "../../../core/engine/MetricsManager.js"
import * as ClusterLoader from "../../../dsl/ClusterLoader.js"
import { describe as describeCluster } from "../../../dsl/ResolvedCluster.js"

const dir = fileURLToPath(new URL("./fixtures/", import.meta.url))
const load = (name: string) => ClusterLoader.loadCluster(name, [dir]).pipe(Effect.provide(NodeContext.layer))
const KEY = "topology.metrics.interval.secs"

describe("metrics interval", () => {
  it("the cluster's interval applies unless the topology set its own", () => {
    expect(effectiveIntervalSecs({ [KEY]: "60" }, 5)).toBe(5) // the built-in default: the cluster wins
    expect(effectiveIntervalSecs({}, 5)).toBe(5)
    expect(effectiveIntervalSecs({ [KEY]: "2" }, 5)).toBe(2) // the topology's own
    expect(effectiveIntervalSecs({ [KEY]: "0.5" }, undefined)).toBe(0.5)
    expect(effectiveIntervalSecs({ [KEY]: "60" }, undefined)).toBe(60)
    expect(effectiveIntervalSecs({ [KEY]: "soon" }, undefined)).toBe(60)
    expect(effectiveIntervalSecs({ [KEY]: "-3" }, 7)).toBe(7)
  })

  it.effect("a cluster file sets the interval and the cache's limits; describe shows them", () =>
    Effect.gen(function*() {
      const c = yield* load("metrics")
      expect(c.metrics).toEqual({ intervalSecs: 5, cache: { maxSeries: 20_000, maxMb: 32 } })
      expect(MetricsCache.limitsOf(c.metrics.cache)).toEqual({ maxSeries: 20_000, maxBytes: 32 * 1024 * 1024 })
      expect(yield* describeCluster(c)).toMatchObject({ metrics: { intervalSecs: 5 } })
      expect(MetricsCache.limitsOf(undefined)).toEqual({})
    }))

  it.effect("an interval that is not a positive number is refused with its key path", () =>
    Effect.gen(function*() {
      const refused = yield* Effect.either(load("bad-metrics"))
      expect(Either.isLeft(refused) && refused.left.message).toContain("metrics.intervalSecs")
    }))
})
