/**
 * `heron explorer` output: bordered tables (the style of the dry-run tables) for people, plain
 * JSON values for scripts (`--json`). Pure functions of the views.
 */
import { table } from "../PlanTable.js"
import type { ComponentMetricsView } from "./MetricsView.js"
import { type ComponentRow, type ContainerRow, DEFAULT_STREAM, type InputRow, type OutputRow, type TopologyRow } from "./Views.js"

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
const orDash = (v: string | number | null) => (v === null || v === "" ? "-" : String(v))

/** `clusters`: one row per cluster the runtime serves. */
export const renderClusters = (clusters: ReadonlyArray<string>): string =>
  table(["cluster"], [...clusters].sort().map((c) => [c]))

/** `topologies`: one row per topology; a sentence when there is none. */
export const renderTopologies = (where: string, rows: ReadonlyArray<TopologyRow>): string =>
  rows.length === 0
    ? `no topologies on ${where}`
    : table(["cluster", "role", "environ", "topology"], rows.map((r) => [r.cluster, r.role, r.environ, r.topology]))

/** `split (FIELDS)`, or `split/errors (FIELDS)` on another stream than `default`. */
export const formatInput = (i: InputRow): string =>
  `${i.stream === DEFAULT_STREAM ? i.component : `${i.component}/${i.stream}`} (${i.grouping})`

/** `default → split, count`, or the stream alone when nothing subscribes to it. */
export const formatOutput = (o: OutputRow): string =>
  o.consumers.length === 0 ? o.stream : `${o.stream} → ${o.consumers.join(", ")}`

/** `logical-plan`: one row per component. */
export const renderLogicalPlan = (topology: string, rows: ReadonlyArray<ComponentRow>): string => {
  const spouts = rows.filter((r) => r.type === "spout").length
  const instances = rows.reduce((n, r) => n + (r.parallelism ?? 0), 0)
  const head = `logical plan of ${topology}: ${plural(spouts, "spout")}, ${plural(rows.length - spouts, "bolt")}, ${plural(instances, "instance")}`
  return [
    head,
    table(
      ["type", "name", "parallelism", "inputs", "outputs"],
      rows.map((r) => [
        r.type,
        r.name,
        orDash(r.parallelism),
        orDash(r.inputs.map(formatInput).join(", ")),
        orDash(r.outputs.map(formatOutput).join("; "))
      ])
    )
  ].join("\n")
}

/** The JSON of `logical-plan --json`. */
export const logicalPlanJson = (topology: string, rows: ReadonlyArray<ComponentRow>) => ({
  topology,
  components: rows.map((r) => ({ name: r.name, type: r.type, parallelism: r.parallelism, inputs: r.inputs, outputs: r.outputs }))
})

/** `physical-plan`: a row per container, then each container's instances. */
export const renderPhysicalPlan = (topology: string, rows: ReadonlyArray<ContainerRow>): string => {
  const instances = rows.reduce((n, r) => n + r.instances.length, 0)
  if (rows.length === 0) return `physical plan of ${topology}: none yet (its stream managers have not registered with the TManager)`
  const count = (r: ContainerRow, type: "spout" | "bolt") => String(r.instances.filter((i) => i.type === type).length)
  return [
    `physical plan of ${topology}: ${plural(rows.length, "container")}, ${plural(instances, "instance")}; container 0 (TManager) not included`,
    table(
      ["container", "stream manager", "host", "port", "shell port", "pid", "spouts", "bolts", "instances"],
      rows.map((r) => [
        orDash(r.container), r.stmgr, orDash(r.host), orDash(r.port), orDash(r.shellPort), orDash(r.pid),
        count(r, "spout"), count(r, "bolt"), String(r.instances.length)
      ])
    ),
    ...rows.map((r) =>
      `\ncontainer ${orDash(r.container)} (${r.stmgr})\n${table(["instance", "component", "type"], r.instances.map((i) => [i.id, i.component, i.type]))}`)
  ].join("\n")
}

/** The JSON of `physical-plan --json`. */
export const physicalPlanJson = (topology: string, rows: ReadonlyArray<ContainerRow>) => ({ topology, containers: rows })

const count = (n: number | null) => (n === null ? "-" : Number.isInteger(n) ? String(n) : n.toFixed(3))
const ms = (n: number | null) => (n === null ? "-" : n.toFixed(3))

/** What the requested interval covers, in words. */
export const describeInterval = (interval: number): string =>
  interval <= 0 ? "since the metrics cache started" : `over the last ${interval} s`

/** `metrics`: one table per component, a row per instance. */
export const renderMetrics = (topology: string, interval: number, views: ReadonlyArray<ComponentMetricsView>): string => {
  const blocks = views.map((v) => {
    const rows = v.instances
    const withProcess = rows.some((r) => r.processLatencyMs !== null)
    const headers = v.type === "spout"
      ? ["instance", "emit", "ack", "fail", "complete latency (ms)"]
      : ["instance", "emit", "execute", "ack", "fail", "execute latency (ms)", ...(withProcess ? ["process latency (ms)"] : [])]
    const cells = rows.map((r) =>
      v.type === "spout"
        ? [r.instance, count(r.emit), count(r.ack), count(r.fail), ms(r.completeLatencyMs)]
        : [r.instance, count(r.emit), count(r.execute), count(r.ack), count(r.fail), ms(r.executeLatencyMs), ...(withProcess ? [ms(r.processLatencyMs)] : [])])
    return `'${v.component}' metrics (${v.type}):\n${rows.length === 0 ? "no instances" : table(headers, cells)}`
  })
  return [`metrics of ${topology} ${describeInterval(interval)}`, ...blocks].join("\n\n")
}

/** The JSON of `metrics --json`. */
export const metricsJson = (topology: string, interval: number, views: ReadonlyArray<ComponentMetricsView>) => ({
  topology,
  interval,
  components: views
})
