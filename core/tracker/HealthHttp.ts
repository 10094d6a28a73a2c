/**
 * Handler of {@link HealthApi}: answers as long as the server runs; lists the served clusters.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Clusters } from "../Clusters.js"
import { Redactor } from "../Redactor.js"
import type { Health } from "./HealthApi.js"
import { TrackerApi } from "./TrackerApi.js"

export const HealthHttp = HttpApiBuilder.group(TrackerApi, "health", (handlers) =>
  Effect.gen(function*() {
    const clusters = yield* Clusters
    const redactor = yield* Redactor
    return handlers.handle("health", () =>
      Effect.map(
        Effect.forEach(clusters.all, (c) => redactor.redact(c.name)),
        (names): Health => ({ status: "ok", clusters: names })
      ))
  }))
