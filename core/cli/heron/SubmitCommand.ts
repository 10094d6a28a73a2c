/**
 * `heron submit <cluster[/role[/environ]]> <topology-file>`: the command line of {@link Submit}.
 * Progress on stderr, the result on stdout (`--json` for scripts). `--dry-run` bundles and packs
 * only, and prints the packing plan; it needs no runtime and writes nothing. With `--service-url`,
 * the package is bundled here and sent to the runtime's API server (`remote/RemoteSubmit.ts`).
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import { Console, Duration, Effect, Option } from "effect"
import { buildPackage } from "../../package/Package.js"
import * as Control from "./Control.js"
import * as Planning from "./Planning.js"
import { planJson, renderPlan } from "./PlanTable.js"
import * as Progress from "./Progress.js"
import * as RemoteSubmit from "./remote/RemoteSubmit.js"
import { clustersDir, json, logLevel, onRemote, resolveTarget, serviceUrl, target, timeout, token, verbose } from "./Shared.js"
import * as Submit from "./Submit.js"
import { defaultRole, formatTarget, parseProperties } from "./Target.js"

const options = {
  target,
  file: Args.text({ name: "topology-file" }).pipe(Args.withDescription("a TypeScript or JavaScript file default-exporting a built topology")),
  name: Options.text("name").pipe(Options.optional, Options.withDescription("submit under this name instead of the topology's own")),
  configProperty: Options.text("config-property").pipe(
    Options.repeated,
    Options.withDescription("key=value, overriding the topology's config and the cluster's topologyDefaults (repeatable)")
  ),
  deployDeactivated: Options.boolean("deploy-deactivated").pipe(Options.withDescription("start with the spouts paused (heron activate resumes them)")),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("bundle and pack only, print the packing plan")),
  timeout: timeout(60, "the topology to run"),
  json,
  verbose,
  clustersDir,
  serviceUrl,
  token
}

const summary = (s: Submit.Submitted) =>
  `topology ${s.name} (id ${s.id}) ${s.state === "PAUSED" ? "deployed deactivated" : "runs"} on ${formatTarget(s.target)}: ` +
  `${s.containers} containers + the TManager, ${s.instances} instances`

const printPlan = (asJson: boolean, name: string, plan: Submit.Prepared["packingPlan"]) =>
  Console.log(asJson ? JSON.stringify(planJson(name, plan), null, 2) : renderPlan(name, plan))

const printSubmitted = (asJson: boolean, submitted: Submit.Submitted) =>
  Console.log(asJson
    ? JSON.stringify({ ...submitted.target, topology: submitted.name, id: submitted.id, state: submitted.state, packageUri: submitted.packageUri, containers: submitted.containers, instances: submitted.instances })
    : summary(submitted))

type SubmitOptions = Command.Command.ParseConfig<typeof options>

/** With `--service-url`: bundle here, then the API server does the rest. */
const remote = (o: SubmitOptions, url: string) =>
  onRemote(o, url, ({ api, target: t }) =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const request: RemoteSubmit.RemoteSubmitRequest = {
        target: t,
        file: o.file,
        name: o.name,
        properties: o.configProperty,
        deployDeactivated: o.deployDeactivated,
        timeoutSecs: o.timeout,
        user: defaultRole(),
        workDir: yield* fs.makeTempDirectoryScoped({ prefix: "heron-submit-" })
      }
      const bundle: Submit.Bundler = (file, outDir, buildOptions) =>
        buildPackage(file, outDir, buildOptions).pipe(Effect.provideService(FileSystem.FileSystem, fs), Effect.provideService(Path.Path, path))
      const progress = Progress.stderr(o.verbose)
      if (o.dryRun) {
        const plan = yield* RemoteSubmit.dryRun(api, request, bundle, progress)
        return yield* printPlan(o.json, plan.name, plan.packingPlan)
      }
      yield* printSubmitted(o.json, yield* RemoteSubmit.submit(api, request, bundle, progress))
    }).pipe(Effect.scoped))

/** `heron submit <target> <topology-file> [--name] [--config-property k=v]... [--deploy-deactivated] [--dry-run]`. */
export const submit = Command.make("submit", options, (o) =>
  Option.isSome(o.serviceUrl) ? remote(o, o.serviceUrl.value) : Effect.scoped(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { cluster, target: t } = yield* resolveTarget(o.target, o.clustersDir)
    const properties = yield* parseProperties(o.configProperty)
    const workDir = yield* fs.makeTempDirectoryScoped({ prefix: "heron-submit-" })
    const progress = Progress.stderr(o.verbose)
    const user = defaultRole()
    const request: Submit.SubmitRequest = {
      target: t,
      file: o.file,
      name: o.name,
      properties,
      clusterDefaults: cluster.topologyDefaults,
      deployDeactivated: o.deployDeactivated,
      timeout: Duration.seconds(o.timeout),
      user,
      workDir
    }
    const bundle: Submit.Bundler = (file, outDir, buildOptions) =>
      buildPackage(file, outDir, buildOptions).pipe(Effect.provideService(FileSystem.FileSystem, fs), Effect.provideService(Path.Path, path))
    const plan = Planning.planner(cluster)

    if (o.dryRun) {
      const prepared = yield* Submit.prepare(request, { bundle, plan, progress }, 2)
      return yield* printPlan(o.json, prepared.topology.name, prepared.packingPlan)
    }
    const control = yield* Control.open(cluster)
    yield* Control.requireRuntime(control.stateManager, cluster.name)
    yield* printSubmitted(o.json, yield* Submit.submit(request, { ...control, bundle, plan, progress }))
  })).pipe(logLevel(o.verbose))
).pipe(Command.withDescription("bundle a topology file, upload it, and run it on a cluster"))
