/**
 * The TManager's assembly of the physical plan (Heron's shape): every container of the packing
 * plan must have a registered stream manager whose instances are the ones the plan packs there.
 */
import { Option } from "effect"
import type { PackingPlan } from "../../model/PackingPlan.js"
import { InstanceInfo, PhysicalPlan, StreamManagerInfo } from "../../model/PhysicalPlan.js"
import type { Topology } from "../../model/Topology.js"
import type { Register } from "./Control.js"

/** `stmgr-<container>`, Heron's stream manager id. */
export const stmgrId = (container: number): string => `stmgr-${container}`
/** `container_<c>_<component>_<task>`, Heron's instance id. */
export const instanceId = (container: number, component: string, task: number): string => `container_${container}_${component}_${task}`

/** The instances the packing plan puts in `container`, as "task:component" keys, sorted. */
const packedKeys = (packing: PackingPlan, container: number): string =>
  (packing.containers.find((c) => c.id === container)?.instances ?? []).map((i) => `${i.taskId}:${i.componentName}`).sort().join(",")

/** Whether a registration matches what the packing plan puts in its container. */
export const matchesPacking = (packing: PackingPlan, reg: Register): boolean =>
  packing.containers.some((c) => c.id === reg.containerIndex) &&
  packedKeys(packing, reg.containerIndex) === reg.instances.map((i) => `${i.taskId}:${i.componentName}`).sort().join(",")

/** The physical plan, once every container of the packing plan has a matching registration. */
export const assemble = (topology: Topology, packing: PackingPlan, regs: ReadonlyMap<number, Register>): Option.Option<PhysicalPlan> => {
  const containers = [...packing.containers].sort((a, b) => a.id - b.id)
  const stmgrs: Array<StreamManagerInfo> = []
  const instances: Array<InstanceInfo> = []
  for (const c of containers) {
    const reg = regs.get(c.id)
    if (reg === undefined || !matchesPacking(packing, reg)) return Option.none()
    stmgrs.push(new StreamManagerInfo({
      id: stmgrId(c.id),
      containerIndex: c.id,
      host: reg.host,
      dataPort: reg.dataPort,
      shellPort: reg.shellPort,
      cwd: reg.cwd,
      pid: reg.pid,
      logFiles: reg.logFiles
    }))
    for (const i of [...c.instances].sort((a, b) => a.taskId - b.taskId)) {
      instances.push(new InstanceInfo({
        instanceId: instanceId(c.id, i.componentName, i.taskId),
        stmgrId: stmgrId(c.id),
        componentName: i.componentName,
        taskId: i.taskId,
        componentIndex: i.componentIndex
      }))
    }
  }
  return Option.some(new PhysicalPlan({ topology, stmgrs, instances }))
}
