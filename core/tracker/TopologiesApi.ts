/**
 * The contract of the Tracker's topology endpoints, after Heron's legacy tracker REST API (the one
 * Heron's UI and most scripts use). Every answer is Heron's envelope (see `Envelope.ts`).
 *
 * All query parameters are declared optional strings (or repeated strings): a missing required
 * parameter must still be answered with the envelope, which the handlers do, rather than with
 * HttpApi's own decode error.
 */
import { HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { Schema } from "effect"
import { FailureEnvelope, success } from "./Envelope.js"
import { ConfigWire, TopologyInfoWire } from "./wire/Info.js"
import { SchedulerLocationWire } from "./wire/Locations.js"
import { LogicalPlanView } from "./wire/LogicalPlan.js"
import { PackingPlanWire } from "./wire/PackingPlan.js"
import { PhysicalPlanWire } from "./wire/PhysicalPlan.js"
import { ExecutionStateWire, MetadataWire, RuntimeStateWire } from "./wire/State.js"
import { StatesWire, TopologiesWire } from "./wire/Tree.js"

const Param = Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)))

/**
 * `cluster`, `environ`, `role`, `topology`. The listing endpoints accept `cluster` and `environ`
 * repeated; elsewhere the last value of a repeated parameter wins (as tornado's `get_argument`).
 */
export const TrackerParams = Schema.Struct({ cluster: Param, environ: Param, role: Param, topology: Param })
export type TrackerParams = typeof TrackerParams.Type

const endpoint = <const Name extends string, A, I>(name: Name, path: `/${string}`, result: Schema.Schema<A, I>) =>
  HttpApiEndpoint.get(name, path)
    .setUrlParams(TrackerParams)
    .addSuccess(success(result))
    .addError(FailureEnvelope, { status: 400 })
    .addError(FailureEnvelope, { status: 404 })
    .addError(FailureEnvelope, { status: 500 })

/**
 * `GET /clusters`, `GET /topologies` and `GET /topologies/<what>?cluster=&environ=&topology=[&role=]`.
 * Failures: 400 missing parameter, 404 unknown cluster or topology, 500 state manager error.
 */
export class TopologiesApi extends HttpApiGroup.make("topologies")
  .add(endpoint("clusters", "/clusters", Schema.Array(Schema.String)))
  .add(endpoint("topologies", "/topologies", TopologiesWire))
  .add(endpoint("states", "/topologies/states", StatesWire))
  .add(endpoint("info", "/topologies/info", TopologyInfoWire))
  .add(endpoint("logicalplan", "/topologies/logicalplan", LogicalPlanView))
  .add(endpoint("physicalplan", "/topologies/physicalplan", PhysicalPlanWire))
  .add(endpoint("packingplan", "/topologies/packingplan", PackingPlanWire))
  .add(endpoint("executionstate", "/topologies/executionstate", ExecutionStateWire))
  .add(endpoint("schedulerlocation", "/topologies/schedulerlocation", SchedulerLocationWire))
  .add(endpoint("metadata", "/topologies/metadata", MetadataWire))
  .add(endpoint("runtimestate", "/topologies/runtimestate", RuntimeStateWire))
  .add(endpoint("config", "/topologies/config", ConfigWire))
{}
