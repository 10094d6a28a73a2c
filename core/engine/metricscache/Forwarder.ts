/**
 * How a container's metrics manager reaches the metrics cache: it follows
 * `metricscaches/<topology>` in the state manager (so it re-resolves when container 0 moves or
 * restarts) and POSTs batches of records there. It never waits for a cache to appear: with no
 * location, or when the cache cannot be reached, `send` fails at once and the caller drops the
 * batch.
 */
import { FetchHttpClient } from "@effect/platform"
import { Duration, Effect, Option, Ref, Schedule, type Scope, Stream } from "effect"
import type { MetricsCacheLocation } from "../../model/Locations.js"
import { type MetricsRecord, SinkError } from "../../MetricsSink.js"
import type { StateManagerService } from "../../StateManager.js"
import * as CacheClient from "./CacheClient.js"

/** The sink name the forwarder's errors and drops are reported under (`__sink-errors/metricscache`). */
export const FORWARDER_NAME = "metricscache"

export interface ForwarderOptions {
  readonly stateManager: StateManagerService
  readonly topologyName: string
  readonly topologyId: string
}

export interface Forwarder {
  /** Sends one batch; fails (without retrying) when no cache is known or it cannot take it. */
  readonly send: (records: ReadonlyArray<MetricsRecord>) => Effect.Effect<void, SinkError>
  /** The cache's location as last seen. */
  readonly location: Effect.Effect<Option.Option<MetricsCacheLocation>>
}

/** Starts following the cache's location for as long as the scope lives. */
export const make = (o: ForwarderOptions): Effect.Effect<Forwarder, never, Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* CacheClient.make.pipe(Effect.provide(FetchHttpClient.layer))
    const location = yield* Ref.make(Option.none<MetricsCacheLocation>())
    yield* o.stateManager.watch("metricscaches", o.topologyName).pipe(
      Stream.runForEach((l) => Ref.set(location, l)),
      Effect.tapError((e) => Effect.logDebug(`watching metricscaches/${o.topologyName}: ${e.message}; retrying`)),
      Effect.retry(Schedule.union(Schedule.exponential(Duration.millis(200)), Schedule.spaced(Duration.seconds(5)))),
      Effect.forkScoped
    )
    const fail = (op: string, message: string) => new SinkError({ sink: FORWARDER_NAME, op, message })
    return {
      location: Ref.get(location),
      send: (records) =>
        Effect.flatMap(Ref.get(location), Option.match({
          onNone: () => Effect.fail(fail("send", `no metrics cache registered for ${o.topologyName} yet`)),
          onSome: (at) =>
            client.publish(at, { topologyId: o.topologyId, records }).pipe(
              Effect.mapError((e) => fail("send", e.message))
            )
        }))
    }
  })
