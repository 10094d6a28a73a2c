/**
 * Handlers of {@link MetricsApi}: check the parameters, find the topology and its metrics cache
 * (`metricscaches/<topology>`, written by container 0), ask the cache, and answer with Heron's
 * envelope. A query is parsed here first, so that a bad one is refused with its position even
 * when no cache runs.
 */
import { HttpApiBuilder } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Clock, Effect, Either, Layer, Option } from "effect"
import { Clusters } from "../Clusters.js"
import * as CacheClient from "../engine/metricscache/CacheClient.js"
import { parse } from "../engine/metricscache/query/Parser.js"
import type { MetricsCacheLocation } from "../model/Locations.js"
import { Redactor } from "../Redactor.js"
import { TrackerAnswers } from "./AnswerCache.js"
import { respond, TrackerFailure } from "./Envelope.js"
import * as MetricsVersions from "./MetricsVersions.js"
import type { MetricsParams } from "./MetricsApi.js"
import { find, formatAddress, type TopologyAddress } from "./Snapshots.js"
import type { TopologySnapshot } from "./wire/Snapshot.js"
import { address, single, values } from "./TopologiesHttp.js"
import { TrackerApi } from "./TrackerApi.js"

/** The stream managers' metrics are reported under this component, as in Heron. */
const STMGR_COMPONENT = "__stmgr__"

const bad = (message: string) => new TrackerFailure({ status: 400, message })

const required = (value: string | undefined, name: string): Effect.Effect<string, TrackerFailure> =>
  value === undefined ? Effect.fail(bad(`Missing argument: ${name}`)) : Effect.succeed(value)

/** An integer parameter (epoch seconds, an interval); `fallback` when absent. */
const integer = (raw: string | undefined, name: string, fallback?: number): Effect.Effect<number, TrackerFailure> => {
  if (raw === undefined) return fallback === undefined ? Effect.fail(bad(`Missing argument: ${name}`)) : Effect.succeed(fallback)
  return /^-?\d+$/.test(raw.trim()) ? Effect.succeed(Number(raw.trim())) : Effect.fail(bad(`${name} must be an integer, got ${raw}`))
}

/** `starttime` and `endtime`, both required, in order. */
const timeRange = (q: MetricsParams) =>
  Effect.gen(function*() {
    const starttime = yield* integer(single(q.starttime), "starttime")
    const endtime = yield* integer(single(q.endtime), "endtime")
    if (starttime > endtime) return yield* bad(`starttime (${starttime}) is after endtime (${endtime})`)
    return { starttime, endtime }
  })

/** A watched snapshot that knows where the topology's metrics cache is. */
const hasMetricsCache = (s: TopologySnapshot): boolean => s.metricsCache !== undefined

/** A request's topology, where its metrics cache listens, and how the request named it. */
interface Located {
  readonly at: MetricsCacheLocation
  readonly snapshot: TopologySnapshot
  readonly address: TopologyAddress
}

const cacheFailure = (e: CacheClient.CacheError) =>
  new TrackerFailure({ status: e.status === 400 ? 400 : 500, message: e.status === 400 ? `Invalid query ${e.message}` : e.message })

/** The handlers of {@link MetricsApi}; they reach metrics caches with their own HTTP client (undici, connections kept alive). */
export const MetricsHttp = HttpApiBuilder.group(TrackerApi, "metrics", (handlers) =>
  Effect.gen(function*() {
    const clusters = yield* Clusters
    const redactor = yield* Redactor
    const cache = yield* CacheClient.make
    const versions = yield* MetricsVersions.make(cache)
    const answers = yield* TrackerAnswers
    const answer = respond(redactor.redact)

    /** What an answer was made from: the cache that gave it, at the data version known before asking. */
    interface Basis {
      readonly at: MetricsCacheLocation
      readonly version: number
    }

    /**
     * Answers with `work`, which calls `noteBasis` when its answer came from a cache whose version
     * was known. Such an answer is remembered for the request's URL while that cache stays at that
     * version (and, when `perSecond`, within the second it was asked in: answers about "the last N
     * seconds" move with the clock).
     */
    const answerFollowing = <A>(
      url: string,
      perSecond: boolean,
      work: (noteBasis: (b: Basis) => void) => Effect.Effect<A, TrackerFailure>
    ) =>
      Effect.gen(function*() {
        const second = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        let basis: Basis | undefined
        return yield* answer(work((b) => (basis = b)), (body) => {
          if (basis === undefined) return
          const { at, version } = basis
          answers.remember(url, body, () => versions.still(at, version) && (!perSecond || Math.floor(Date.now() / 1000) === second))
        })
      })

    /** Where the topology's metrics cache listens, read from the state manager; 404 when none runs. */
    const readLocation = (a: TopologyAddress) =>
      Effect.gen(function*() {
        const cluster = yield* Option.match(clusters.get(a.cluster), {
          onNone: () => Effect.fail(new TrackerFailure({ status: 404, message: `Unknown cluster: ${a.cluster}` })),
          onSome: Effect.succeed
        })
        const location = yield* cluster.stateManager.get("metricscaches", a.topology).pipe(
          Effect.mapError((e) => new TrackerFailure({ status: 500, message: `State manager of cluster ${a.cluster} failed to ${e.op} ${e.path}: ${e.message}` }))
        )
        return yield* Option.match(location, {
          onNone: () => Effect.fail(new TrackerFailure({ status: 404, message: `No metrics cache for ${formatAddress(a)}: its container 0 is not running` })),
          onSome: (at): Effect.Effect<MetricsCacheLocation, TrackerFailure> => Effect.succeed(at)
        })
      })

    /**
     * The topology a request names and its metrics cache; 404 when no cache runs for it. The
     * location comes from the watched snapshot when it has one (no state read per request).
     */
    const located = (q: MetricsParams) =>
      Effect.gen(function*() {
        const a = yield* address(q)
        // Any watched snapshot will do: what is asked here is its metrics cache, not its plans.
        const snapshot = yield* find(clusters, a, hasMetricsCache)
        const at = snapshot.metricsCache ?? (yield* readLocation(a))
        return { at, snapshot, address: a }
      })

    /**
     * Asks the cache with `call`. A location from the watched snapshot may be stale for a moment
     * (container 0 restarted, its watch not delivered yet): when the cache is unreachable or is
     * another topology's (409), the location is read again and, if it moved, asked once more.
     * An answer of the first cache asked, whose version was known before asking, is noted as the
     * answer's basis.
     */
    const ask = <A>(t: Located, noteBasis: (b: Basis) => void, call: (at: MetricsCacheLocation) => Effect.Effect<A, CacheClient.CacheError>) =>
      Effect.gen(function*() {
        const version = yield* versions.current(t.at)
        const first = yield* Effect.either(call(t.at))
        if (Either.isRight(first)) {
          if (version !== undefined) noteBasis({ at: t.at, version })
          return first.right
        }
        const e = first.left
        if (t.snapshot.metricsCache === undefined || (e.status !== undefined && e.status !== 409)) return yield* Effect.fail(e)
        const at = yield* readLocation(t.address)
        return yield* (at.host === t.at.host && at.statsPort === t.at.statsPort ? Effect.fail(e) : call(at))
      }).pipe(Effect.mapError((e) => (e instanceof TrackerFailure ? e : cacheFailure(e))))

    /** `component`: required, and one of the topology's (or `__stmgr__`). */
    const component = (q: MetricsParams, t: Located) =>
      Effect.gen(function*() {
        const name = yield* required(single(q.component), "component")
        const known = t.snapshot.topology?.components.map((c) => c.name)
        if (known !== undefined && name !== STMGR_COMPONENT && !known.includes(name)) {
          return yield* new TrackerFailure({ status: 404, message: `Unknown component: ${name} (${formatAddress(t.address)} has ${known.join(", ")})` })
        }
        return name
      })

    const metricNames = (q: MetricsParams) => {
      const names = values(q.metricname)
      return names.length === 0 ? Effect.fail(bad("Missing argument: metricname")) : Effect.succeed(names)
    }

    return handlers
      .handle("metrics", ({ request, urlParams: q }) =>
        answerFollowing(request.url, true, (noteBasis) => Effect.gen(function*() {
          const t = yield* located(q)
          const selection = { component: yield* component(q, t), metrics: yield* metricNames(q), instances: values(q.instance) }
          const interval = yield* integer(single(q.interval), "interval", -1)
          const result = yield* ask(t, noteBasis, (at) => cache.metrics(at, { selections: [selection], interval }))
          return result.results[0] ?? { metrics: {}, interval, component: selection.component }
        })))
      .handle("metricstimeline", ({ request, urlParams: q }) =>
        answerFollowing(request.url, false, (noteBasis) => Effect.gen(function*() {
          const t = yield* located(q)
          const selection = { component: yield* component(q, t), metrics: yield* metricNames(q), instances: values(q.instance) }
          const range = yield* timeRange(q)
          const result = yield* ask(t, noteBasis, (at) => cache.timeline(at, { selections: [selection], ...range }))
          return result.results[0] ?? { timeline: {}, ...range, component: selection.component }
        })))
      .handle("metricsquery", ({ request, urlParams: q }) =>
        // The cache clips a query to its window, which moves with the clock.
        answerFollowing(request.url, true, (noteBasis) => Effect.gen(function*() {
          const query = yield* required(single(q.query), "query")
          const parsed = parse(query)
          if (Either.isLeft(parsed)) return yield* bad(`Invalid query ${parsed.left.message}`)
          const range = yield* timeRange(q)
          const t = yield* located(q)
          return yield* ask(t, noteBasis, (at) => cache.query(at, { query, ...range }))
        })))
      .handle("exceptions", ({ request, urlParams: q }) =>
        answerFollowing(request.url, false, (noteBasis) => Effect.gen(function*() {
          const t = yield* located(q)
          const asked = { component: yield* component(q, t), instances: values(q.instance) }
          return yield* ask(t, noteBasis, (at) => cache.exceptions(at, asked))
        })))
      .handle("exceptionsummary", ({ request, urlParams: q }) =>
        answerFollowing(request.url, false, (noteBasis) => Effect.gen(function*() {
          const t = yield* located(q)
          const asked = { component: yield* component(q, t), instances: values(q.instance) }
          return yield* ask(t, noteBasis, (at) => cache.exceptionSummary(at, asked))
        })))
  })).pipe(Layer.provide(NodeHttpClient.layerUndici))
