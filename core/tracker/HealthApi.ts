/**
 * `GET /health`: a plain liveness answer (no envelope) for probes and load balancers.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"

export const Health = Schema.Struct({ status: Schema.Literal("ok"), clusters: Schema.Array(Schema.String) })
export type Health = typeof Health.Type

export class HealthApi extends HttpApiGroup.make("health")
  .add(HttpApiEndpoint.get("health", "/health").addSuccess(Health))
{}
