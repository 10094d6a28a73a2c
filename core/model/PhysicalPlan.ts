/**
 * The running topology as the TManager assembled it: stream managers and the instances they host.
 * Stored under `/pplans/<name>`.
 */
import { Schema } from "effect"
import { Topology } from "./Topology.js"

export class StreamManagerInfo extends Schema.Class<StreamManagerInfo>("StreamManagerInfo")({
  /** `stmgr-<container>` */
  id: Schema.String,
  containerIndex: Schema.Int,
  host: Schema.String,
  dataPort: Schema.Int,
  shellPort: Schema.Int,
  cwd: Schema.String,
  pid: Schema.Int,
  /** The container's log files, relative to `cwd` (none when its output is not a file there). */
  logFiles: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}) {}

export class InstanceInfo extends Schema.Class<InstanceInfo>("InstanceInfo")({
  /** `container_<c>_<component>_<taskId>` */
  instanceId: Schema.String,
  stmgrId: Schema.String,
  componentName: Schema.String,
  taskId: Schema.Int,
  componentIndex: Schema.Int
}) {}

export class PhysicalPlan extends Schema.Class<PhysicalPlan>("PhysicalPlan")({
  topology: Topology,
  stmgrs: Schema.Array(StreamManagerInfo),
  instances: Schema.Array(InstanceInfo)
}) {}
