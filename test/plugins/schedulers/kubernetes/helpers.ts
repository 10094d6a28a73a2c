/**
 * Shared helpers of the kubernetes scheduler tests: the word count's launch request (real topology
 * API, real packing, the launch plan the supervisor makes), the scheduler built through its plugin
 * definition against the API-server double, the word count scheduled on it, and counts of what
 * the double received.
 */
import { Context, Effect, Layer, Schema, type Scope } from "effect"
import wordCount from "../../../../examples/word-count.js"
import { ExecutionState, ReleaseState } from "../../../../core/model/ExecutionState.js"
import { pack } from "../../../../core/packing/index.js"
import type { PluginError } from "../../../../core/Plugin.js"
import { Scheduler, type LaunchRequest, type SchedulerService } from "../../../../core/Scheduler.js"
import { launchRequest, type LaunchContext } from "../../../../core/supervisor/LaunchPlan.js"
import { toLogicalPlan } from "../../../../core/topology/LogicalPlan.js"
import { Config, definition } from "../../../../plugins/schedulers/kubernetes/index.js"
import { KubernetesApiStats, layerWithStats } from "../../../../plugins/schedulers/kubernetes/KubernetesScheduler.js"
import { startKubeApiServer, type KubeApiServer, type KubeRequest } from "../../../support/services/kubeApiServer.js"
import { eventuallyEvery } from "../helpers.js"

/** Where the runtime's image keeps node and heron-runtime (as the Helm chart's image does). */
export const launchContext: LaunchContext = {
  cluster: "kubernetes",
  clusterFile: "/opt/heron/clusters/kubernetes.heron.ts",
  heronHome: "/var/lib/heron",
  node: "/usr/local/bin/node",
  executor: "/opt/heron/node_modules/heron-runtime/dist/bundle/executor-bin.js"
}

export const NAMESPACE = "heron"

/** The word count (examples/word-count.ts) as the supervisor asks a scheduler to run it. */
export const wordCountRequest = (options: { readonly name?: string; readonly containers?: number; readonly ctx?: LaunchContext } = {}) =>
  Effect.gen(function*() {
    const name = options.name ?? "word-count"
    const id = `${name}-0001`
    const built = { ...wordCount, name, config: { ...wordCount.config, ...(options.containers === undefined ? {} : { "topology.stmgrs": String(options.containers) }) } }
    const topology = toLogicalPlan(built, id, "RUNNING")
    const plan = yield* pack({ topology, algorithm: "round-robin" })
    const execution = new ExecutionState({
      topologyName: name,
      topologyId: id,
      cluster: "kubernetes",
      role: "alice",
      environ: "prod",
      submissionTime: 1_700_000_000,
      submissionUser: "alice",
      packageUri: `s3://heron/packages/${name}/topology.tar.gz`,
      release: new ReleaseState({ releaseUsername: "alice", releaseTag: "test", releaseVersion: "0.1.0" })
    })
    return launchRequest(options.ctx ?? launchContext, topology, plan, execution)
  })

/** Scheduler options for the double at `url`. */
export const options = (url: string, extra: Partial<typeof Config.Encoded> = {}): typeof Config.Encoded => ({
  namespace: NAMESPACE,
  image: "registry.example/heron-runtime:0.1.0",
  apiServer: { url },
  killTimeoutMs: 10_000,
  ...extra
})

/** The scheduler as the host builds it (options decoded by the plugin's schema), with its counts. */
export const scheduler = (opts: typeof Config.Encoded): Effect.Effect<{ readonly scheduler: SchedulerService; readonly stats: KubernetesApiStats["Type"] }, PluginError, Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* Schema.decodeUnknown(definition.config)(opts).pipe(Effect.orDie)
    const ctx = yield* Layer.build(layerWithStats(config))
    return { scheduler: Context.get(ctx, Scheduler), stats: Context.get(ctx, KubernetesApiStats) }
  })

/** The requests made since `from`, as `"<verb> <resource>"` counts. */
export const countsSince = (api: KubeApiServer, from: number): Record<string, number> => {
  const counts: Record<string, number> = {}
  for (const r of api.requests.slice(from)) counts[`${r.verb} ${r.resource}`] = (counts[`${r.verb} ${r.resource}`] ?? 0) + 1
  return counts
}

/** The total of a counts record. */
export const total = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0)

/** Requests matching `p` since `from`. */
export const requestsSince = (api: KubeApiServer, from: number, p: (r: KubeRequest) => boolean = () => true) => api.requests.slice(from).filter(p)

/** Repeats `self` every 25 ms until `done` holds; dies with the last value after `timeoutMs` (15 s). */
export const eventually = eventuallyEvery("25 millis", 15_000)

/** True of a status with `n` containers, all running. */
export const allRunning = (n: number) => (s: ReadonlyArray<{ readonly state: string }>): boolean => s.length === n && s.every((c) => c.state === "running")

/** A fresh API-server double, a scheduler on it (`extra` options) and the word count's request
 * (`request` options); all closed with the scope. Nothing is scheduled yet. */
export const setUp = (extra: Partial<typeof Config.Encoded> = {}, request: Parameters<typeof wordCountRequest>[0] = {}) =>
  Effect.gen(function*() {
    const api = yield* startKubeApiServer()
    const { scheduler: s, stats } = yield* scheduler(options(api.url, extra))
    return { api, scheduler: s, stats, request: yield* wordCountRequest(request) }
  })

/** `setUp`, then the word count scheduled and waited for until every container runs; `running` is
 * that first all-running status. */
export const scheduledWordCount = (extra: Partial<typeof Config.Encoded> = {}, request: Parameters<typeof wordCountRequest>[0] = {}) =>
  Effect.gen(function*() {
    const t = yield* setUp(extra, request)
    yield* t.scheduler.schedule(t.request)
    const running = yield* eventually(t.scheduler.status(t.request.topology), allRunning(t.request.containers.length))
    return { ...t, running }
  })

export type { LaunchRequest }
