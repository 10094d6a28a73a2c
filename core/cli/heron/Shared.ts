/**
 * What the `heron` verbs share: common options and arguments, and {@link onCluster}, which parses
 * the target, loads the cluster, opens its state manager and uploader, and (for every verb that
 * needs one) checks that a runtime serves the cluster.
 */
import { Args, Options } from "@effect/cli"
import { Effect, Logger, LogLevel, Option } from "effect"
import type { RuntimeLocation } from "../../model/Locations.js"
import * as Control from "./Control.js"
import { defaultRole, parseTarget, type Target } from "./Target.js"

/** `--clusters-dir`: where cluster files are looked up first. */
export const clustersDir = Options.directory("clusters-dir").pipe(
  Options.optional,
  Options.withDescription("folder of cluster files (default $HERON_CLUSTERS_DIR, ./clusters, then the built-in ones)")
)
/** `--json`: the result as JSON on stdout. */
export const json = Options.boolean("json").pipe(Options.withDescription("print the result as JSON"))
/** `--verbose`: details and plugin logs on stderr. */
export const verbose = Options.boolean("verbose").pipe(Options.withDescription("more detail on stderr, plugin logs included"))
/** `<cluster[/role[/environ]]>`. */
export const target = Args.text({ name: "cluster[/role[/environ]]" }).pipe(
  Args.withDescription("where the topology runs; role defaults to $USER, environ to default")
)
/** `<topology>`: a topology name. */
export const topology = Args.text({ name: "topology" }).pipe(Args.withDescription("the topology's name"))
/** `--timeout <seconds>` with a default. */
export const timeout = (seconds: number, what: string) =>
  Options.integer("timeout").pipe(Options.withDefault(seconds), Options.withDescription(`seconds to wait for ${what}`))

/** The options every cluster verb has. */
export interface ClusterOptions {
  readonly target: string
  readonly clustersDir: Option.Option<string>
  readonly verbose: boolean
}

/** What {@link onCluster} gives a verb. */
export interface OnCluster {
  readonly target: Target
  readonly control: Control.Control
  /** Present when the verb asked for a runtime. */
  readonly runtime: Option.Option<RuntimeLocation>
}

/** Plugin logs only with `--verbose`; warnings and errors always. */
export const logLevel = (verbose: boolean) => Logger.withMinimumLogLevel(verbose ? LogLevel.Debug : LogLevel.Warning)

/** The parsed target and its loaded cluster (no plugin started). */
export const resolveTarget = (text: string, dir: Option.Option<string>) =>
  Effect.gen(function*() {
    const target = yield* parseTarget(text, defaultRole())
    const cluster = yield* Control.loadCluster(target.cluster, dir)
    return { target, cluster }
  })

/** Runs `body` against the target's cluster; with `needsRuntime`, fails first in one line when no
 * runtime serves the cluster. */
export const onCluster = <A, E, R>(
  o: ClusterOptions,
  needsRuntime: boolean,
  body: (c: OnCluster) => Effect.Effect<A, E, R>
) =>
  Effect.scoped(Effect.gen(function*() {
    const { cluster, target } = yield* resolveTarget(o.target, o.clustersDir)
    const control = yield* Control.open(cluster)
    const runtime = needsRuntime
      ? Option.some(yield* Control.requireRuntime(control.stateManager, cluster.name))
      : Option.none<RuntimeLocation>()
    return yield* body({ target, control, runtime })
  })).pipe(logLevel(o.verbose))
