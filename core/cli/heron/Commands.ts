/**
 * `heron kill | activate | deactivate | restart | update`: each checks that a runtime serves the
 * cluster (except `update --dry-run`), then acts through the state manager (desired state) or, for
 * `restart`, the runtime's scheduler endpoint; with `--service-url`, through the runtime's API
 * server instead (same outcome, same output). Progress on stderr, the result on stdout.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Duration, Effect, Option } from "effect"
import type { CommandError } from "./CommandError.js"
import * as Lifecycle from "./Lifecycle.js"
import * as Planning from "./Planning.js"
import { planJson, renderPlan } from "./PlanTable.js"
import * as Progress from "./Progress.js"
import { clustersDir, json, onTarget, serviceUrl, target, timeout, token, tokenOf, topology, verbose } from "./Shared.js"
import { formatTarget } from "./Target.js"
import * as Update from "./Update.js"

const print = (asJson: boolean, value: Readonly<Record<string, unknown>>, text: string) =>
  Console.log(asJson ? JSON.stringify(value) : text)

/** `heron kill <target> <topology>`: desired state KILLED, then wait until the runtime removed it. */
export const kill = Command.make(
  "kill",
  { target, topology, timeout: timeout(60, "the runtime to stop the containers"), json, verbose, clustersDir, serviceUrl, token },
  (o) =>
    onTarget(o, true, {
      local: ({ control, target: t }) => Lifecycle.kill(control.stateManager, control.uploader, t, o.topology, Duration.seconds(o.timeout), Progress.stderr(o.verbose)),
      remote: ({ api, target: t }) => api.kill(t, o.topology, o.timeout)
    }, (t, outcome) =>
      print(o.json, { ...t, topology: o.topology, outcome },
        outcome === "killed"
          ? `topology ${o.topology} killed on ${formatTarget(t)}: containers stopped, state and package removed`
          : `topology ${o.topology} was not running; its leftover state was removed`))
).pipe(Command.withDescription("stop a topology's containers and remove its state and package"))

const stateVerb = (name: "activate" | "deactivate", state: "RUNNING" | "PAUSED", done: string) =>
  Command.make(name, { target, topology, json, verbose, clustersDir, serviceUrl, token }, (o) =>
    onTarget(o, true, {
      local: ({ control, target: t }) => Lifecycle.setState(control.stateManager, t, o.topology, state),
      remote: ({ api, target: t }) => api.setState(t, o.topology, state)
    }, (t, outcome) =>
      print(o.json, { ...t, topology: o.topology, state, changed: outcome === "changed" },
        outcome === "changed" ? `topology ${o.topology} ${done}` : `topology ${o.topology} was already ${done}`))
  )

/** `heron activate <target> <topology>`: desired state RUNNING. */
export const activate = stateVerb("activate", "RUNNING", "activated").pipe(Command.withDescription("resume a topology's spouts"))
/** `heron deactivate <target> <topology>`: desired state PAUSED. */
export const deactivate = stateVerb("deactivate", "PAUSED", "deactivated").pipe(Command.withDescription("pause a topology's spouts"))

/** `heron restart <target> <topology> [container]`: through the runtime's scheduler endpoint. */
export const restart = Command.make(
  "restart",
  {
    target,
    topology,
    container: Args.integer({ name: "container" }).pipe(Args.optional, Args.withDescription("the container index (0 = TManager); all when absent")),
    json,
    verbose,
    clustersDir,
    serviceUrl,
    token
  },
  (o) =>
    onTarget(o, true, {
      local: ({ control, runtime, target: t }) =>
        Effect.flatMap(Effect.zip(runtime, tokenOf(o.token)), ([location, bearer]) =>
          Lifecycle.restart(control.stateManager, location, t, o.topology, o.container, bearer)),
      remote: ({ api, target: t }) => api.restart(t, o.topology, o.container)
    }, (t) => {
      const which = Option.match(o.container, { onNone: () => "every container", onSome: (c) => `container ${c}` })
      return print(o.json, { ...t, topology: o.topology, restarted: Option.getOrElse(o.container, () => "all") }, `restarted ${which} of ${o.topology}`)
    })
).pipe(Command.withDescription("restart one container of a topology, or all"))

/** `heron update <target> <topology> --component-parallelism c:n --container-number n [--dry-run]`. */
export const update = Command.make(
  "update",
  {
    target,
    topology,
    componentParallelism: Options.text("component-parallelism").pipe(Options.repeated, Options.withDescription("component:n (repeatable)")),
    containerNumber: Options.integer("container-number").pipe(Options.optional, Options.withDescription("the new number of containers")),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("print the new packing plan, change nothing")),
    timeout: timeout(60, "the physical plan to follow"),
    json,
    verbose,
    clustersDir,
    serviceUrl,
    token
  },
  (o) =>
    onTarget(o, !o.dryRun, {
      local: ({ control, target: t }): Effect.Effect<Pick<Update.Updated, "changed" | "packingPlan">, CommandError> =>
        Effect.gen(function*() {
          const parallelism = yield* Update.parseParallelism(o.componentParallelism)
          return yield* Update.update(control.stateManager, {
            target: t,
            name: o.topology,
            parallelism,
            containers: o.containerNumber,
            dryRun: o.dryRun,
            timeout: Duration.seconds(o.timeout),
            packing: Planning.packingOf(control.cluster)
          }, Progress.stderr(o.verbose))
        }),
      remote: ({ api, target: t }) =>
        Effect.zipRight(
          Update.parseParallelism(o.componentParallelism),
          api.update(t, o.topology, { parallelism: o.componentParallelism, containers: o.containerNumber, dryRun: o.dryRun, timeoutSecs: o.timeout })
        )
    }, (t, updated) =>
      Effect.gen(function*() {
        if (o.dryRun) {
          return yield* Console.log(o.json
            ? JSON.stringify(planJson(o.topology, updated.packingPlan), null, 2)
            : renderPlan(o.topology, updated.packingPlan))
        }
        const instances = updated.packingPlan.containers.reduce((n, c) => n + c.instances.length, 0)
        yield* print(o.json, { ...t, topology: o.topology, changed: updated.changed, containers: updated.packingPlan.containers.length, instances },
          updated.changed
            ? `topology ${o.topology} updated: ${updated.packingPlan.containers.length} containers, ${instances} instances`
            : `topology ${o.topology} already has that parallelism: nothing to change`)
      }))
).pipe(Command.withDescription("change a running topology's parallelism or number of containers"))
