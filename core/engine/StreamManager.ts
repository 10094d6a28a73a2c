/**
 * The stream manager of container c ≥ 1: listens for data connections from the other stream
 * managers, starts its instances (worker threads), finds the TManager through
 * `tmanagers/<topology>` (following it when it moves, reconnecting with backoff when the
 * connection drops), registers, and applies every physical plan it is sent: routing table,
 * connections to the other stream managers, and the plan each instance needs (task lists,
 * RUNNING / PAUSED, config). Tuples themselves go through the DataPlane, off the Effect runtime.
 */
import { Duration, Effect, FiberSet, Option, Schedule, type Scope, Stream } from "effect"
import type * as net from "node:net"
import type { MetricsSinkService } from "../MetricsSink.js"
import type { TManagerLocation } from "../model/Locations.js"
import type { ContainerPlan } from "../model/PackingPlan.js"
import type { PhysicalPlan } from "../model/PhysicalPlan.js"
import type { StateManagerService } from "../StateManager.js"
import { configKeys } from "../topology/Api.js"
import { EngineError } from "./EngineError.js"
import * as InstanceWorkers from "./InstanceWorkers.js"
import { instanceId, stmgrId } from "./internal/Assemble.js"
import * as Control from "./internal/Control.js"
import { DataPlane } from "./internal/DataPlane.js"
import { acceptPeer } from "./internal/PeerSocket.js"
import { listen } from "./internal/Net.js"
import { PeerClient } from "./internal/PeerClient.js"
import { connectTManager } from "./internal/TManagerClient.js"
import type { PlanMessage } from "./internal/WorkerProtocol.js"
import * as MetricsManager from "./MetricsManager.js"
import * as Shell from "./shell/Shell.js"
import { stmgrMetrics, watermarksOf } from "./internal/StmgrConfig.js"

/** What a stream manager needs: its container, addresses, services and the topology. */
export interface StreamManagerOptions {
  readonly cluster: string
  readonly topologyName: string
  readonly topologyId: string
  readonly container: number
  readonly host: string
  readonly listenHost: string
  readonly cwd: string
  readonly stateManager: StateManagerService
  readonly sinks: ReadonlyArray<{ readonly name: string; readonly sink: MetricsSinkService }>
  /** Absolute path of the topology module the instances import. */
  readonly module: string
  /** This container's part of the packing plan. */
  readonly containerPlan: ContainerPlan
  /** The topology's config at start-up (watermarks, timeouts, metrics interval). */
  readonly config: Readonly<Record<string, string>>
  /** The cluster's metrics interval (`metrics.intervalSecs`); the topology's own setting wins. */
  readonly metricsIntervalSecs?: number | undefined
}

const numberConfig = (config: Readonly<Record<string, string>>, key: string, fallback: number): number => {
  const n = Number(config[key])
  return config[key] !== undefined && Number.isFinite(n) ? n : fallback
}

/** Runs the stream manager until interrupted. */
export const run = (o: StreamManagerOptions): Effect.Effect<never, EngineError, Scope.Scope> =>
  Effect.gen(function* () {
    const self = o.container
    let throttle: (on: boolean) => void = () => {}
    const plane = new DataPlane({
      container: self,
      localTasks: o.containerPlan.instances.map((i) => i.taskId),
      watermarks: watermarksOf(o.config),
      messageTimeoutMs: numberConfig(o.config, configKeys.messageTimeoutSecs, 30) * 1000,
      onPaused: (paused) => throttle(paused)
    })

    // Each peer's connection to this one carries what this one sends it (see PeerSocket.ts); what
    // it sends comes on the connection this one opens to it (PeerClient).
    const { port } = yield* listen(stmgrId(self), o.listenHost, 0, (socket: net.Socket) => acceptPeer(socket, plane))
    const address = `${o.host}:${port}`
    const runFork = yield* FiberSet.makeRuntime<never>()
    yield* Effect.logInfo(`${stmgrId(self)} listening on ${address} with ${o.containerPlan.instances.length} instance(s)`)

    const metrics = yield* MetricsManager.make({
      sinks: o.sinks, cluster: o.cluster, topologyName: o.topologyName, topologyId: o.topologyId, container: self, address,
      stateManager: o.stateManager
    })
    const intervalSecs = MetricsManager.effectiveIntervalSecs(o.config, o.metricsIntervalSecs)
    const specs = o.containerPlan.instances.map((i) => ({
      instanceId: instanceId(self, i.componentName, i.taskId),
      component: i.componentName,
      taskId: i.taskId,
      componentIndex: i.componentIndex
    }))
    const workers = yield* InstanceWorkers.start({
      module: o.module,
      instances: specs,
      plane,
      events: {
        metrics: (spec, m) => metrics.instance(spec.component, spec.instanceId, m),
        exception: (spec, report, fatal) => {
          metrics.exception(spec.component, spec.instanceId, report)
          runFork(fatal
            ? Effect.logError(`instance ${spec.instanceId} failed: ${report.stack}`)
            : Effect.logWarning(`instance ${spec.instanceId} reported: ${report.message}`))
        }
      }
    })
    throttle = workers.throttle
    const shell = yield* Shell.serve({
      container: self, role: "stream manager", cwd: o.cwd, listenHost: o.listenHost,
      instances: specs.map((s) => ({ ...s, worker: () => workers.thread(s.instanceId) }))
    })

    // Roots past the message timeout fail; the sweep is cheap (stops at the first live root).
    yield* Effect.sync(() => plane.expire()).pipe(Effect.repeat(Schedule.spaced(Duration.millis(250))), Effect.forkScoped)
    // Each local instance's buffer, by its instance id (time spent in backpressure by instance).
    const instanceLinks = new Map(specs.map((s) => [`instance-${s.taskId}`, s.instanceId]))
    yield* Effect.sync(() => metrics.stmgr(stmgrMetrics(plane, instanceLinks))).pipe(
      Effect.repeat(Schedule.spaced(Duration.seconds(Math.max(0.1, intervalSecs)))),
      Effect.delay(Duration.seconds(Math.max(0.1, intervalSecs))),
      Effect.forkScoped
    )

    const peers = new Map<number, PeerClient>()
    yield* Effect.addFinalizer(() => Effect.sync(() => {
      for (const p of peers.values()) p.close()
    }))
    const logPeer = (message: string) => void runFork(Effect.logDebug(message))

    let lastPlan: string | undefined
    const applyPlan = (plan: PhysicalPlan) =>
      Effect.gen(function* () {
        const containerOf = new Map(plan.stmgrs.map((s) => [s.id, s.containerIndex]))
        const tasks: Record<string, Array<number>> = {}
        const containers: Record<string, number> = {}
        const remote = new Map<number, number>()
        for (const i of plan.instances) {
          ;(tasks[i.componentName] ??= []).push(i.taskId)
          const c = containerOf.get(i.stmgrId)
          if (c === undefined) continue
          containers[String(i.taskId)] = c
          if (c !== self) remote.set(i.taskId, c)
        }
        for (const list of Object.values(tasks)) list.sort((a, b) => a - b)
        plane.setPlan(remote)
        plane.acks.timeoutMs = numberConfig(plan.topology.config, configKeys.messageTimeoutSecs, 30) * 1000
        for (const s of plan.stmgrs) {
          if (s.containerIndex === self) continue
          const existing = peers.get(s.containerIndex)
          if (existing === undefined) peers.set(s.containerIndex, new PeerClient(s.containerIndex, s.host, s.dataPort, plane, logPeer))
          else existing.setAddress(s.host, s.dataPort)
        }
        for (const [c, p] of peers) if (!containerOf.has(stmgrId(c))) {
          p.close()
          peers.delete(c)
        }
        const active = plan.topology.state === "RUNNING"
        const components = new Map(plan.topology.components.map((c) => [c.name, c.config]))
        workers.plan((spec): PlanMessage => ({
          t: "plan",
          tasks,
          containers,
          self,
          active,
          config: { ...plan.topology.config, [configKeys.metricsIntervalSecs]: String(intervalSecs), ...components.get(spec.component) },
          topologyId: plan.topology.id
        }))
        const summary = `${plan.stmgrs.map((s) => `${s.id}@${s.host}:${s.dataPort}`).join(" ")} ${plan.topology.state}`
        if (summary !== lastPlan) yield* Effect.logInfo(`physical plan: ${summary}`)
        lastPlan = summary
      })

    const register = Control.Register.make({
      topologyName: o.topologyName,
      topologyId: o.topologyId,
      containerIndex: self,
      host: o.host,
      dataPort: port,
      pid: process.pid,
      cwd: o.cwd,
      shellPort: shell.port,
      logFiles: shell.logFiles,
      instances: o.containerPlan.instances.map((i) => new Control.RegisteredInstance({
        taskId: i.taskId, componentName: i.componentName, componentIndex: i.componentIndex
      }))
    })
    const session = (loc: TManagerLocation) =>
      connectTManager(loc, register).pipe(
        Stream.tapError((e) => Effect.logInfo(`tmanager connection: ${e.message}; reconnecting`)),
        Stream.retry(Schedule.union(Schedule.exponential(Duration.millis(100)), Schedule.spaced(Duration.seconds(2))))
      )
    return yield* o.stateManager.watch("tmanagers", o.topologyName).pipe(
      Stream.mapError((e) => new EngineError({ message: `watching tmanagers/${o.topologyName}: ${e.message}` })),
      Stream.flatMap(Option.match({ onNone: () => Stream.empty, onSome: session }), { switch: true }),
      Stream.runForEach((m) => (m._tag === "Plan" ? applyPlan(m.plan) : Effect.logError(`tmanager refused this stream manager: ${m.message}`))),
      Effect.zipRight(Effect.never)
    )
  })
