/**
 * The container shell's answers the Tracker passes on as JSON text (`pid`, `jstack`, `histo`,
 * `jmap`, Heron's shape: `{command, stdout, ...}`), decoded with what the UI shows of each.
 */
import { Schema } from "effect"

const base = { command: Schema.String, stdout: Schema.String }

export const PidAnswer = Schema.parseJson(Schema.Struct({
  ...base,
  pid: Schema.Number,
  thread_id: Schema.optional(Schema.NullOr(Schema.Number)),
  container: Schema.optional(Schema.Number),
  instance: Schema.optional(Schema.String)
}))

export const StackAnswer = Schema.parseJson(Schema.Struct({
  ...base,
  threads: Schema.optional(Schema.Array(Schema.Struct({ thread_id: Schema.Number, name: Schema.String, role: Schema.String, stack: Schema.Array(Schema.String) })))
}))

export const HeapSpace = Schema.Struct({
  space_name: Schema.String,
  space_size: Schema.Number,
  space_used_size: Schema.Number,
  space_available_size: Schema.Number,
  physical_space_size: Schema.Number
})

export const HistoAnswer = Schema.parseJson(Schema.Struct({
  ...base,
  heap: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Number })),
  spaces: Schema.optional(Schema.Array(HeapSpace))
}))

export const JmapAnswer = Schema.parseJson(Schema.Struct({
  ...base,
  file: Schema.String,
  size: Schema.Number,
  container: Schema.Number
}))
