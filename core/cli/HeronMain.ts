/**
 * The `heron` CLI, after Heron's: `submit`, `kill`, `activate`, `deactivate`, `restart`, `update`
 * (in `heron/`), `config <cluster> [list]` (the resolved cluster definition, secrets redacted) and
 * `version`. Targets are `cluster[/role[/environ]]`.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect } from "effect"
import * as ClusterLoader from "../../dsl/ClusterLoader.js"
import { describe } from "../../dsl/ResolvedCluster.js"
import { clusterDirs } from "./clusterDirs.js"
import { printClusters } from "./describeClusters.js"
import { VERSION } from "../version.js"
import { activate, deactivate, kill, restart, update } from "./heron/Commands.js"
import { submit } from "./heron/SubmitCommand.js"
import { explorer } from "./heron/explorer/Explorer.js"

const clustersDir = Options.directory("clusters-dir").pipe(Options.optional, Options.withDescription("folder of cluster files"))
const json = Options.boolean("json").pipe(Options.withDescription("JSON output"))

const config = Command.make(
  "config",
  {
    cluster: Args.text({ name: "cluster" }).pipe(Args.withDescription("cluster name, e.g. local")),
    action: Args.choice([["list", "list"]], { name: "action" }).pipe(Args.withDefault("list" as const)),
    clustersDir,
    json
  },
  (o) =>
    Effect.gen(function* () {
      const dirs = yield* clusterDirs(o.clustersDir)
      const cluster = yield* ClusterLoader.loadCluster(o.cluster, dirs)
      yield* printClusters([yield* describe(cluster)], o.json)
    })
).pipe(Command.withDescription("print a cluster's resolved definition (secrets redacted)"))

const version = Command.make("version", {}, () => Console.log(`heron-runtime ${VERSION}`)).pipe(
  Command.withDescription("print the version")
)

export const command = Command.make("heron").pipe(Command.withSubcommands([submit, kill, activate, deactivate, restart, update, config, version, explorer]))
