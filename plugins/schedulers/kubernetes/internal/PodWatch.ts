/**
 * What the API server says of a topology's pods, kept up to date by one watch (not by polling):
 * a LIST gives the pods and a resourceVersion, then a WATCH from that version streams every
 * change. When the server ends a watch (after `timeoutSeconds`), it is renewed from the last
 * version seen: one request. Only when the server says that version is too old (410 Gone) are the
 * pods listed again. A failed request is retried with backoff, from the last version seen, and
 * two watches are at least a second apart.
 */
import { Clock, Data, Deferred, Duration, Effect, HashMap, Option, Ref, Schedule, Schema, Stream, SubscriptionRef } from "effect"
import { keys } from "./names.js"
import type { ApiFailure, KubeApi, WatchEvent } from "./KubeApi.js"

const ContainerState = Schema.Struct({
  waiting: Schema.optional(Schema.Struct({ reason: Schema.optional(Schema.String), message: Schema.optional(Schema.String) })),
  terminated: Schema.optional(Schema.Struct({ reason: Schema.optional(Schema.String), exitCode: Schema.optional(Schema.Number) }))
})

/** The fields of a pod the scheduler reads. */
const Pod = Schema.Struct({
  metadata: Schema.Struct({
    name: Schema.String,
    uid: Schema.optional(Schema.String),
    resourceVersion: Schema.optional(Schema.String),
    labels: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
    deletionTimestamp: Schema.optional(Schema.Unknown)
  }),
  status: Schema.optional(Schema.Struct({
    phase: Schema.optional(Schema.String),
    reason: Schema.optional(Schema.String),
    containerStatuses: Schema.optional(Schema.Array(Schema.Struct({
      name: Schema.String,
      restartCount: Schema.Number,
      state: Schema.optional(ContainerState)
    })))
  }))
})
type Pod = typeof Pod.Type

/** One pod of a topology, as the scheduler reports it. */
export interface PodSummary {
  readonly name: string
  readonly uid: string
  /** The Heron container it runs: 0 for the manager's pod, ordinal + 1 for an executor's. */
  readonly index: Option.Option<number>
  readonly phase: string
  readonly terminating: boolean
  readonly restarts: number
  /** Why a container waits or ended (`CrashLoopBackOff`, `Error`, `OOMKilled` ...). */
  readonly reason: Option.Option<string>
}

const indexOf = (p: Pod): Option.Option<number> => {
  const component = p.metadata.labels?.[keys.component]
  if (component === "manager") return Option.some(0)
  const ordinal = p.metadata.labels?.[keys.podIndex] ?? /-(\d+)$/.exec(p.metadata.name)?.[1]
  return component === "executors" && ordinal !== undefined ? Option.some(Number(ordinal) + 1) : Option.none()
}

const summarize = (p: Pod): PodSummary => {
  const statuses = p.status?.containerStatuses ?? []
  const reasons = statuses.flatMap((c) => [c.state?.waiting?.reason, c.state?.terminated?.reason]).filter((r): r is string => r !== undefined)
  return {
    name: p.metadata.name,
    uid: p.metadata.uid ?? "",
    index: indexOf(p),
    phase: p.status?.phase ?? "Pending",
    terminating: p.metadata.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null,
    restarts: statuses.reduce((n, c) => n + c.restartCount, 0),
    reason: Option.fromNullable(reasons[0] ?? p.status?.reason)
  }
}

/** The pods of a topology by name, and whether the first LIST has answered. */
export interface Watched {
  readonly pods: SubscriptionRef.SubscriptionRef<HashMap.HashMap<string, PodSummary>>
  readonly synced: Deferred.Deferred<void>
}

/** Makes the (empty, not yet synced) state of a watch. */
export const makeWatched: Effect.Effect<Watched> = Effect.all({
  pods: SubscriptionRef.make(HashMap.empty<string, PodSummary>()),
  synced: Deferred.make<void>()
})

/** The least time between two watches of the same pods: at most 60 a minute, whatever the server does. */
const MIN_WATCH_SPACING_MS = 1000

/** The version a watch must restart from is gone: list again. */
class Expired extends Data.TaggedError("Expired")<{}> {}

const decodePod = Schema.decodeUnknownOption(Pod)
const Status = Schema.Struct({ code: Schema.optional(Schema.Number) })
const Versioned = Schema.Struct({ metadata: Schema.Struct({ resourceVersion: Schema.String }) })

/**
 * Keeps `watched` up to date until interrupted: LIST, then WATCH renewed from the last version.
 * Never fails: errors are logged and retried with backoff (0.5 s doubling up to 30 s).
 */
export const run = (api: KubeApi, selector: string, timeoutSeconds: number, watched: Watched): Effect.Effect<never> =>
  Effect.gen(function*() {
    const version = yield* Ref.make(Option.none<string>())

    const list = Effect.gen(function*() {
      const found = yield* api.listPods(selector)
      const pods = found.items.flatMap((item) => Option.toArray(Option.map(decodePod(item), summarize)))
      yield* SubscriptionRef.set(watched.pods, HashMap.fromIterable(pods.map((p) => [p.name, p])))
      yield* Ref.set(version, Option.some(found.resourceVersion))
      yield* Deferred.succeed(watched.synced, undefined)
    })

    const apply = (event: WatchEvent): Effect.Effect<void, Expired> =>
      Effect.gen(function*() {
        if (event.type === "ERROR") {
          const code = Option.flatMap(Schema.decodeUnknownOption(Status)(event.object), (s) => Option.fromNullable(s.code))
          // 410 Gone: the version is older than what the server keeps. Any other error ends this watch.
          return yield* Option.contains(code, 410) ? new Expired() : Effect.logWarning(`watch of pods (${selector}) reported an error: ${JSON.stringify(event.object)}`)
        }
        const rv = Schema.decodeUnknownOption(Versioned)(event.object).pipe(Option.map((o) => o.metadata.resourceVersion))
        if (Option.isSome(rv)) yield* Ref.set(version, rv)
        if (event.type === "BOOKMARK") return
        const pod = Option.map(decodePod(event.object), summarize)
        if (Option.isNone(pod)) return
        yield* SubscriptionRef.update(watched.pods, (m) =>
          event.type === "DELETED" ? HashMap.remove(m, pod.value.name) : HashMap.set(m, pod.value.name, pod.value))
      })

    const lastWatch = yield* Ref.make(0)
    const once: Effect.Effect<void, ApiFailure | Expired> = Effect.gen(function*() {
      const from = yield* Ref.get(version)
      if (Option.isNone(from)) return yield* list
      // A server that ends every watch at once must not turn the watch into polling.
      const now = yield* Clock.currentTimeMillis
      const wait = (yield* Ref.get(lastWatch)) + MIN_WATCH_SPACING_MS - now
      if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      yield* Ref.set(lastWatch, now + Math.max(wait, 0))
      yield* api.watchPods(selector, from.value, timeoutSeconds).pipe(Stream.runForEach(apply))
    })

    const retried = once.pipe(
      Effect.catchTag("Expired", () => Ref.set(version, Option.none())),
      Effect.tapError((e) => Effect.logWarning(`watch of pods (${selector}): ${e.call}: ${e.message}; retrying`)),
      Effect.retry(Schedule.exponential(Duration.millis(500)).pipe(Schedule.union(Schedule.spaced(Duration.seconds(30))))),
      Effect.orDie
    )
    return yield* Effect.forever(retried)
  })
