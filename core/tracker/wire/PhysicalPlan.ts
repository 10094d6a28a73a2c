/**
 * The physical plan on the wire (`/topologies/physicalplan`, `physical_plan` of `/topologies/info`):
 * instances, their groups per container, stream managers with heron-shell links, the instance ids
 * of each spout and bolt, the topology config and each component's config. Before the TManager
 * has assembled a plan every map is empty, as in Heron.
 */
import { Schema } from "effect"
import type { PhysicalPlan, StreamManagerInfo } from "../../model/PhysicalPlan.js"

const Config = Schema.Record({ key: Schema.String, value: Schema.String })
const Ids = Schema.Array(Schema.String)

export const InstanceWire = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  stmgr_id: Schema.String,
  logfile: Schema.NullOr(Schema.String)
})

export const StreamManagerWire = Schema.Struct({
  id: Schema.String,
  host: Schema.NullOr(Schema.String),
  port: Schema.NullOr(Schema.Number),
  shell_port: Schema.NullOr(Schema.Number),
  cwd: Schema.NullOr(Schema.String),
  pid: Schema.NullOr(Schema.Number),
  joburl: Schema.NullOr(Schema.String),
  logfiles: Schema.NullOr(Schema.String),
  instance_ids: Ids
})

export const PhysicalPlanWire = Schema.Struct({
  instances: Schema.Record({ key: Schema.String, value: InstanceWire }),
  instance_groups: Schema.Record({ key: Schema.String, value: Ids }),
  stmgrs: Schema.Record({ key: Schema.String, value: StreamManagerWire }),
  spouts: Schema.Record({ key: Schema.String, value: Ids }),
  bolts: Schema.Record({ key: Schema.String, value: Ids }),
  config: Config,
  components: Schema.Record({ key: Schema.String, value: Schema.Struct({ config: Config }) })
})
export type PhysicalPlanWire = typeof PhysicalPlanWire.Type

/** heron-shell's page of a container's working directory; `null` without a shell port. */
export const shellJobUrl = (host: string, shellPort: number): string | null =>
  shellPort > 0 ? `http://${host}:${shellPort}/browse/` : null

const encodePath = (path: string): string => path.split("/").map(encodeURIComponent).join("/")

/** The shell's page of the folder of a container's log; `null` without a shell port or a log file. */
export const shellLogfilesUrl = (host: string, shellPort: number, logFiles: ReadonlyArray<string>): string | null => {
  const log = logFiles[0]
  if (shellPort <= 0 || log === undefined) return null
  const dir = log.includes("/") ? log.slice(0, log.lastIndexOf("/") + 1) : ""
  return `http://${host}:${shellPort}/browse/${encodePath(dir)}`
}

/** The log an instance writes to: its container's (instances are threads of the container's
 * process and share its output); `null` without a shell port or a log file. */
export const shellLogfileUrl = (host: string, shellPort: number, logFiles: ReadonlyArray<string>): string | null => {
  const log = logFiles[0]
  return shellPort <= 0 || log === undefined ? null : `http://${host}:${shellPort}/file/${encodePath(log)}`
}

/** `container_1_word_3` → `container_1`: how Heron groups instances, from the id alone. */
export const instanceGroup = (instanceId: string): string => {
  const parts = instanceId.split("_")
  return parts.length > 2 ? parts.slice(0, -2).join("_") : instanceId
}

export const emptyPhysicalPlan: PhysicalPlanWire = {
  instances: {},
  instance_groups: {},
  stmgrs: {},
  spouts: {},
  bolts: {},
  config: {},
  components: {}
}

/** The wire physical plan; {@link emptyPhysicalPlan} when there is none yet. */
export const physicalPlan = (plan: PhysicalPlan | undefined): PhysicalPlanWire => {
  if (plan === undefined) return emptyPhysicalPlan
  const byStmgr = new Map<string, StreamManagerInfo>(plan.stmgrs.map((s) => [s.id, s]))
  const spoutNames = new Set(plan.topology.components.filter((c) => c.kind === "spout").map((c) => c.name))
  const spouts: Record<string, Array<string>> = {}
  const bolts: Record<string, Array<string>> = {}
  for (const c of plan.topology.components) (c.kind === "spout" ? spouts : bolts)[c.name] = []
  const stmgrIds: Record<string, Array<string>> = Object.fromEntries(plan.stmgrs.map((s) => [s.id, []]))
  const groups: Record<string, Array<string>> = {}
  const instances: Record<string, typeof InstanceWire.Type> = {}

  for (const i of plan.instances) {
    const stmgr = byStmgr.get(i.stmgrId)
    instances[i.instanceId] = {
      id: i.instanceId,
      name: i.componentName,
      stmgr_id: i.stmgrId,
      logfile: stmgr ? shellLogfileUrl(stmgr.host, stmgr.shellPort, stmgr.logFiles) : null
    }
    // The stream manager knows the container for sure; the id's prefix is Heron's fallback and
    // misreads component names with underscores.
    const group = stmgr ? `container_${stmgr.containerIndex}` : instanceGroup(i.instanceId)
    groups[group] = [...(groups[group] ?? []), i.instanceId]
    stmgrIds[i.stmgrId] = [...(stmgrIds[i.stmgrId] ?? []), i.instanceId]
    const owner = spoutNames.has(i.componentName) ? spouts : bolts
    owner[i.componentName] = [...(owner[i.componentName] ?? []), i.instanceId]
  }

  const stmgr = (id: string, s: StreamManagerInfo | undefined): typeof StreamManagerWire.Type => ({
    id,
    host: s?.host ?? null,
    port: s?.dataPort ?? null,
    shell_port: s && s.shellPort > 0 ? s.shellPort : null,
    cwd: s?.cwd ?? null,
    pid: s?.pid ?? null,
    joburl: s ? shellJobUrl(s.host, s.shellPort) : null,
    logfiles: s ? shellLogfilesUrl(s.host, s.shellPort, s.logFiles) : null,
    instance_ids: stmgrIds[id] ?? []
  })

  return {
    instances,
    instance_groups: groups,
    stmgrs: Object.fromEntries(Object.keys(stmgrIds).map((id) => [id, stmgr(id, byStmgr.get(id))])),
    spouts,
    bolts,
    config: plan.topology.config,
    components: Object.fromEntries(plan.topology.components.map((c) => [c.name, { config: c.config }]))
  }
}
