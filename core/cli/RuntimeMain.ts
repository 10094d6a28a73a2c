/**
 * `heron-runtime --cluster <name> [--cluster <other>]`: loads the cluster definitions, starts every
 * plugin, serves the Tracker, and supervises every cluster's topologies until SIGINT/SIGTERM, which
 * interrupt every fiber and run the finalizers (containers are left running, to be adopted). `--list-clusters` prints the resolved definitions instead.
 */
import { Command, Options } from "@effect/cli"
import { Config, Context, Effect, Layer, Option, Redacted, Ref } from "effect"
import * as ClusterLoader from "../../dsl/ClusterLoader.js"
import { describe } from "../../dsl/ResolvedCluster.js"
import * as ApiSettings from "../api/ApiSettings.js"
import * as Clusters from "../Clusters.js"
import * as Redactor from "../Redactor.js"
import { buildCluster } from "../runtime/buildCluster.js"
import * as Supervisors from "../supervisor/Supervisors.js"
import * as Logging from "../runtime/Logging.js"
import * as TopologyCache from "../tracker/TopologyCache.js"
import * as Tracker from "../tracker/Tracker.js"
import { clusterDirs } from "./clusterDirs.js"
import { printClusters } from "./describeClusters.js"
import { errorLine } from "./errorLine.js"

const cluster = Options.text("cluster").pipe(
  Options.repeated,
  Options.withDescription("cluster to serve (a clusters/<name>.heron.ts file); repeat for several; default $HERON_CLUSTER")
)
const port = Options.integer("port").pipe(Options.optional, Options.withDescription("Tracker port, overriding the first cluster's tracker.port"))
const clustersDir = Options.directory("clusters-dir").pipe(Options.optional, Options.withDescription("folder of cluster files (default $HERON_CLUSTERS_DIR, ./clusters, then the built-in ones)"))
const listClusters = Options.boolean("list-clusters").pipe(Options.withDescription("print the resolved cluster definitions (secrets redacted) and exit"))
const json = Options.boolean("json").pipe(Options.withDescription("with --list-clusters: JSON output"))
const accessTokenEnv = Options.text("access-token-env").pipe(Options.optional, Options.withDescription("environment variable holding the API server's access token (default $HERON_ACCESS_TOKEN); it acts for every role"))

export class StartupError extends Error {
  readonly _tag = "StartupError"
}

const list = (dirs: ReadonlyArray<string>, asJson: boolean) =>
  Effect.gen(function* () {
    const names = yield* ClusterLoader.listClusters(dirs)
    const described = yield* Effect.forEach(names, (name) =>
      ClusterLoader.loadCluster(name, dirs, { withApi: true }).pipe(
        Effect.flatMap(describe),
        Effect.catchAll((e) => Effect.succeed<unknown>({ name, error: errorLine(e) }))
      ))
    yield* printClusters(described, asJson)
  })

const serve = (names: ReadonlyArray<string>, portOverride: Option.Option<number>, dirs: ReadonlyArray<string>, tokenEnv: Option.Option<string>) =>
  Effect.gen(function* () {
    const loaded = yield* Effect.forEach(names, (name) => ClusterLoader.loadCluster(name, dirs, { withApi: true }))
    // The tokens' variables leave the runtime's environment: no container, job or child inherits them.
    yield* Effect.sync(() => loaded.flatMap((c) => c.apiEnv).forEach((name) => delete process.env[name]))
    const first = loaded[0]
    if (first === undefined) return yield* Effect.fail(new StartupError("no cluster given: use --cluster <name>"))
    const accessToken = yield* ApiSettings.readAccessToken(tokenEnv)
    yield* ApiSettings.forgetAccessToken(tokenEnv)
    const api = ApiSettings.make(loaded, { accessToken, host: first.tracker.host })
    const secrets = [...loaded.flatMap((c) => c.secrets), ...Option.toArray(Option.map(accessToken, Redacted.value))]
    const redactor = Layer.effect(Redactor.Redactor, Effect.tap(Redactor.make, (r) => Effect.forEach(secrets, r.register)))
    // Each cluster with the Tracker's watched view of its topologies, for the runtime's lifetime.
    const withCache = (c: Clusters.ClusterServices) => Effect.map(TopologyCache.make(c), (topologies) => ({ ...c, topologies }))
    const clusters = Layer.scoped(Clusters.Clusters, Effect.map(Effect.forEach(loaded, (c) => Effect.flatMap(buildCluster(c), withCache)), Clusters.make))
    const server = Tracker.serve({ port: Option.getOrElse(portOverride, () => first.tracker.port), host: first.tracker.host })
    return yield* Effect.scoped(
      Effect.gen(function* () {
        const services = yield* Layer.build(Layer.merge(clusters, redactor))
        const address = yield* Layer.build(Layer.provide(server, Layer.merge(Layer.succeedContext(services), ApiSettings.layer(api)))).pipe(Effect.flatMap(Tracker.boundAddress))
        // Registered before the supervisors so that it runs after them ("leaving N topologies
        // running" first), but only said once the runtime was ready: a start-up failure stays one line.
        const ready = yield* Ref.make(false)
        yield* Effect.addFinalizer(() => Effect.whenEffect(Effect.logInfo("heron-runtime stopped"), Ref.get(ready)))
        // Before the ready line: a `heron` command started on it finds the runtime registered.
        yield* Supervisors.startAll(Context.get(services, Clusters.Clusters), loaded, address)
        yield* Effect.logInfo(ApiSettings.describe(api))
        yield* Effect.logInfo("heron-runtime ready").pipe(Effect.annotateLogs({ clusters: names.join(","), tracker: address }))
        yield* Ref.set(ready, true)
        return yield* Effect.never
      })
    ).pipe(Effect.provide(Logging.layer(secrets)))
  })

export const command = Command.make("heron-runtime", { cluster, port, clustersDir, listClusters, json, accessTokenEnv }, (o) =>
  Effect.gen(function* () {
    const dirs = yield* clusterDirs(o.clustersDir)
    if (o.listClusters) return yield* list(dirs, o.json)
    const names = o.cluster.length > 0
      ? o.cluster
      : Option.toArray(yield* Config.option(Config.string("HERON_CLUSTER")).pipe(Effect.orElseSucceed(() => Option.none<string>())))
    return yield* serve(names, o.port, dirs, o.accessTokenEnv)
  })
)
