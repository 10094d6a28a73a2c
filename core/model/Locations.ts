/**
 * Where a topology's live processes can be reached. Locations are ephemeral: the state manager
 * drops them when the process that wrote them is gone.
 */
import { Schema } from "effect"

export class TManagerLocation extends Schema.Class<TManagerLocation>("TManagerLocation")({
  topologyName: Schema.String,
  topologyId: Schema.String,
  host: Schema.String,
  controllerPort: Schema.Int,
  serverPort: Schema.Int,
  statsPort: Schema.Int,
  shellPort: Schema.Int
}) {}

export class MetricsCacheLocation extends Schema.Class<MetricsCacheLocation>("MetricsCacheLocation")({
  topologyName: Schema.String,
  topologyId: Schema.String,
  host: Schema.String,
  serverPort: Schema.Int,
  statsPort: Schema.Int
}) {}

export class SchedulerLocation extends Schema.Class<SchedulerLocation>("SchedulerLocation")({
  topologyName: Schema.String,
  /** The runtime that schedules this topology (`http://host:port`). */
  httpEndpoint: Schema.String,
  jobPageLinks: Schema.Array(Schema.String)
}) {}

/** A runtime serving a cluster (`heron-runtime --cluster <name>`), keyed by cluster name. The CLI
 * reads it to tell whether any runtime serves the cluster, and where its HTTP API is. */
export class RuntimeLocation extends Schema.Class<RuntimeLocation>("RuntimeLocation")({
  cluster: Schema.String,
  /** `http://host:port` of the runtime's HTTP server (Tracker and scheduler API). */
  httpEndpoint: Schema.String,
  pid: Schema.Int,
  /** Epoch seconds. */
  startedAt: Schema.Number
}) {}
