/**
 * What the `heron` verbs share: common options and arguments, and {@link onCluster}, which parses
 * the target, loads the cluster, opens its state manager and uploader, and (for every verb that
 * needs one) checks that a runtime serves the cluster; {@link onTarget} does the same, or with
 * `--service-url` acts through a runtime's API server without loading anything of the cluster.
 */
import { Args, Options } from "@effect/cli"
import { Config, Effect, Logger, LogLevel, Option, Redacted } from "effect"
import type { RuntimeLocation } from "../../model/Locations.js"
import * as Control from "./Control.js"
import * as RemoteApi from "./remote/RemoteApi.js"
import { defaultRole, parseTarget, type Target, UsageError } from "./Target.js"

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

/** `--service-url URL`: act through the API server of a runtime instead of the cluster's plugins. */
export const serviceUrl = Options.text("service-url").pipe(
  Options.optional,
  Options.withDescription("act through the API server at URL (a heron-runtime): no cluster file, state manager or uploader needed here")
)
/** `--token T`: the bearer token for `--service-url`, and for a local `heron restart` on a runtime
 * that requires tokens (default `$HERON_API_TOKEN`). */
export const token = Options.redacted("token").pipe(
  Options.optional,
  Options.withDescription("bearer token for --service-url or a restart on a runtime with tokens (default $HERON_API_TOKEN, which other users cannot see in the process list)")
)

/** The options of a verb that may act remotely. */
export interface RemoteOptions {
  readonly serviceUrl: Option.Option<string>
  readonly token: Option.Option<Redacted.Redacted<string>>
}

/** The API server `--service-url` names, with `--token` or else `$HERON_API_TOKEN`. */
export const serviceOf = (url: string, given: Option.Option<Redacted.Redacted<string>>): Effect.Effect<RemoteApi.Service, UsageError> =>
  Effect.gen(function*() {
    const parsed = yield* Effect.try({ try: () => new URL(url), catch: () => new UsageError({ message: `bad --service-url "${url}": expected e.g. http://host:8888` }) })
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      return yield* new UsageError({ message: `bad --service-url "${url}": expected an http:// or https:// URL` })
    }
    const token = yield* tokenOf(given)
    return { url: parsed.href.replace(/\/+$/, ""), token }
  })

/** `--token`, or else `$HERON_API_TOKEN`; none when empty. */
export const tokenOf = (given: Option.Option<Redacted.Redacted<string>>): Effect.Effect<Option.Option<Redacted.Redacted<string>>> =>
  Effect.map(
    Config.option(Config.redacted("HERON_API_TOKEN")).pipe(Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())),
    (fromEnv) => Option.filter(Option.orElse(given, () => fromEnv), (t) => Redacted.value(t) !== "")
  )

/** What {@link onTarget} gives a verb run through the API server. */
export interface OnRemote {
  readonly target: Target
  readonly api: RemoteApi.RemoteApi
}

/** Runs `body` through the API server at `url`: the target is parsed, nothing of the cluster is
 * loaded. */
export const onRemote = <A, E, R>(o: ClusterOptions & RemoteOptions, url: string, body: (r: OnRemote) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const target = yield* parseTarget(o.target, defaultRole())
    const service = yield* serviceOf(url, o.token)
    // Loaded only here: the other commands need no HTTP client of their own. Node's client (not
    // fetch): a submit may wait for its answer longer than fetch's 300 s header timeout.
    const { layer } = yield* Effect.promise(() => import("@effect/platform-node/NodeHttpClient"))
    return yield* Effect.flatMap(RemoteApi.make(service), (api) => body({ target, api })).pipe(Effect.provide(layer))
  }).pipe(logLevel(o.verbose))

/**
 * Runs a verb on the target: `local` against the cluster's plugins ({@link onCluster}), or with
 * `--service-url` `remote` through the API server ({@link onRemote}); then `then` with the target
 * and the outcome, whichever way it came.
 */
export const onTarget = <A, E1, R1, E2, R2, B, E3, R3>(
  o: ClusterOptions & RemoteOptions,
  needsRuntime: boolean,
  act: { readonly local: (c: OnCluster) => Effect.Effect<A, E1, R1>; readonly remote: (r: OnRemote) => Effect.Effect<A, E2, R2> },
  then: (target: Target, outcome: A) => Effect.Effect<B, E3, R3>
) =>
  Option.match(o.serviceUrl, {
    onNone: () => onCluster(o, needsRuntime, (c) => Effect.flatMap(act.local(c), (a) => then(c.target, a))),
    onSome: (url) => onRemote(o, url, (r) => Effect.flatMap(act.remote(r), (a) => then(r.target, a)))
  })

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
