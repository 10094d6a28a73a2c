/**
 * `TopologyBuilder`: declare spouts and bolts, subscribe bolts to streams, then `build`.
 *
 * ```ts
 * export default new TopologyBuilder()
 *   .setSpout("sentence", sentenceSpout, 1)
 *   .setBolt("split", splitBolt, 2).shuffleGrouping("sentence")
 *   .setBolt("count", countBolt, 2).fieldsGrouping("split", ["word"])
 *   .build("word-count", { containers: 2 })
 * ```
 *
 * The builder is mutable, as Heron's: `builder.setBolt(...)` on separate lines works as well as one
 * chain. Nothing is checked until `build`, which throws a `TopologyValidationError` naming the
 * component at fault.
 */
import {
  all,
  custom,
  direct,
  fields,
  global,
  shuffle,
  DEFAULT_STREAM,
  type BoltSpec,
  type BuiltTopology,
  type CustomGroupingFn,
  type GroupingSpec,
  type SpoutSpec,
  type TopologyOptions
} from "./Api.js"
import { buildTopology, type Declaration } from "./internal/build.js"

/** A config value of a component; stored as a string. */
export type ConfigValue = string | number | boolean

/** What `setSpout` returns: the spout's own config, or go on declaring. */
export interface SpoutDeclarer extends Continue {
  /** Sets a config key of this component only (e.g. `topology.tick.tuple.freq.secs`). */
  readonly config: (key: string, value: ConfigValue) => SpoutDeclarer
}

/** What `setBolt` returns: the bolt's subscriptions and config, or go on declaring. */
export interface BoltDeclarer extends Continue {
  /** Sets a config key of this component only (e.g. `topology.tick.tuple.freq.secs`). */
  readonly config: (key: string, value: ConfigValue) => BoltDeclarer
  /** Subscribes to `stream` (default `"default"`) of `component` with any grouping. */
  readonly grouping: (component: string, grouping: GroupingSpec, stream?: string) => BoltDeclarer
  /** Each tuple to one task chosen at random, spreading load evenly. */
  readonly shuffleGrouping: (component: string, stream?: string) => BoltDeclarer
  /** Tuples with equal values of `fields` always to the same task. */
  readonly fieldsGrouping: (component: string, fields: ReadonlyArray<string>, stream?: string) => BoltDeclarer
  /** Each tuple to every task. */
  readonly allGrouping: (component: string, stream?: string) => BoltDeclarer
  /** Every tuple to the bolt's lowest task. */
  readonly globalGrouping: (component: string, stream?: string) => BoltDeclarer
  /** The emitter picks the task (`emit(values, { directTask })`). */
  readonly directGrouping: (component: string, stream?: string) => BoltDeclarer
  /** `choose(values, targetTasks)` picks the tasks; named after the function in the logical plan. */
  readonly customGrouping: (component: string, choose: CustomGroupingFn, stream?: string) => BoltDeclarer
}

/** Declaring goes on from any declarer, so that a whole topology is one expression. */
export interface Continue {
  readonly setSpout: (name: string, spec: SpoutSpec, parallelism?: number) => SpoutDeclarer
  readonly setBolt: (name: string, spec: BoltSpec, parallelism?: number) => BoltDeclarer
  readonly build: (name: string, options?: TopologyOptions) => BuiltTopology
}

export class TopologyBuilder implements Continue {
  private readonly declarations: Array<Declaration> = []

  /** Declares a spout with `parallelism` tasks (default 1). */
  readonly setSpout = (name: string, spec: SpoutSpec, parallelism = 1): SpoutDeclarer =>
    new Declarer(this, this.add("spout", name, spec, parallelism))

  /** Declares a bolt with `parallelism` tasks (default 1); subscribe it with the declarer's groupings. */
  readonly setBolt = (name: string, spec: BoltSpec, parallelism = 1): BoltDeclarer =>
    new Declarer(this, this.add("bolt", name, spec, parallelism))

  /**
   * Validates the topology and returns what a topology file default-exports. Options become Heron's
   * config keys with defaults (1 container, at-most-once, message timeout 30 s, max spout pending
   * 1000, metrics every 60 s, 1 core / 512 MiB / 1 GiB per instance).
   * @throws TopologyValidationError naming the component (or the topology) at fault
   */
  readonly build = (name: string, options: TopologyOptions = {}): BuiltTopology =>
    buildTopology(name, this.declarations, options)

  private add(kind: Declaration["kind"], name: string, spec: SpoutSpec | BoltSpec, parallelism: number) {
    const d: Declaration = { kind, name, spec, parallelism, inputs: [], config: {} }
    this.declarations.push(d)
    return d
  }
}

/** One class behind both declarer types; a spout's declarer is typed without groupings. */
class Declarer implements SpoutDeclarer, BoltDeclarer {
  constructor(private readonly builder: TopologyBuilder, private readonly d: Declaration) {}

  readonly setSpout = (name: string, spec: SpoutSpec, parallelism = 1) => this.builder.setSpout(name, spec, parallelism)
  readonly setBolt = (name: string, spec: BoltSpec, parallelism = 1) => this.builder.setBolt(name, spec, parallelism)
  readonly build = (name: string, options: TopologyOptions = {}) => this.builder.build(name, options)

  readonly config = (key: string, value: ConfigValue): this => {
    this.d.config[key] = String(value)
    return this
  }
  readonly grouping = (component: string, grouping: GroupingSpec, stream: string = DEFAULT_STREAM): this => {
    this.d.inputs.push({ component, stream, grouping })
    return this
  }
  readonly shuffleGrouping = (component: string, stream?: string) => this.grouping(component, shuffle(), stream)
  readonly fieldsGrouping = (component: string, names: ReadonlyArray<string>, stream?: string) =>
    this.grouping(component, fields(...names), stream)
  readonly allGrouping = (component: string, stream?: string) => this.grouping(component, all(), stream)
  readonly globalGrouping = (component: string, stream?: string) => this.grouping(component, global(), stream)
  readonly directGrouping = (component: string, stream?: string) => this.grouping(component, direct(), stream)
  readonly customGrouping = (component: string, choose: CustomGroupingFn, stream?: string) =>
    this.grouping(component, custom(choose, choose.name === "" ? "custom" : choose.name), stream)
}
