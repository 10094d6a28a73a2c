/**
 * The topology API users write against: spouts, bolts, tuples, collectors, groupings, metrics.
 * Plain TypeScript (no Effect needed in user code). A topology file default-exports the value of
 * `TopologyBuilder.build(...)`; the CLI bundles it, and each container imports the bundle again to
 * run its instances, so component code is never serialized.
 */

/** The values of one tuple, in the order of its stream's declared fields. */
export type Values = ReadonlyArray<unknown>

export const DEFAULT_STREAM = "default"
/** The stream of tick tuples (`topology.tick.tuple.freq.secs`). */
export const TICK_STREAM = "__tick"
/** The component name of tick tuples. */
export const SYSTEM_COMPONENT = "__system"

/** A tuple as a bolt receives it. */
export interface Tuple {
  /** The component and task that emitted it. */
  readonly sourceComponent: string
  readonly sourceTask: number
  readonly stream: string
  readonly values: Values
  /** The declared fields of `stream`. */
  readonly fields: ReadonlyArray<string>
  /** The value of one declared field. Throws when the field is not declared. */
  readonly get: (field: string) => unknown
  /** True for tick tuples. */
  readonly isTick: boolean
}

export interface EmitOptions {
  /** Default `"default"`. */
  readonly stream?: string
  /** For a direct grouping: the task that receives the tuple. */
  readonly directTask?: number
}

export interface SpoutEmitOptions extends EmitOptions {
  /** Set to track the tuple (at-least-once): `ack(messageId)` or `fail(messageId)` follows. */
  readonly messageId?: unknown
}

export interface BoltEmitOptions extends EmitOptions {
  /** Anchors: the new tuple joins the tuple trees of these inputs (at-least-once). */
  readonly anchors?: ReadonlyArray<Tuple>
}

export interface SpoutCollector {
  /** Emits a tuple; returns the task ids it was sent to. */
  readonly emit: (values: Values, options?: SpoutEmitOptions) => ReadonlyArray<number>
  /** Reports an error to the Tracker's exceptions without failing the instance. */
  readonly reportError: (error: unknown) => void
}

export interface BoltCollector {
  readonly emit: (values: Values, options?: BoltEmitOptions) => ReadonlyArray<number>
  /** Acknowledges an input: its tuple tree may complete. */
  readonly ack: (input: Tuple) => void
  /** Fails an input: the spout's `fail` is called for its root. */
  readonly fail: (input: Tuple) => void
  readonly reportError: (error: unknown) => void
}

/** A metric an instance registers; collected every interval and sent to the metrics manager. */
export interface Metric {
  /** The value for this interval, then the metric resets (for counters) or keeps (for gauges). */
  readonly getValueAndReset: () => number | undefined
}

export interface TopologyContext {
  readonly topologyName: string
  readonly topologyId: string
  readonly componentName: string
  readonly taskId: number
  /** Index among this component's instances, 0-based. */
  readonly componentIndex: number
  /** The merged config: topology config, then this component's. */
  readonly config: Readonly<Record<string, string>>
  /** The task ids of a component, ascending. */
  readonly componentTasks: (component: string) => ReadonlyArray<number>
  /** Registers a user metric, reported every `intervalSecs` (default the topology's metrics interval). */
  readonly registerMetric: <M extends Metric>(name: string, metric: M, intervalSecs?: number) => M
}

type MaybePromise<A> = A | Promise<A>

export interface Spout {
  readonly open?: (context: TopologyContext, collector: SpoutCollector) => MaybePromise<void>
  /** Called repeatedly while the topology is active and `max.spout.pending` allows; emit 0..n tuples. */
  readonly nextTuple: () => MaybePromise<void>
  readonly ack?: (messageId: unknown) => void
  readonly fail?: (messageId: unknown) => void
  readonly activate?: () => void
  readonly deactivate?: () => void
  readonly close?: () => MaybePromise<void>
}

export interface Bolt {
  readonly prepare?: (context: TopologyContext, collector: BoltCollector) => MaybePromise<void>
  readonly execute: (input: Tuple) => MaybePromise<void>
  readonly cleanup?: () => MaybePromise<void>
}

/** Output streams and their fields, e.g. `{ default: ["word", "count"] }`. */
export type OutputDeclaration = Readonly<Record<string, ReadonlyArray<string>>>

export interface SpoutSpec {
  readonly kind: "spout"
  readonly outputs: OutputDeclaration
  /** Creates one instance; called once per task, inside the container. */
  readonly create: () => Spout
}

export interface BoltSpec {
  readonly kind: "bolt"
  readonly outputs: OutputDeclaration
  readonly create: () => Bolt
}

/** Declares a spout: its output streams and how to create an instance. */
export const spout = (s: Omit<SpoutSpec, "kind">): SpoutSpec => ({ kind: "spout", ...s })
/** Declares a bolt: its output streams (none for a sink) and how to create an instance. */
export const bolt = (s: Omit<BoltSpec, "kind"> | { readonly create: () => Bolt }): BoltSpec => ({
  kind: "bolt",
  outputs: "outputs" in s ? s.outputs : {},
  create: s.create
})

/** Chooses the receiving tasks of a tuple among `targetTasks` (custom grouping). */
export type CustomGroupingFn = (values: Values, targetTasks: ReadonlyArray<number>) => ReadonlyArray<number>

/** How a stream's tuples are spread over the subscribing bolt's tasks. */
export type GroupingSpec =
  | { readonly _tag: "shuffle" }
  | { readonly _tag: "fields"; readonly fields: ReadonlyArray<string> }
  | { readonly _tag: "all" }
  | { readonly _tag: "global" }
  | { readonly _tag: "direct" }
  | { readonly _tag: "custom"; readonly name: string; readonly choose: CustomGroupingFn }

export const shuffle = (): GroupingSpec => ({ _tag: "shuffle" })
export const fields = (...names: ReadonlyArray<string>): GroupingSpec => ({ _tag: "fields", fields: names })
export const all = (): GroupingSpec => ({ _tag: "all" })
/** Every tuple to the bolt's lowest task. */
export const global = (): GroupingSpec => ({ _tag: "global" })
export const direct = (): GroupingSpec => ({ _tag: "direct" })
export const custom = (choose: CustomGroupingFn, name = "custom"): GroupingSpec => ({ _tag: "custom", name, choose })

export type ReliabilityMode = "at-most-once" | "at-least-once"

/** Resources of one instance. RAM and disk in bytes. */
export interface InstanceResources {
  readonly cpu: number
  readonly ram: number
  readonly disk: number
}

/** Topology config, as users give it to `build`. Stored as Heron's string keys (see `configKeys`). */
export interface TopologyOptions {
  /** Number of containers running instances (`topology.stmgrs`); container 0 (TManager) is extra. Default 1. */
  readonly containers?: number
  readonly reliability?: ReliabilityMode
  /** `topology.message.timeout.secs`, default 30. */
  readonly messageTimeoutSecs?: number
  /** `topology.max.spout.pending`: un-acked tuples per spout task (at-least-once). Default 1000 (0 = unbounded). */
  readonly maxSpoutPending?: number
  /** `topology.metrics.interval.secs`: how often instance metrics are collected. Default 60. */
  readonly metricsIntervalSecs?: number
  /** `topology.tick.tuple.freq.secs` for every bolt (a bolt's own `.config` wins). Default none. */
  readonly tickFreqSecs?: number
  /** Default resources of each instance. */
  readonly instanceResources?: Partial<InstanceResources>
  /** Resources per component, overriding `instanceResources`. */
  readonly componentResources?: Readonly<Record<string, Partial<InstanceResources>>>
  /** Any other `topology.*` key. */
  readonly config?: Readonly<Record<string, string | number | boolean>>
}

/** Heron's config keys for the typed options. */
export const configKeys = {
  containers: "topology.stmgrs",
  reliability: "topology.reliability.mode",
  messageTimeoutSecs: "topology.message.timeout.secs",
  maxSpoutPending: "topology.max.spout.pending",
  tickFreqSecs: "topology.tick.tuple.freq.secs",
  metricsIntervalSecs: "topology.metrics.interval.secs",
  componentCpu: "topology.component.cpumap",
  componentRam: "topology.component.rammap",
  componentDisk: "topology.component.diskmap",
  containerMaxCpu: "topology.container.max.cpu.hint",
  containerMaxRam: "topology.container.max.ram.hint",
  containerMaxDisk: "topology.container.max.disk.hint",
  /** Resources each container adds to its instances' for its stream manager and metrics manager. */
  containerCpuPadding: "topology.container.cpu.padding",
  containerRamPadding: "topology.container.ram.padding",
  containerDiskPadding: "topology.container.disk.padding"
} as const

/** One subscription of a bolt, with the live grouping (custom groupings carry their function). */
export interface InputDef {
  readonly component: string
  readonly stream: string
  readonly grouping: GroupingSpec
}

export interface ComponentDef {
  readonly name: string
  readonly kind: "spout" | "bolt"
  readonly parallelism: number
  readonly outputs: OutputDeclaration
  readonly inputs: ReadonlyArray<InputDef>
  /** Component-level config (e.g. `topology.tick.tuple.freq.secs`), as strings. */
  readonly config: Readonly<Record<string, string>>
  readonly spec: SpoutSpec | BoltSpec
}

export const BuiltTopologyTypeId: unique symbol = Symbol.for("heron-runtime/BuiltTopology")

/** A validated topology: what a topology file default-exports. */
export interface BuiltTopology {
  readonly [BuiltTopologyTypeId]: true
  readonly name: string
  /** Topology config as Heron's string keys, defaults applied. */
  readonly config: Readonly<Record<string, string>>
  /** The keys of `config` the topology set itself (not built-in defaults), so that a cluster's
   * `topologyDefaults` apply between the two. Absent: all of `config` is the topology's own. */
  readonly userConfig?: Readonly<Record<string, string>>
  /** Spouts first, then bolts, in declaration order. */
  readonly components: ReadonlyArray<ComponentDef>
}

export const isBuiltTopology = (u: unknown): u is BuiltTopology =>
  typeof u === "object" && u !== null && BuiltTopologyTypeId in u
