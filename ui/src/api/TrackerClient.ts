/**
 * The UI's Tracker client, derived from the API definition the runtime serves
 * (`HttpApiClient.make(BrowserTrackerApi)`, i.e. the groups of `TrackerApi`): every path,
 * parameter and answer is typed and decoded with the server's own schemas. Requests go to the
 * page's origin.
 */
import { HttpApiClient } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { BrowserTrackerApi } from "./BrowserTrackerApi.js"

const make = HttpApiClient.make(BrowserTrackerApi, { baseUrl: globalThis.location.origin })

/** The typed client: `client.topologies.info({ urlParams })`, `client.metrics.metrics(...)`, ... */
export type TrackerClient = Effect.Effect.Success<typeof make>

/** The client as a service. */
export class Tracker extends Context.Tag("heron-ui/Tracker")<Tracker, TrackerClient>() {}

/** Needs an `HttpClient` (the browser's fetch in `Run.ts`). */
export const layer = Layer.effect(Tracker, make)
