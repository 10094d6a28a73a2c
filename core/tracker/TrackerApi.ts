/**
 * The whole Tracker HTTP API: Heron's topology endpoints, a health check, and the runtime's
 * scheduler endpoints (`heron restart`). One value gives the
 * server (`Tracker.layer`), the OpenAPI description and a typed client for the UI.
 */
import { HttpApi } from "@effect/platform"
import { ApiServerApi } from "../api/ApiServerApi.js"
import { ContainerApi } from "./ContainerApi.js"
import { HealthApi } from "./HealthApi.js"
import { MetricsApi } from "./MetricsApi.js"
import { SchedulerApi } from "./SchedulerApi.js"
import { TopologiesApi } from "./TopologiesApi.js"

export class TrackerApi extends HttpApi.make("tracker").add(TopologiesApi).add(HealthApi).add(SchedulerApi).add(ContainerApi).add(MetricsApi).add(ApiServerApi) {}
