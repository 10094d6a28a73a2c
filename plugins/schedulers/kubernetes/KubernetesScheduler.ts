/**
 * The `kubernetes` scheduler: each topology is two StatefulSets and a headless Service (see
 * {@link Manifests}) in one namespace, made through the API server with `@kubernetes/client-node`.
 *
 * - `schedule` creates the manager StatefulSet, then the Service and the executors StatefulSet
 *   owned by it; when the manager exists already it converges instead (`update`), so a schedule
 *   is idempotent and a runtime restart adopts what runs.
 * - `kill` deletes the manager StatefulSet with `propagationPolicy=Foreground`: the garbage
 *   collector deletes what it owns (the executors, the Service, every pod); then it waits, up to
 *   `killTimeoutMs`, for the watch to see the last pod go.
 * - `restart` deletes one pod (or every pod of the topology in one request); its StatefulSet
 *   makes it again. `update` patches what changed and replaces the pods of changed containers.
 * - `status` answers from a watch of the topology's pods (one per topology, started by the first
 *   operation on it, stopped by `kill`): a running topology costs one request per
 *   `watchTimeoutSeconds`, whatever the number of `status` calls.
 *
 * Every manifest is checked against the API's schema (kubernetes-models) and for unknown fields
 * before it is sent. Requests are counted; {@link layerWithStats} exposes the counts.
 */
import { loadYaml } from "@kubernetes/client-node"
import { Context, Deferred, Duration, Effect, Either, FiberMap, HashMap, Layer, Option, Stream, SubscriptionRef, SynchronizedRef } from "effect"
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec"
import { PluginError } from "../../../core/Plugin.js"
import { ContainerStatus, type LaunchRequest, Scheduler, SchedulerError, type SchedulerService, type TopologyRef } from "../../../core/Scheduler.js"
import type { Config } from "./Config.js"
import * as Apply from "./internal/Apply.js"
import * as KubeApi from "./internal/KubeApi.js"
import { invalidTopologyName, objectNames, podName, selectorString, topologySelector } from "./internal/names.js"
import * as PodWatch from "./internal/PodWatch.js"
import { decodePodTemplateSpec } from "./internal/validate.js"
import * as Manifests from "./Manifests.js"

/** The label of this plugin in errors. */
export const pluginName = "scheduler/kubernetes"

/** What the scheduler has asked of the API server, for benchmarks and tests. */
export class KubernetesApiStats extends Context.Tag("heron/KubernetesApiStats")<KubernetesApiStats, {
  /** Requests made so far, by `"<verb> <resource>"`; a watch counts once, when it opens. */
  readonly requests: Effect.Effect<KubeApi.RequestCounts>
  /** Watches running now (one per topology the scheduler follows). */
  readonly watches: Effect.Effect<number>
}>() {}

/** How long an operation waits for the first LIST of a topology's pods. */
const SYNC_TIMEOUT = Duration.seconds(30)

const stateOf = (p: PodWatch.PodSummary): ContainerStatus["state"] => {
  if (p.terminating) return "exited"
  if (p.phase === "Pending") return "pending"
  if (p.phase === "Succeeded") return "exited"
  if (p.phase === "Failed" || Option.exists(p.reason, (r) => /BackOff|Error|OOMKilled|Err/.test(r))) return "failed"
  return p.phase === "Running" ? "running" : "unknown"
}

/** Builds the scheduler and its request counts. */
export const make = (config: Config) =>
  Effect.gen(function*() {
    const kc = yield* Effect.try({
      try: () => KubeApi.kubeConfig(config),
      catch: (e) => new PluginError({ plugin: pluginName, message: `cannot configure the Kubernetes client: ${e instanceof Error ? e.message : String(e)}` })
    })
    const api = yield* KubeApi.make(kc, config.namespace)
    const fibers = yield* FiberMap.make<string>()
    const watched = yield* SynchronizedRef.make(HashMap.empty<string, PodWatch.Watched>())

    const fail = (op: string, topology: string) => (e: KubeApi.ApiFailure) =>
      new SchedulerError({
        op,
        topology,
        message: `${e.call} in namespace ${config.namespace}: ${Option.match(e.status, { onNone: () => "", onSome: (s) => `${s} ` })}${e.reason}: ${e.message}`,
        retryable: e.retryable
      })
    const refuse = (op: string, topology: string, message: string) => new SchedulerError({ op, topology, message, retryable: false })
    const validName = (op: string, ref: TopologyRef) =>
      Option.match(Option.fromNullable(invalidTopologyName(ref.name)), { onNone: () => Effect.void, onSome: (m) => Effect.fail(refuse(op, ref.name, m)) })

    /** The watch of a topology's pods, started on first use. */
    const watchOf = (ref: TopologyRef) =>
      SynchronizedRef.modifyEffect(watched, (m) =>
        Option.match(HashMap.get(m, ref.name), {
          onSome: (w) => Effect.succeed([w, m] as const),
          onNone: () =>
            PodWatch.makeWatched.pipe(
              Effect.tap((w) => FiberMap.run(fibers, ref.name, PodWatch.run(api, selectorString(topologySelector(ref)), config.watchTimeoutSeconds, w))),
              Effect.map((w) => [w, HashMap.set(m, ref.name, w)] as const)
            )
        }))
    const stopWatch = (name: string) =>
      SynchronizedRef.update(watched, HashMap.remove(name)).pipe(Effect.zipRight(FiberMap.remove(fibers, name)))

    /** The watch of a topology's pods once it has listed them. */
    const syncedWatch = (op: string, ref: TopologyRef) =>
      watchOf(ref).pipe(Effect.tap((w) =>
        Deferred.await(w.synced).pipe(Effect.timeoutFail({
          duration: SYNC_TIMEOUT,
          onTimeout: () => new SchedulerError({ op, topology: ref.name, message: `no answer from the API server ${api.server} listing pods`, retryable: true })
        }))))

    /** The topology's pods, as the watch knows them. */
    const podsOf = (op: string, ref: TopologyRef) =>
      syncedWatch(op, ref).pipe(
        Effect.flatMap((w) => SubscriptionRef.get(w.pods)),
        Effect.map((m) => [...HashMap.values(m)])
      )

    /** The operator's pod template, when the options name one. */
    const podTemplate = (op: string, topology: string): Effect.Effect<IPodTemplateSpec | undefined, SchedulerError> => {
      const source = config.podTemplate
      if (source === undefined) return Effect.succeed(undefined)
      const where = `pod template ${source.configMap}/${source.key} in namespace ${config.namespace}`
      return api.readConfigMap(source.configMap).pipe(
        Effect.mapError(fail(op, topology)),
        Effect.flatMap(Option.match({ onNone: () => Effect.fail(refuse(op, topology, `${where}: no such ConfigMap`)), onSome: Effect.succeed })),
        Effect.flatMap((cm) => {
          const text = cm.data?.[source.key]
          if (text === undefined) return Effect.fail(refuse(op, topology, `${where}: the ConfigMap has no key ${source.key}`))
          return Effect.try({ try: (): unknown => loadYaml(text), catch: (e) => refuse(op, topology, `${where}: not YAML: ${e instanceof Error ? e.message : String(e)}`) }).pipe(
            Effect.flatMap((raw) => Either.match(decodePodTemplateSpec(raw), { onLeft: (m) => Effect.fail(refuse(op, topology, `${where}: ${m}`)), onRight: Effect.succeed }))
          )
        })
      )
    }

    const manifestsOf = (op: string, request: LaunchRequest) =>
      podTemplate(op, request.topology.name).pipe(
        Effect.flatMap((template) =>
          Either.match(Manifests.build(request, config, template), { onLeft: (m) => Effect.fail(refuse(op, request.topology.name, m)), onRight: Effect.succeed }))
      )

    const update = (request: LaunchRequest) =>
      Effect.gen(function*() {
        const m = yield* manifestsOf("update", request)
        yield* watchOf(request.topology)
        yield* Apply.apply(api, request.topology.name, m).pipe(Effect.mapError(fail("update", request.topology.name)))
      })

    const schedule = (request: LaunchRequest) =>
      Effect.gen(function*() {
        const m = yield* manifestsOf("schedule", request)
        yield* watchOf(request.topology)
        yield* Apply.create(api, m).pipe(
          // The manager exists: adopt and converge what runs.
          Effect.catchIf(Apply.isAlreadyExists, () => Apply.apply(api, request.topology.name, m)),
          Effect.mapError(fail("schedule", request.topology.name))
        )
      })

    const kill = (ref: TopologyRef) =>
      Effect.gen(function*() {
        const names = objectNames(ref.name)
        const w = yield* syncedWatch("kill", ref)
        const deleted = yield* api.deleteStatefulSet(names.manager, "Foreground").pipe(Effect.mapError(fail("kill", ref.name)))
        if (!deleted) {
          // No manager (a half-made topology, or made by hand): delete what could be left alone.
          yield* api.deleteStatefulSet(names.executors, "Foreground").pipe(Effect.mapError(fail("kill", ref.name)))
          yield* api.deleteService(names.service).pipe(Effect.mapError(fail("kill", ref.name)))
        }
        const gone = yield* w.pods.changes.pipe(
          Stream.filter(HashMap.isEmpty),
          Stream.runHead,
          Effect.timeout(Duration.millis(config.killTimeoutMs)),
          Effect.option
        )
        if (Option.isNone(gone)) yield* Effect.logWarning(`kill: pods of ${ref.name} still terminating after ${config.killTimeoutMs} ms; Kubernetes finishes deleting them`)
        yield* stopWatch(ref.name)
      })

    const restart = (ref: TopologyRef, container: Option.Option<number>) =>
      Effect.gen(function*() {
        const pods = yield* podsOf("restart", ref)
        if (pods.length === 0) return yield* refuse("restart", ref.name, `topology ${ref.name} is not scheduled in namespace ${config.namespace}`)
        if (Option.isNone(container)) {
          yield* api.deletePods(selectorString(topologySelector(ref))).pipe(Effect.mapError(fail("restart", ref.name)))
          return
        }
        if (!pods.some((p) => Option.contains(p.index, container.value))) {
          return yield* refuse("restart", ref.name, `topology ${ref.name} has no container ${container.value}`)
        }
        yield* api.deletePod(podName(ref.name, container.value)).pipe(Effect.mapError(fail("restart", ref.name)))
      })

    const status = (ref: TopologyRef) =>
      podsOf("status", ref).pipe(Effect.map((pods) =>
        pods.flatMap((p) =>
          Option.toArray(Option.map(p.index, (index) =>
            new ContainerStatus({
              index,
              state: stateOf(p),
              handle: `${p.name}@${p.uid}`,
              restarts: p.restarts,
              ...Option.match(p.terminating ? Option.some("terminating") : p.reason, { onNone: () => ({}), onSome: (message) => ({ message }) })
            })))
        ).sort((a, b) => a.index - b.index)
      ))

    const jobLinks = (ref: TopologyRef) => {
      const names = objectNames(ref.name)
      const fill = (template: string) =>
        template.replaceAll("{namespace}", config.namespace).replaceAll("{topology}", ref.name).replaceAll("{cluster}", ref.cluster)
          .replaceAll("{role}", ref.role).replaceAll("{environ}", ref.environ)
      const base = `${api.server.replace(/\/$/, "")}/apis/apps/v1/namespaces/${config.namespace}/statefulsets`
      return Effect.succeed(config.jobLinks === undefined ? [`${base}/${names.manager}`, `${base}/${names.executors}`] : config.jobLinks.map(fill))
    }

    const guarded = <A>(op: string, ref: TopologyRef, self: Effect.Effect<A, SchedulerError>) =>
      validName(op, ref).pipe(Effect.zipRight(self), Effect.annotateLogs({ topology: ref.name }), Effect.withSpan(`KubernetesScheduler.${op}`))

    const service: SchedulerService = {
      schedule: (request) => guarded("schedule", request.topology, schedule(request)),
      kill: (ref) => guarded("kill", ref, kill(ref)),
      restart: (ref, container) => guarded("restart", ref, restart(ref, container)),
      update: (request) => guarded("update", request.topology, update(request)),
      status: (ref) => guarded("status", ref, status(ref)),
      jobLinks: (ref) => guarded("jobLinks", ref, jobLinks(ref))
    }
    return {
      scheduler: Scheduler.of(service),
      stats: KubernetesApiStats.of({ requests: api.counts, watches: FiberMap.size(fibers) })
    }
  })

/** The `kubernetes` scheduler as a layer; its scope owns the watches (closing it leaves pods running). */
export const layer = (config: Config): Layer.Layer<Scheduler, PluginError> =>
  Layer.scoped(Scheduler, Effect.map(make(config), (s) => s.scheduler))

/** The scheduler and its request counts (for benchmarks and tests). */
export const layerWithStats = (config: Config): Layer.Layer<Scheduler | KubernetesApiStats, PluginError> =>
  Layer.scopedContext(Effect.map(make(config), (s) => Context.make(Scheduler, s.scheduler).pipe(Context.add(KubernetesApiStats, s.stats))))
