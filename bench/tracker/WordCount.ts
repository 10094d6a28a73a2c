/**
 * The bench word count (`bench/topologies/word-count.ts`, 2 containers, at-most-once) submitted
 * with the real `heron` CLI and a given metrics interval, as `bench/internal/Scenarios.ts` deploys
 * it (that one takes no extra config), then measured with its `measure`; and how many metrics
 * records reached the topology's metrics cache.
 */
import type { HttpClient } from "@effect/platform"
import { Effect, Option } from "effect"
import * as CacheClient from "../../core/engine/metricscache/CacheClient.js"
import type { StateManagerService } from "../../core/StateManager.js"
import { CountFiles } from "../internal/CountFiles.js"
import { type Harness, waitFor } from "../internal/Harness.js"
import { type Deployed, writeControl } from "../internal/Scenarios.js"

/** Submits the word count at full rate with `topology.metrics.interval.secs = metricsIntervalSecs`
 * and waits until both count tasks record tuples. */
export const deploy = async (h: Harness, topologyFile: string, name: string, metricsIntervalSecs: number): Promise<Deployed> => {
  const out = h.outDir(name)
  writeControl({ out }, { rate: null, stallMs: 0, stallSeq: 0 })
  const files = new CountFiles(out)
  const cli = await h.submit(topologyFile, name, {
    "topology.stmgrs": 2,
    "topology.reliability.mode": "ATMOST_ONCE",
    "topology.metrics.interval.secs": metricsIntervalSecs,
    "bench.out": out,
    "bench.rate": "max"
  })
  const containers = await h.awaitContainers(name, 3)
  const first = await waitFor(`${name}: the first counted tuple`, () => {
    files.poll()
    return files.firstTuple()
  }, 60_000, 10)
  await waitFor(`${name}: records of both count tasks`, () => {
    files.poll()
    return files.taskCount >= 2 ? true : undefined
  }, 30_000, 50)
  return { name, out, files, containers, submitToFirstMs: first - cli.startedAt, submitCliMs: cli.endedAt - cli.startedAt, submitPhases: [] }
}

/** Records the topology's metrics cache has taken so far (its `/stats`); fails when it has none. */
export const cacheRecords = (sm: StateManagerService, name: string): Effect.Effect<number, Error, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const at = yield* sm.get("metricscaches", name)
    if (Option.isNone(at)) return yield* Effect.fail(new Error(`${name} has no metrics cache (metricscaches/${name} is absent)`))
    const client = yield* CacheClient.make
    const stats = yield* client.stats(at.value)
    return stats.records
  }).pipe(Effect.mapError((e) => (e instanceof Error ? e : new Error(String(e)))))
