/**
 * The packing plan on the wire (`/topologies/packingplan`, `packing_plan` of `/topologies/info`).
 * RAM and disk stay in bytes, as Heron sends them. `scheduled_resources` is `{}` when the scheduler
 * did not report what it granted.
 */
import { Schema } from "effect"
import type { PackingPlan, Resources } from "../../model/PackingPlan.js"

export const ResourcesWire = Schema.Struct({ cpu: Schema.Number, ram: Schema.Number, disk: Schema.Number })

export const PackingPlanWire = Schema.Struct({
  id: Schema.String,
  container_plans: Schema.Array(Schema.Struct({
    id: Schema.Number,
    instances: Schema.Array(Schema.Struct({
      component_name: Schema.String,
      task_id: Schema.Number,
      component_index: Schema.Number,
      instance_resources: ResourcesWire
    })),
    required_resources: ResourcesWire,
    scheduled_resources: Schema.Union(ResourcesWire, Schema.Struct({}))
  }))
})
export type PackingPlanWire = typeof PackingPlanWire.Type

const resources = (r: Resources) => ({ cpu: r.cpu, ram: r.ram, disk: r.disk })

/** The wire packing plan; `{id: "", container_plans: []}` when there is none. */
export const packingPlan = (plan: PackingPlan | undefined): PackingPlanWire =>
  plan === undefined ? { id: "", container_plans: [] } : {
    id: plan.id,
    container_plans: plan.containers.map((c) => ({
      id: c.id,
      instances: c.instances.map((i) => ({
        component_name: i.componentName,
        task_id: i.taskId,
        component_index: i.componentIndex,
        instance_resources: resources(i.resources)
      })),
      required_resources: resources(c.requiredResources),
      scheduled_resources: c.scheduledResources ? resources(c.scheduledResources) : {}
    }))
  }
