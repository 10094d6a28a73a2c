/**
 * The clusters this runtime serves, each with the services its plugins built. Read by the Tracker
 * and the supervisors; built once at start-up by the runtime from the cluster definitions.
 */
import { Context, Effect, Layer, Option } from "effect"
import type { MetricsSinkService } from "./MetricsSink.js"
import type { SchedulerService } from "./Scheduler.js"
import type { StateManagerService } from "./StateManager.js"
import type { TopologyCache } from "./tracker/TopologyCache.js"
import type { UploaderService } from "./Uploader.js"

export interface ClusterServices {
  readonly name: string
  /** The cluster's data folder (`<root>/<cluster>`). */
  readonly home: string
  readonly stateManager: StateManagerService
  readonly scheduler: SchedulerService
  readonly uploader: UploaderService
  readonly sinks: ReadonlyArray<{ readonly name: string; readonly sink: MetricsSinkService }>
  /** The resolved definition with secrets redacted: safe to print or serve. */
  readonly redacted: unknown
  /** The Tracker's watched view of the cluster's topologies (the runtime starts it); without it,
   * the Tracker reads the state manager on every request. */
  readonly topologies?: TopologyCache
}

export interface ClustersService {
  /** In the order given on the command line. */
  readonly all: ReadonlyArray<ClusterServices>
  readonly get: (name: string) => Option.Option<ClusterServices>
}

export class Clusters extends Context.Tag("heron/Clusters")<Clusters, ClustersService>() {}

export const make = (all: ReadonlyArray<ClusterServices>): ClustersService => ({
  all,
  get: (name) => Option.fromNullable(all.find((c) => c.name === name))
})

/** A fixed set of clusters, for tests. */
export const layerOf = (all: ReadonlyArray<ClusterServices>): Layer.Layer<Clusters> =>
  Layer.effect(Clusters, Effect.succeed(make(all)))
