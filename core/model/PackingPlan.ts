/**
 * Where each instance of a topology goes: one plan per container, with resources.
 * Stored under `/packingplans/<name>`. RAM and disk are in bytes, as in Heron.
 */
import { Schema } from "effect"

export class Resources extends Schema.Class<Resources>("Resources")({
  cpu: Schema.Number.pipe(Schema.nonNegative()),
  ram: Schema.Number.pipe(Schema.nonNegative()),
  disk: Schema.Number.pipe(Schema.nonNegative())
}) {}

export class InstancePlan extends Schema.Class<InstancePlan>("InstancePlan")({
  componentName: Schema.String,
  /** Global task id, unique in the topology. */
  taskId: Schema.Int,
  /** Index of this instance among its component's instances. */
  componentIndex: Schema.Int,
  resources: Resources
}) {}

export class ContainerPlan extends Schema.Class<ContainerPlan>("ContainerPlan")({
  id: Schema.Int,
  instances: Schema.Array(InstancePlan),
  requiredResources: Resources,
  scheduledResources: Schema.optional(Resources)
}) {}

export class PackingPlan extends Schema.Class<PackingPlan>("PackingPlan")({
  /** The topology id this plan was made for. */
  id: Schema.String,
  containers: Schema.Array(ContainerPlan)
}) {}
