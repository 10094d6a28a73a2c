/** Shared helpers of the aurora scheduler tests: requests, the fake client on PATH, the scheduler. */
import { Effect, type Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { fileURLToPath } from "node:url"
import type { PluginError } from "../../../../core/Plugin.js"
import { ContainerLaunch, LaunchRequest, type SchedulerService, TopologyRef } from "../../../../core/Scheduler.js"
import { PackingPlan, Resources } from "../../../../core/model/PackingPlan.js"
import { type Config, definition } from "../../../../plugins/schedulers/aurora/index.js"
import { type FakeAurora, installFakeAurora } from "../../../support/services/fakeAurora.js"
import { buildScheduler } from "../helpers.js"

export { collectingLogs, probe } from "../helpers.js"

export const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url))

const GiB = 1024 * 1024 * 1024

export const topologyRef = (name: string, environ = "prod") =>
  new TopologyRef({ cluster: "aurora-test", role: "alice", environ, name, id: `${name}-id` })

/** The executor command line the supervisor gives container `index` (see core/supervisor/LaunchPlan.ts). */
export const executorArgv = (name: string, index: number): readonly [string, ...Array<string>] => [
  "/usr/bin/node", "/opt/heron/dist/core/engine/executor-bin.js", "--cluster-file", "/etc/heron/clusters/aurora.heron.ts",
  "--cluster", "aurora-test", "--topology", name, "--container", String(index)
]

export interface RequestOptions {
  readonly argv?: (index: number) => readonly [string, ...Array<string>]
  readonly env?: (index: number) => Record<string, string>
  readonly environ?: string
  readonly id?: string
}

/** A request for containers `indexes`: container 0 small, the others 2 cores and 2 GiB. */
export const request = (name: string, indexes: ReadonlyArray<number>, o: RequestOptions = {}) =>
  new LaunchRequest({
    topology: new TopologyRef({ ...topologyRef(name, o.environ), id: o.id ?? `${name}-id` }),
    packingPlan: new PackingPlan({ id: o.id ?? `${name}-id`, containers: [] }),
    packageUri: `file:///var/heron/packages/${name}/topology.tar.gz`,
    containers: indexes.map((index) =>
      new ContainerLaunch({
        index,
        resources: new Resources(index === 0 ? { cpu: 1, ram: GiB, disk: GiB } : { cpu: 2, ram: 2 * GiB, disk: GiB }),
        argv: o.argv?.(index) ?? executorArgv(name, index),
        env: o.env?.(index) ?? { HERON_HOME: "/var/heron", HERON_TOPOLOGY_ID: o.id ?? `${name}-id`, HERON_CONTAINER_PLAN: `plan-${index}` }
      })
    )
  })

/** The fake client, first on PATH for the scope (the scheduler's default `client` is `aurora`). */
export const fakeOnPath = (o?: Parameters<typeof installFakeAurora>[0]): Effect.Effect<FakeAurora, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fake = yield* installFakeAurora(o)
    const before = process.env.PATH
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        process.env.PATH = `${fake.dir}${delimiter}${before ?? ""}`
      }),
      () => Effect.sync(() => {
        process.env.PATH = before
      })
    )
    return fake
  })

/** A fresh cluster home, removed with the scope. */
export const home = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "heron-aurora-home-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** The scheduler from `options` (decoded through the plugin's schema) for the cluster `aurora-test`. */
export const scheduler = (dir: string, options: typeof Config.Encoded = {}): Effect.Effect<SchedulerService, PluginError, Scope.Scope> =>
  buildScheduler(definition, { cluster: "aurora-test", home: dir }, { cluster: "devcluster", ...options })

/** The command lines the fake recorded since call `from`, the home folder written as `<home>`. */
export const lines = (fake: FakeAurora, dir: string, from = 0) => fake.commandLines().slice(from).map((l) => l.replaceAll(dir, "<home>"))
