/**
 * `heron explorer`, after Heron's heron-explorer: read-only views of what a runtime serves, read
 * from its Tracker over HTTP (the runtime is found like every other verb finds it, through the
 * cluster's state manager, `runtimes/<cluster>`).
 *
 *   heron explorer clusters [cluster]
 *   heron explorer topologies <cluster[/role[/environ]]>
 *   heron explorer logical-plan <cluster[/role[/environ]]> <topology>
 *   heron explorer physical-plan <cluster[/role[/environ]]> <topology>
 *   heron explorer metrics <cluster[/role[/environ]]> <topology> [--component c] [--interval s]
 *
 * A role is sent to the Tracker only when the target names one (the Tracker's `role` is an
 * optional filter); the environ defaults to `default`. Tables on stdout, `--json` for scripts.
 */
import { Args, Command, Options } from "@effect/cli"
import { FetchHttpClient } from "@effect/platform"
import { Config, Console, Effect, Option, Schema } from "effect"
import { LogicalPlanView } from "../../../tracker/wire/LogicalPlan.js"
import { PhysicalPlanWire } from "../../../tracker/wire/PhysicalPlan.js"
import { TopologiesWire } from "../../../tracker/wire/Tree.js"
import { CommandError } from "../CommandError.js"
import { type ClusterOptions, clustersDir, json, onCluster, target, topology, verbose } from "../Shared.js"
import type { Target } from "../Target.js"
import { allNames, type ComponentMetricsView, ComponentMetricsWire, componentMetrics, metricNames } from "./MetricsView.js"
import * as Render from "./Render.js"
import * as TrackerClient from "./TrackerClient.js"
import { type ComponentRow, componentRows, containerRows, topologyRows } from "./Views.js"

/** What a subcommand gets: the Tracker of the runtime serving the target's cluster. */
interface Connected {
  readonly tracker: TrackerClient.TrackerClient
  readonly target: Target
  /** Whether the target named a role (only then is it sent as a filter). */
  readonly roleGiven: boolean
}

/** Finds the runtime serving the target's cluster (one line and exit 1 when none) and runs `body`. */
const withTracker = <A, E, R>(o: ClusterOptions, body: (s: Connected) => Effect.Effect<A, E, R>) =>
  onCluster(o, true, ({ runtime, target: t }) =>
    Option.match(runtime, {
      // onCluster fails first when no runtime serves the cluster.
      onNone: () => Effect.dieMessage("no runtime location after the check"),
      onSome: (location) =>
        Effect.flatMap(TrackerClient.make(location.httpEndpoint), (tracker) =>
          body({ tracker, target: t, roleGiven: o.target.split("/").length >= 2 }))
    }).pipe(Effect.provide(FetchHttpClient.layer)))

/** The Tracker's parameters naming one topology. */
const topologyParams = (s: Connected, name: string): TrackerClient.Params => ({
  cluster: s.target.cluster,
  environ: s.target.environ,
  topology: name,
  role: s.roleGiven ? s.target.role : undefined
})

const print = (asJson: boolean, value: unknown, text: string) => Console.log(asJson ? JSON.stringify(value, null, 2) : text)

/** The components of a topology (logical plan, parallelism from the physical plan). */
const components = (s: Connected, name: string) =>
  Effect.map(
    Effect.all([
      s.tracker.get("/topologies/logicalplan", topologyParams(s, name), LogicalPlanView),
      s.tracker.get("/topologies/physicalplan", topologyParams(s, name), PhysicalPlanWire)
    ], { concurrency: 2 }),
    ([logical, physical]) => componentRows(logical, physical)
  )

const clusterName = Args.text({ name: "cluster" }).pipe(
  Args.withDescription("a cluster the runtime serves (default $HERON_CLUSTER, else local)"),
  Args.withFallbackConfig(Config.string("HERON_CLUSTER").pipe(Config.withDefault("local")))
)

const clusters = Command.make("clusters", { cluster: clusterName, json, verbose, clustersDir }, (o) =>
  withTracker({ ...o, target: o.cluster }, (s) =>
    Effect.flatMap(s.tracker.get("/clusters", {}, Schema.Array(Schema.String)), (names) =>
      print(o.json, { clusters: names }, Render.renderClusters(names))))
).pipe(Command.withDescription("the clusters served by the runtime of a cluster"))

const topologies = Command.make("topologies", { target, json, verbose, clustersDir }, (o) =>
  withTracker(o, (s) =>
    Effect.gen(function*() {
      const parts = o.target.split("/").length
      const tree = yield* s.tracker.get("/topologies", {
        cluster: s.target.cluster,
        role: parts >= 2 ? s.target.role : undefined,
        environ: parts >= 3 ? s.target.environ : undefined
      }, TopologiesWire)
      const rows = topologyRows(tree)
      yield* print(o.json, { topologies: rows }, Render.renderTopologies(o.target, rows))
    }))
).pipe(Command.withDescription("the topologies of a cluster, role or environ"))

const logicalPlan = Command.make("logical-plan", { target, topology, json, verbose, clustersDir }, (o) =>
  withTracker(o, (s) =>
    Effect.flatMap(components(s, o.topology), (rows) =>
      print(o.json, Render.logicalPlanJson(o.topology, rows), Render.renderLogicalPlan(o.topology, rows))))
).pipe(Command.withDescription("a topology's components: type, parallelism, inputs with grouping, outputs"))

const physicalPlan = Command.make("physical-plan", { target, topology, json, verbose, clustersDir }, (o) =>
  withTracker(o, (s) =>
    Effect.flatMap(s.tracker.get("/topologies/physicalplan", topologyParams(s, o.topology), PhysicalPlanWire), (plan) => {
      const rows = containerRows(plan)
      return print(o.json, Render.physicalPlanJson(o.topology, rows), Render.renderPhysicalPlan(o.topology, rows))
    }))
).pipe(Command.withDescription("a topology's containers: stream manager, host, port, pid and instances"))

/** The components `--component` selects: all when absent; an unknown name fails naming the known ones. */
export const selectComponents = (all: ReadonlyArray<ComponentRow>, name: string | undefined, topologyName: string): Effect.Effect<ReadonlyArray<ComponentRow>, CommandError> => {
  if (name === undefined) return Effect.succeed(all)
  const found = all.filter((c) => c.name === name)
  return found.length > 0
    ? Effect.succeed(found)
    : Effect.fail(new CommandError({ message: `topology ${topologyName} has no component "${name}"; it has ${all.map((c) => c.name).join(", ")}` }))
}

const metrics = Command.make(
  "metrics",
  {
    target,
    topology,
    component: Options.text("component").pipe(Options.optional, Options.withDescription("only this component")),
    interval: Options.integer("interval").pipe(
      Options.withDefault(-1),
      Options.withDescription("seconds back from now the figures cover; -1 (default): since the metrics cache started")
    ),
    json,
    verbose,
    clustersDir
  },
  (o) =>
    withTracker(o, (s) =>
      Effect.gen(function*() {
        const all = yield* components(s, o.topology)
        const chosen = yield* selectComponents(all, Option.getOrUndefined(o.component), o.topology)
        const views: ReadonlyArray<ComponentMetricsView> = yield* Effect.forEach(chosen, (c) =>
          Effect.map(
            s.tracker.get("/topologies/metrics", {
              ...topologyParams(s, o.topology),
              component: c.name,
              metricname: allNames(metricNames(c)),
              interval: o.interval
            }, ComponentMetricsWire),
            (answer) => componentMetrics(c, answer)
          ), { concurrency: 4 })
        yield* print(o.json, Render.metricsJson(o.topology, o.interval, views), Render.renderMetrics(o.topology, o.interval, views))
      }))
).pipe(Command.withDescription("per instance: emit, execute, ack and fail counts, latencies"))

/** `heron explorer <clusters | topologies | logical-plan | physical-plan | metrics>`. */
export const explorer = Command.make("explorer").pipe(
  Command.withDescription("read-only views of clusters, topologies, plans and metrics, from the runtime's Tracker"),
  Command.withSubcommands([clusters, topologies, logicalPlan, physicalPlan, metrics])
)
