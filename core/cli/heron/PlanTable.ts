/**
 * `heron submit --dry-run` / `heron update --dry-run`: the packing plan as tables (one summary row
 * per container, then the instances of each container), or as JSON with `--json`.
 */
import type { PackingPlan, Resources } from "../../model/PackingPlan.js"

const MB = 1024 * 1024

const mb = (bytes: number): string => String(Math.round((bytes / MB) * 100) / 100)
const cpu = (n: number): string => String(Math.round(n * 1000) / 1000)

/** A table with a header row, `+---+` borders and left-aligned cells. */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`
  const row = (cells: ReadonlyArray<string>) => `| ${widths.map((w, i) => (cells[i] ?? "").padEnd(w)).join(" | ")} |`
  return [line, row(headers), line, ...rows.map(row), line].join("\n")
}

const resourceCells = (r: Resources): ReadonlyArray<string> => [cpu(r.cpu), mb(r.ram), mb(r.disk)]

/** The plan as text: a container summary, then each container's instances. */
export const renderPlan = (topology: string, plan: PackingPlan): string => {
  const instances = plan.containers.reduce((n, c) => n + c.instances.length, 0)
  const summary = table(
    ["container", "instances", "cpu", "ram (MB)", "disk (MB)"],
    plan.containers.map((c) => [String(c.id), String(c.instances.length), ...resourceCells(c.scheduledResources ?? c.requiredResources)])
  )
  const perContainer = plan.containers.map((c) =>
    `container ${c.id}\n${table(
      ["component", "task", "index", "cpu", "ram (MB)", "disk (MB)"],
      [...c.instances]
        .sort((a, b) => a.taskId - b.taskId)
        .map((i) => [i.componentName, String(i.taskId), String(i.componentIndex), ...resourceCells(i.resources)])
    )}`
  )
  return [
    `packing plan of ${topology} (id ${plan.id}): ${plan.containers.length} containers, ${instances} instances; container 0 (TManager) not included`,
    summary,
    ...perContainer
  ].join("\n\n")
}

/** The plan as JSON for scripts (resources in bytes, as stored). */
export const planJson = (topology: string, plan: PackingPlan): unknown => ({
  topology,
  id: plan.id,
  containers: plan.containers.map((c) => ({
    id: c.id,
    requiredResources: { cpu: c.requiredResources.cpu, ram: c.requiredResources.ram, disk: c.requiredResources.disk },
    ...(c.scheduledResources === undefined
      ? {}
      : { scheduledResources: { cpu: c.scheduledResources.cpu, ram: c.scheduledResources.ram, disk: c.scheduledResources.disk } }),
    instances: c.instances.map((i) => ({
      componentName: i.componentName,
      taskId: i.taskId,
      componentIndex: i.componentIndex,
      resources: { cpu: i.resources.cpu, ram: i.resources.ram, disk: i.resources.disk }
    }))
  }))
})
