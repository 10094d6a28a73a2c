/** Shared helpers of the yarn scheduler tests: requests, the scheduler built as the host builds it. */
import type { Effect, Scope } from "effect"
import type { PluginError } from "../../../../core/Plugin.js"
import { ContainerLaunch, LaunchRequest, type SchedulerService, TopologyRef } from "../../../../core/Scheduler.js"
import { PackingPlan, Resources } from "../../../../core/model/PackingPlan.js"
import { type Config, definition } from "../../../../plugins/schedulers/yarn/index.js"
import { buildScheduler, probe } from "../helpers.js"

export { collectingLogs, probe } from "../helpers.js"

const GiB = 1024 * 1024 * 1024

export const topologyRef = (name: string, role = "alice") =>
  new TopologyRef({ cluster: "yarn-test", role, environ: "prod", name, id: `${name}-id` })

/** A request for containers `indexes`, each running the probe with `--container <i>`. */
export const request = (
  name: string,
  indexes: ReadonlyArray<number>,
  o: { readonly env?: (i: number) => Record<string, string>; readonly ramGiB?: number; readonly role?: string } = {}
) =>
  new LaunchRequest({
    topology: topologyRef(name, o.role),
    packingPlan: new PackingPlan({ id: `${name}-id`, containers: [] }),
    packageUri: `hdfs://nn:8020/heron/${name}/topology.tar.gz`,
    containers: indexes.map((index) =>
      new ContainerLaunch({
        index,
        resources: new Resources({ cpu: index === 0 ? 1 : 2, ram: (o.ramGiB ?? 1) * GiB, disk: GiB }),
        argv: [process.execPath, probe, "--container", String(index)],
        env: o.env?.(index) ?? { HERON_HOME: "/var/lib/heron", HERON_CONTAINER_PLAN: `plan-${index}` }
      })
    )
  })

/** Fast polling, so that tests wait for the double's steps, not for default delays. */
export const fast = { pollIntervalMs: 5, submitTimeoutMs: 5000, killTimeoutMs: 5000, requestTimeoutMs: 5000 }

/** The scheduler from `options`, decoded through the plugin's schema, alive for the scope. */
export const scheduler = (options: typeof Config.Encoded): Effect.Effect<SchedulerService, PluginError, Scope.Scope> =>
  buildScheduler(definition, { cluster: "yarn-test", home: "/nonexistent" }, { ...fast, ...options })
