/**
 * Handlers of {@link TopologiesApi}: read the clusters' state managers, map the model to Heron's
 * wire shapes (`wire/`), and answer with the envelope. Each handler writes its body itself so that
 * `executiontime` keeps its fractional part and every string is redacted.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Either, Option } from "effect"
import { Clusters } from "../Clusters.js"
import { Redactor } from "../Redactor.js"
import { TrackerAnswers } from "./AnswerCache.js"
import { TrackerFailure, respond } from "./Envelope.js"
import { type TopologyAddress, find, listAll, watchedSince } from "./Snapshots.js"
import type { TrackerParams } from "./TopologiesApi.js"
import { TrackerApi } from "./TrackerApi.js"
import { topologyConfig, topologyInfo, logicalTopology } from "./wire/Info.js"
import { schedulerLocation } from "./wire/Locations.js"
import { logicalPlanRaw, logicalPlanView } from "./wire/LogicalPlan.js"
import { packingPlan } from "./wire/PackingPlan.js"
import { physicalPlan } from "./wire/PhysicalPlan.js"
import type { TopologySnapshot } from "./wire/Snapshot.js"
import { executionState, metadata, runtimeState } from "./wire/State.js"
import { type ListFilter, statesTree, topologiesTree } from "./wire/Tree.js"

type Param = TrackerParams[keyof TrackerParams]

/** Every non-empty value of a possibly repeated parameter. */
export const values = (p: Param): ReadonlyArray<string> =>
  (p === undefined ? [] : typeof p === "string" ? [p] : p).filter((v) => v !== "")

/** The last non-empty value, as tornado's `get_argument`; `undefined` when absent or empty. */
export const single = (p: Param): string | undefined => values(p).at(-1)

/** The listing filters; an empty `role` (`?role=`) filters nothing, as in Heron. */
export const listFilter = (q: TrackerParams): ListFilter => ({
  clusters: values(q.cluster),
  environs: values(q.environ),
  role: single(q.role)
})

/** The topology a request names, or a 400 failure naming every missing parameter. */
export const address = (q: TrackerParams): Effect.Effect<TopologyAddress, TrackerFailure> => {
  const cluster = single(q.cluster)
  const environ = single(q.environ)
  const topology = single(q.topology)
  if (cluster !== undefined && environ !== undefined && topology !== undefined) {
    return Effect.succeed({ cluster, environ, topology, role: single(q.role) })
  }
  const missing = Object.entries({ cluster, environ, topology }).filter(([, v]) => v === undefined).map(([k]) => k)
  return Effect.fail(new TrackerFailure({
    status: 400,
    message: `Missing argument${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`
  }))
}

export const TopologiesHttp = HttpApiBuilder.group(TrackerApi, "topologies", (handlers) =>
  Effect.gen(function*() {
    const clusters = yield* Clusters
    const redactor = yield* Redactor
    const answers = yield* TrackerAnswers
    const answer = respond(redactor.redact)
    /**
     * A handler answering about the one topology the query names. An answer made from the watched
     * snapshot is remembered for its URL until the watch delivers a change.
     */
    const about = <A>(view: (s: TopologySnapshot) => A) =>
      ({ request, urlParams }: { readonly request: { readonly url: string }; readonly urlParams: TrackerParams }) =>
        Effect.flatMap(Effect.either(Effect.flatMap(address(urlParams), (a) => find(clusters, a))), (found) =>
          Either.match(found, {
            onLeft: (e) => answer(Effect.fail(e)),
            onRight: (s) => answer(Effect.sync(() => view(s)), Option.match(watchedSince(clusters, s), {
              onNone: () => undefined,
              onSome: (fresh) => (body: string) => answers.remember(request.url, body, fresh)
            }))
          }))

    return handlers
      .handle("clusters", () => answer(Effect.succeed(clusters.all.map((c) => c.name))))
      .handle("topologies", ({ urlParams }) => {
        const filter = listFilter(urlParams)
        return answer(Effect.map(listAll(clusters, filter.clusters), (all) => topologiesTree(filter, all)))
      })
      .handle("states", ({ urlParams }) => {
        const filter = listFilter(urlParams)
        return answer(Effect.map(listAll(clusters, filter.clusters), (all) => statesTree(filter, all)))
      })
      .handle("info", about(topologyInfo))
      .handle("logicalplan", about((s) => logicalPlanView(logicalPlanRaw(logicalTopology(s)))))
      .handle("physicalplan", about((s) => physicalPlan(s.physicalPlan)))
      .handle("packingplan", about((s) => packingPlan(s.packingPlan)))
      .handle("executionstate", about(executionState))
      .handle("schedulerlocation", about((s) => schedulerLocation(s.scheduler)))
      .handle("metadata", about(metadata))
      .handle("runtimestate", about(runtimeState))
      .handle("config", about(topologyConfig))
  }))
