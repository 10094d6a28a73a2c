/**
 * What the Tracker knows of each metrics cache's data version (`Protocol.paths.version`), kept
 * current by one long poll per cache while the Tracker is asked about it: the ground on which a
 * metrics answer is remembered (`AnswerCache`) and reused until the cache receives new records.
 *
 * A cache is followed from the first request about it; following ends when nothing asked about it
 * for {@link IDLE_MS}, or when the cache cannot be reached (its version is unknown then, so
 * nothing remembered about it is reused).
 */
import { Clock, Effect, FiberMap, type Scope } from "effect"
import type { CacheClient } from "../engine/metricscache/CacheClient.js"
import type { MetricsCacheLocation } from "../model/Locations.js"

/** How long a cache nobody asks about stays followed. */
export const IDLE_MS = 60_000

export interface MetricsVersions {
  /**
   * The version last heard from the cache at `at`; `undefined` while it is not known yet, in which
   * case following it starts.
   */
  readonly current: (at: MetricsCacheLocation) => Effect.Effect<number | undefined>
  /** Whether the cache at `at` is still known to be at `version` (synchronous: runs on every hit). */
  readonly still: (at: MetricsCacheLocation, version: number) => boolean
}

interface Followed {
  version: number | undefined
  lastAsked: number
}

const keyOf = (at: MetricsCacheLocation): string => `${at.topologyId}@${at.host}:${at.statsPort}`

/** Follows caches with `client` for the enclosing scope. */
export const make = (client: CacheClient): Effect.Effect<MetricsVersions, never, Scope.Scope> =>
  Effect.gen(function*() {
    const followed = new Map<string, Followed>()
    const fibers = yield* FiberMap.make<string>()

    const follow = (key: string, at: MetricsCacheLocation, f: Followed) =>
      Effect.gen(function*() {
        for (;;) {
          f.version = yield* client.version(at, f.version ?? -1)
          if ((yield* Clock.currentTimeMillis) - f.lastAsked > IDLE_MS) return
        }
      }).pipe(
        Effect.catchAll((e) => Effect.logDebug(`tracker: stopped following the metrics cache of ${at.topologyName}: ${e.message}`)),
        Effect.ensuring(Effect.sync(() => followed.delete(key)))
      )

    return {
      current: (at) =>
        Effect.gen(function*() {
          const key = keyOf(at)
          const now = yield* Clock.currentTimeMillis
          const known = followed.get(key)
          if (known !== undefined) {
            known.lastAsked = now
            return known.version
          }
          const f: Followed = { version: undefined, lastAsked: now }
          followed.set(key, f)
          yield* FiberMap.run(fibers, key, follow(key, at, f))
          return undefined
        }),
      still: (at, version) => {
        const f = followed.get(keyOf(at))
        if (f === undefined || f.version !== version) return false
        f.lastAsked = Date.now()
        return true
      }
    }
  })
