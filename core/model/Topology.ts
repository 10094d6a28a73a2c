/**
 * The logical plan of a topology: its spouts and bolts, their streams and groupings.
 * Stored by the state manager under `/topologies/<name>`.
 */
import { Schema } from "effect"

export const Grouping = Schema.Union(
  Schema.TaggedStruct("shuffle", {}),
  Schema.TaggedStruct("fields", { fields: Schema.NonEmptyArray(Schema.String) }),
  Schema.TaggedStruct("all", {}),
  Schema.TaggedStruct("global", {}),
  Schema.TaggedStruct("direct", {}),
  Schema.TaggedStruct("custom", { name: Schema.String })
)
export type Grouping = typeof Grouping.Type

/** One declared output stream of a component. */
export class StreamSchema extends Schema.Class<StreamSchema>("StreamSchema")({
  stream: Schema.String,
  fields: Schema.Array(Schema.String)
}) {}

/** One subscription of a bolt to a stream of another component. */
export class InputSpec extends Schema.Class<InputSpec>("InputSpec")({
  component: Schema.String,
  stream: Schema.String,
  grouping: Grouping
}) {}

export const ComponentKind = Schema.Literal("spout", "bolt")
export type ComponentKind = typeof ComponentKind.Type

export class Component extends Schema.Class<Component>("Component")({
  name: Schema.String,
  kind: ComponentKind,
  parallelism: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  outputs: Schema.Array(StreamSchema),
  inputs: Schema.Array(InputSpec),
  config: Schema.Record({ key: Schema.String, value: Schema.String })
}) {}

/** Desired run state, as Heron's `TopologyState`. */
export const TopologyState = Schema.Literal("RUNNING", "PAUSED", "KILLED")
export type TopologyState = typeof TopologyState.Type

export class Topology extends Schema.Class<Topology>("Topology")({
  id: Schema.String,
  name: Schema.String,
  state: TopologyState,
  components: Schema.Array(Component),
  config: Schema.Record({ key: Schema.String, value: Schema.String })
}) {
  get spouts(): ReadonlyArray<Component> {
    return this.components.filter((c) => c.kind === "spout")
  }
  get bolts(): ReadonlyArray<Component> {
    return this.components.filter((c) => c.kind === "bolt")
  }
}
