/**
 * The Tracker's API as the browser calls it: `TrackerApi` (core/tracker/TrackerApi.ts) made of the
 * very same group values, minus the API server's group, whose module also carries Node-only code
 * (the UI mirrors the control verbs it calls in `ControlApi.ts`). test/ui/ClientContract.test.ts
 * keeps the two in step. No DOM here: the contract test imports it in Node.
 */
import { HttpApi } from "@effect/platform"
import { ContainerApi } from "../../../core/tracker/ContainerApi.js"
import { HealthApi } from "../../../core/tracker/HealthApi.js"
import { MetricsApi } from "../../../core/tracker/MetricsApi.js"
import { SchedulerApi } from "../../../core/tracker/SchedulerApi.js"
import { TopologiesApi } from "../../../core/tracker/TopologiesApi.js"

/** The Tracker's groups, as the browser calls them. */
export class BrowserTrackerApi extends HttpApi.make("tracker").add(TopologiesApi).add(HealthApi).add(SchedulerApi).add(ContainerApi).add(MetricsApi) {}

/** Groups of `TrackerApi` the browser does not load (their contract module is not browser-safe). */
export const serverOnlyGroups: ReadonlyArray<string> = ["apiserver"]
