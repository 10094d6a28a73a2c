/**
 * Where an instance's emitted tuples go. The instance chooses the destination tasks at emit time
 * (so stream managers forward by task id without decoding payloads): for each output stream of the
 * component, every subscribing bolt with its grouping and its tasks in the current physical plan.
 */
import type { BuiltTopology, CustomGroupingFn, GroupingSpec, Values } from "../../topology/Api.js"
import { hashFields } from "./FieldHash.js"

/** One bolt subscribing to a stream. */
export interface Subscriber {
  readonly bolt: string
  readonly grouping: GroupingSpec["_tag"]
  /** The bolt's tasks, ascending. */
  readonly tasks: ReadonlyArray<number>
  /** For fields grouping: indexes of the grouping fields in the stream's fields. */
  readonly fieldIndexes: ReadonlyArray<number>
  readonly custom: CustomGroupingFn | undefined
  /** Round-robin position for shuffle. */
  next: number
}

/** One output stream of the component. */
export interface Route {
  /** Index in the topology-wide stream table (see `streamTable`). */
  readonly streamId: number
  readonly stream: string
  readonly fields: ReadonlyArray<string>
  readonly subscribers: ReadonlyArray<Subscriber>
}

/** A refused emit: undeclared stream, wrong arity, missing or bad direct task, bad custom choice. */
export class EmitError extends Error {
  override readonly name = "EmitError"
}

/** Every (component, stream) of the topology, in declaration order: the ids DATA frames carry. */
export const streamTable = (topology: BuiltTopology): ReadonlyArray<{ readonly component: string; readonly stream: string; readonly fields: ReadonlyArray<string> }> =>
  topology.components.flatMap((c) => Object.entries(c.outputs).map(([stream, fields]) => ({ component: c.name, stream, fields })))

/** The routes of `component`'s output streams, given each component's tasks. */
export const routesOf = (
  topology: BuiltTopology,
  component: string,
  componentTasks: (component: string) => ReadonlyArray<number>
): ReadonlyMap<string, Route> => {
  const table = streamTable(topology)
  const routes = new Map<string, Route>()
  table.forEach((s, streamId) => {
    if (s.component !== component) return
    const subscribers: Array<Subscriber> = []
    for (const c of topology.components) {
      for (const input of c.inputs) {
        if (input.component !== component || input.stream !== s.stream) continue
        const tasks = [...componentTasks(c.name)].sort((a, b) => a - b)
        const g = input.grouping
        const fieldIndexes = g._tag === "fields" ? g.fields.map((f) => s.fields.indexOf(f)) : []
        if (fieldIndexes.some((i) => i < 0)) throw new EmitError(`${c.name} groups ${component}/${s.stream} on fields not declared by it`)
        subscribers.push({
          bolt: c.name,
          grouping: g._tag,
          tasks,
          fieldIndexes,
          custom: g._tag === "custom" ? g.choose : undefined,
          // Start shuffles at different tasks in different instances, so that many emitters do not move in lockstep.
          next: Math.floor(Math.random() * Math.max(1, tasks.length))
        })
      }
    }
    routes.set(s.stream, { streamId, stream: s.stream, fields: s.fields, subscribers })
  })
  return routes
}

/**
 * Calls `send(task)` for each task of `sub` that receives a tuple with `values`. `directTask` is
 * the emit's direct task (required for a direct grouping, ignored otherwise).
 */
export const chooseTasks = (sub: Subscriber, values: Values, directTask: number | undefined, send: (task: number) => void): void => {
  const tasks = sub.tasks
  const n = tasks.length
  if (n === 0) return
  switch (sub.grouping) {
    case "shuffle": {
      const i = sub.next
      sub.next = i + 1 >= n ? 0 : i + 1
      send(tasks[i]!)
      return
    }
    case "fields":
      send(tasks[hashFields(values, sub.fieldIndexes) % n]!)
      return
    case "all":
      for (let i = 0; i < n; i++) send(tasks[i]!)
      return
    case "global":
      send(tasks[0]!)
      return
    case "direct":
      if (directTask === undefined) throw new EmitError(`${sub.bolt} subscribes with a direct grouping: emit with { directTask }`)
      if (!tasks.includes(directTask)) throw new EmitError(`direct task ${directTask} is not a task of ${sub.bolt} (${tasks.join(", ")})`)
      send(directTask)
      return
    case "custom": {
      const chosen = sub.custom === undefined ? [] : sub.custom(values, tasks)
      for (const t of chosen) {
        if (!tasks.includes(t)) throw new EmitError(`custom grouping chose task ${t}, not a task of ${sub.bolt} (${tasks.join(", ")})`)
        send(t)
      }
      return
    }
  }
}
