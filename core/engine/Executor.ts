/**
 * `heron-executor`: the process of one container. Launched by the scheduler as
 *
 * ```
 * node dist/core/engine/executor-bin.js --cluster-file F --cluster C --topology T --container I
 * ```
 *
 * It loads the cluster definition, starts only the state manager, uploader and metrics sinks of
 * the cluster (never the scheduler: the runtime's scheduler watches this process), reads the
 * topology's logical plan and packing plan (and execution state, for the package URI), and runs
 * container 0 as the TManager, any other container as a stream manager with its instances and its
 * metrics manager. Logs are JSON lines on stderr. SIGTERM/SIGINT close sockets, stop the workers
 * (close / cleanup) and remove this process's locations, then exit 0.
 *
 * `--topology-module <file>` (tests and development) imports that module instead of fetching and
 * extracting the topology package.
 */
import { Path } from "@effect/platform"
import { Config, Context, Duration, Effect, Option, Schedule } from "effect"
import * as ClusterSpec from "../runtime/ClusterSpec.js"
import { MetricsSink } from "../MetricsSink.js"
import { extractPackage, PACKAGE_FILE } from "../package/Package.js"
import { pluginLabel } from "../Plugin.js"
import { buildPlugin } from "../runtime/buildCluster.js"
import * as Logging from "../runtime/Logging.js"
import { StateManager, type StateKind, type StateManagerService, type StateValue } from "../StateManager.js"
import { Uploader, type UploaderService } from "../Uploader.js"
import { EngineError } from "./EngineError.js"
import { parse, type ExecutorArgs } from "./internal/ExecutorArgs.js"
import { importTopology } from "./internal/importTopology.js"
import * as StreamManager from "./StreamManager.js"
import * as TManager from "./TManager.js"

/** How long to wait for the topology's state to appear (the supervisor writes it before launching). */
const STATE_DEADLINE = Duration.seconds(30)

/** Reads a state value, waiting for it to appear. */
const awaitState = <K extends StateKind>(sm: StateManagerService, kind: K, topology: string): Effect.Effect<StateValue<K>, EngineError> =>
  sm.get(kind, topology).pipe(
    Effect.mapError((e) => new EngineError({ message: `reading ${kind}/${topology}: ${e.message}` })),
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new EngineError({ message: `no ${kind}/${topology} in the state manager` })),
      onSome: Effect.succeed
    })),
    Effect.retry(Schedule.spaced(Duration.millis(200)).pipe(Schedule.upTo(STATE_DEADLINE)))
  )

/** Fetches the topology package into `cwd` and extracts it; returns the path of `topology.mjs`. */
const fetchPackage = (uploader: UploaderService, uri: string, cwd: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const archive = path.join(cwd, PACKAGE_FILE)
    yield* uploader.fetch(uri, archive).pipe(Effect.mapError((e) => new EngineError({ message: `fetching ${uri}: ${e.message}` })))
    return yield* extractPackage(archive, path.join(cwd, "topology")).pipe(Effect.mapError((e) => new EngineError({ message: e.message })))
  })


const runContainer = (c: ClusterSpec.ContainerCluster, a: ExecutorArgs) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const stateManager = Context.get(yield* buildPlugin(c, c.stateManager), StateManager)
    const topology = yield* awaitState(stateManager, "topologies", a.topology)
    const packing = yield* awaitState(stateManager, "packingplans", a.topology)
    const host = yield* Config.string("HERON_HOST").pipe(Config.withDefault("127.0.0.1"))
    const listenHost = host === "127.0.0.1" || host === "localhost" ? host : "0.0.0.0"
    if (a.container === 0) {
      return yield* TManager.run({
        topologyName: a.topology, topologyId: topology.id, host, listenHost, stateManager, topology, packing, metricsCache: c.metrics.cache
      })
    }
    const containerPlan = packing.containers.find((p) => p.id === a.container)
    if (containerPlan === undefined) {
      return yield* new EngineError({ message: `container ${a.container} is not in the packing plan of ${a.topology} (containers ${packing.containers.map((p) => p.id).join(", ")})` })
    }
    const cwd = process.cwd()
    const module = yield* Option.match(a.topologyModule, {
      onSome: (m) => Effect.succeed(path.resolve(m)),
      onNone: () =>
        Effect.gen(function* () {
          const uploader = Context.get(yield* buildPlugin(c, c.uploader), Uploader)
          const execution = yield* awaitState(stateManager, "executionstate", a.topology)
          return yield* fetchPackage(uploader, execution.packageUri, cwd)
        })
    })
    // Imported here too, so that a broken package fails the container at once with one line.
    yield* Effect.tryPromise({ try: () => importTopology(module), catch: (e) => new EngineError({ message: e instanceof Error ? e.message : String(e) }) })
    const sinks = yield* Effect.forEach(c.sinks, (s) =>
      Effect.map(buildPlugin(c, s), (ctx) => ({ name: pluginLabel(s.definition), sink: Context.get(ctx, MetricsSink) })))
    return yield* StreamManager.run({
      metricsIntervalSecs: c.metrics.intervalSecs,
      cluster: c.name,
      topologyName: a.topology,
      topologyId: topology.id,
      container: a.container,
      host,
      listenHost,
      cwd,
      stateManager,
      sinks,
      module,
      containerPlan,
      config: topology.config
    })
  })

/**
 * The container's cluster: from the spec the runtime put in `HERON_CLUSTER_SPEC` (plugins imported
 * directly), else by loading the cluster file as the runtime did. The cluster loader (and with it
 * the TypeScript loader) is imported only in the second case.
 */
const loadCluster = (clusterFile: string) =>
  Effect.gen(function* () {
    const spec = yield* Config.option(Config.string(ClusterSpec.CLUSTER_SPEC_ENV))
    if (Option.isSome(spec)) return yield* ClusterSpec.decode(spec.value)
    const [ClusterLoader, { clusterDirs }] = yield* Effect.promise(() => Promise.all([import("../../dsl/ClusterLoader.js"), import("../cli/clusterDirs.js")]))
    // `extends: "<name>"` resolves as in the runtime: $HERON_CLUSTERS_DIR, then the built-in clusters.
    return yield* ClusterLoader.loadClusterFile(clusterFile, yield* clusterDirs(Option.none()))
  })

/** The `heron-executor` program (run by `executor-bin.ts`) on its arguments (`process.argv.slice(2)`). */
export const main = (argv: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const o = yield* parse(argv)
    const c = yield* loadCluster(o.clusterFile)
    if (c.name !== o.cluster) return yield* new EngineError({ message: `${o.clusterFile} defines cluster "${c.name}", not "${o.cluster}"` })
    return yield* Effect.scoped(runContainer(c, o)).pipe(
      Effect.annotateLogs({ topology: o.topology, container: o.container }),
      Effect.provide(Logging.layer(c.secrets))
    )
  })
