/**
 * The shape of a cluster file: `clusters/<name>.heron.ts` default-exports `defineCluster({...})`.
 * `defineCluster` only gives types; the loader validates the whole definition when it loads it.
 */
import type { PluginChoice } from "../core/Plugin.js"

export type PackingAlgorithm = "round-robin" | "resource-compliant-round-robin"

export interface ClusterInput {
  /** Defaults to the file name (`prod` for `prod.heron.ts`). */
  readonly name?: string
  /** Another definition (imported) or the name of another cluster file, deep-merged under this one:
   * objects merge key by key, arrays are replaced, a plugin of the same name merges its options. */
  readonly extends?: ClusterInput | string
  /** Where the cluster keeps its local data. Default `$HERON_HOME`, else `~/.heron`. */
  readonly root?: string
  /** The runtime's HTTP server (Tracker API, UI). Default `127.0.0.1:8888`. */
  readonly tracker?: { readonly host?: string; readonly port?: number }
  readonly scheduler?: PluginChoice<"scheduler">
  readonly stateManager?: PluginChoice<"state-manager">
  readonly uploader?: PluginChoice<"uploader">
  readonly sinks?: ReadonlyArray<PluginChoice<"metrics-sink">>
  readonly packing?: {
    readonly algorithm?: PackingAlgorithm
    /** Per-container limits used by resource-compliant packing (cpu cores, ram/disk in bytes). */
    readonly containerLimits?: { readonly cpu?: number; readonly ram?: number; readonly disk?: number }
  }
  /** Metrics: the reporting interval in seconds (a topology's `topology.metrics.interval.secs`
   * wins) and the limits of each topology's metrics cache. */
  readonly metrics?: {
    readonly intervalSecs?: number
    readonly cache?: { readonly maxSeries?: number; readonly maxMb?: number }
  }
  /** How `heron-runtime` serves the cluster. With `highAvailability`, several runtimes may run at
   * once: they elect a leader through the state manager (ZooKeeper), which alone supervises. */
  readonly runtime?: { readonly highAvailability?: boolean }
  /** Default topology config (`topology.*` keys), overridden by each topology and by the CLI. */
  readonly topologyDefaults?: Readonly<Record<string, string | number | boolean>>
  /** The runtime's API server (`heron --service-url`): bearer tokens per role, as a record or as
   * the text `role:token,role:token` (e.g. `env("HERON_API_TOKENS")`). A token acts for its role
   * only. With no token here nor an access token, only a runtime on 127.0.0.1 serves the API. */
  readonly api?: { readonly tokens?: Readonly<Record<string, string>> | string }
}

/** Declares a cluster. Returns its argument: the value of this function is its types (and an
 * editor's completion and excess-key checks, which a generic signature would lose). */
export const defineCluster = (cluster: ClusterInput): ClusterInput => cluster
