/**
 * `aurora job status --write-json <job>`: the client's JSON of the job's tasks (Aurora's
 * `ScheduledTask`s, as `render_tasks_json` prints them), or `{"jobspec", "error"}` when the job
 * does not exist. Only active tasks count: a killed or replaced task stays listed as inactive.
 */
import { Effect, Option, ParseResult, Schema } from "effect"
import { ContainerStatus } from "../../../../core/Scheduler.js"

const Event = Schema.Struct({ timestamp: Schema.Number, status: Schema.String, message: Schema.optional(Schema.NullOr(Schema.String)) })
const Task = Schema.Struct({
  assignedTask: Schema.Struct({ taskId: Schema.String, instanceId: Schema.Int, slaveHost: Schema.optional(Schema.NullOr(Schema.String)) }),
  status: Schema.String,
  failureCount: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  taskEvents: Schema.optionalWith(Schema.Array(Event), { default: () => [] })
})
export type Task = typeof Task.Type
const Found = Schema.Array(Schema.Struct({ job: Schema.String, active: Schema.Array(Task), inactive: Schema.Array(Task) }))
const NotFound = Schema.Struct({ jobspec: Schema.String, error: Schema.String })
const Answer = Schema.parseJson(Schema.Union(Found, NotFound))

/** The active tasks of the job, by instance id; empty when the job does not exist. */
export const parse = (stdout: string): Effect.Effect<ReadonlyArray<Task>, string> =>
  Schema.decodeUnknown(Answer)(stdout.trim()).pipe(
    Effect.map((a) => ("error" in a ? [] : a.flatMap((j) => j.active)).slice().sort((x, y) => x.assignedTask.instanceId - y.assignedTask.instanceId)),
    Effect.mapError((e) => `unexpected \`aurora job status --write-json\` output (${ParseResult.TreeFormatter.formatErrorSync(e)}): ${stdout.slice(0, 200)}`)
  )

const pending = new Set(["INIT", "THROTTLED", "PENDING", "ASSIGNED", "STARTING"])

/** A task as the Scheduler contract reports a container: its Aurora status mapped, its task id,
 * its failure count, and the last event's message when it does not run. */
export const toStatus = (t: Task): ContainerStatus => {
  const state = t.status === "RUNNING" ? "running" : pending.has(t.status) ? "pending" : "unknown"
  const last = Option.fromNullable([...t.taskEvents].sort((a, b) => a.timestamp - b.timestamp).at(-1)?.message)
  const message = state === "running" ? undefined : Option.match(last, { onNone: () => t.status, onSome: (m) => `${t.status}: ${m}` })
  return new ContainerStatus({
    index: t.assignedTask.instanceId,
    state,
    handle: t.assignedTask.taskId,
    restarts: t.failureCount,
    ...(message === undefined ? {} : { message })
  })
}
