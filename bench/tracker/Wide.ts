/**
 * The 3,000-instance topology of the batched-query figure, without running it: its plans are
 * registered in the state manager (`Registry.ts`), a real metrics cache (the one container 0
 * runs, `core/engine/metricscache/MetricsCache.ts`) is started in this process and registers its
 * location, and it is fed through its ingestion endpoint (`/publish`, as metrics managers feed it)
 * with `minutes` minutes of records for every instance. The Tracker then finds and asks it as it
 * would the cache of a running topology.
 */
import type { HttpClient } from "@effect/platform"
import { Effect, type Scope } from "effect"
import * as CacheClient from "../../core/engine/metricscache/CacheClient.js"
import * as MetricsCache from "../../core/engine/metricscache/MetricsCache.js"
import * as Protocol from "../../core/engine/metricscache/Protocol.js"
import { MetricsCacheLocation } from "../../core/model/Locations.js"
import { MetricDatum, MetricsRecord } from "../../core/MetricsSink.js"
import type { StateManagerService } from "../../core/StateManager.js"
import { register, registration } from "./Registry.js"

/** The metrics of each instance: a bolt's main counters and its latency, from its one input. */
export const WIDE_METRICS: ReadonlyArray<string> = [
  "__execute-count/source/default",
  "__execute-latency/source/default",
  "__ack-count/source/default",
  "__fail-count/source/default"
]

export interface WideOptions {
  readonly name: string
  readonly cluster: string
  readonly instances: number
  readonly perContainer: number
  readonly minutes: number
}

/** What was set up. */
export interface Wide {
  /** Records the cache took (as its `/stats` says). */
  readonly records: number
  /** The bolt component holding the instances. */
  readonly component: string
  /** The cache's own query endpoint (`POST`, `Protocol.MetricsRequest`), to time it without the Tracker. */
  readonly cacheMetricsUrl: string
}

const BATCH = 3000

/** Registers the topology, starts its metrics cache for the enclosing scope and feeds it. */
export const setUp = (sm: StateManagerService, o: WideOptions): Effect.Effect<Wide, Error, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const now = Date.now()
    const r = registration({
      name: o.name, cluster: o.cluster, role: "bench", boltParallelism: o.instances, perContainer: o.perContainer, submittedAt: Math.floor(now / 1000)
    })
    yield* register(sm, r)
    const topologyId = r.executionState.topologyId
    const cache = yield* MetricsCache.start({ topologyName: o.name, topologyId, host: "127.0.0.1", listenHost: "127.0.0.1", stateManager: sm })
    const at = new MetricsCacheLocation({ topologyName: o.name, topologyId, host: "127.0.0.1", serverPort: cache.port, statsPort: cache.port })
    const client = yield* CacheClient.make
    const sinks = r.physicalPlan.instances.filter((i) => i.componentName === "sink")
    const records = Array.from({ length: o.minutes }, (_, m) => now - m * 60_000).flatMap((timestamp, m) =>
      sinks.map((i, k) =>
        new MetricsRecord({
          timestamp,
          source: `127.0.0.1:${40_000 + Number(i.stmgrId.slice("stmgr-".length))}/sink/${i.instanceId}`,
          context: "",
          metrics: [
            new MetricDatum({ name: "__execute-count/source/default", value: String(1000 + ((k * 7 + m) % 100)) }),
            new MetricDatum({ name: "__execute-latency/source/default", value: String(0.05 + (k % 10) / 100) }),
            new MetricDatum({ name: "__ack-count/source/default", value: String(1000 + ((k * 7 + m) % 100)) }),
            new MetricDatum({ name: "__fail-count/source/default", value: String(k % 3) })
          ],
          exceptions: []
        })))
    for (let i = 0; i < records.length; i += BATCH) {
      yield* client.publish(at, { topologyId, records: records.slice(i, i + BATCH) })
    }
    const stats = yield* client.stats(at)
    if (stats.records !== records.length) {
      return yield* Effect.fail(new Error(`the metrics cache of ${o.name} took ${stats.records} of ${records.length} records`))
    }
    return { records: stats.records, component: "sink", cacheMetricsUrl: `http://127.0.0.1:${cache.port}${Protocol.paths.metrics}` }
  })
