/**
 * Options of the `aurora` scheduler, as written in a cluster file. Every field is optional; the
 * decoded value carries the defaults except `cluster`, `role` and `env`, whose defaults come from
 * the runtime's cluster and each topology.
 */
import { Schema } from "effect"

/** A binding name, as `aurora --bind NAME=VALUE` and `{{NAME}}` in a job file take it. */
const BindingName = Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_.]*$/, { message: () => "a binding name: letters, digits, '_' and '.'" }))

export class Config extends Schema.Class<Config>("AuroraSchedulerConfig")({
  /** The `aurora` client: a path, or a name looked up on PATH. */
  client: Schema.optionalWith(Schema.NonEmptyString, { default: () => "aurora" }),
  /** The Aurora cluster (the first part of job keys, as in `clusters.json`). Default: the name of
   * the heron-runtime cluster. */
  cluster: Schema.optional(Schema.NonEmptyString),
  /** The Aurora role jobs run as. Default: the topology's role. */
  role: Schema.optional(Schema.NonEmptyString),
  /** The Aurora environment (`prod`, `devel`, `test` or `staging<N>`). Default: the topology's environ. */
  env: Schema.optional(Schema.NonEmptyString),
  /** Extra `--bind NAME=VALUE` given to `aurora job create`, for `{{NAME}}` in `setupCommands`. */
  bindings: Schema.optionalWith(Schema.Record({ key: BindingName, value: Schema.String }), { default: () => ({}) }),
  /** Bindings whose values are secrets (usually `env("...")`): passed the same way, printed as
   * `<redacted>` in every log line and error. */
  secretBindings: Schema.optionalWith(Schema.Record({ key: BindingName, value: Schema.Redacted(Schema.String) }), { default: () => ({}) }),
  /** Shell commands each instance runs, in order, before the Heron executor (e.g. fetching
   * heron-runtime onto the agent): one Thermos process each. */
  setupCommands: Schema.optionalWith(Schema.Array(Schema.NonEmptyString), { default: () => [] }),
  /** The Aurora scheduler's web address (`http://aurora:8081`), for job links. Default: the job URL
   * `aurora job create` printed. */
  schedulerUrl: Schema.optional(Schema.String.pipe(Schema.filter((u) => /^https?:\/\/[^/]+/.test(u) || "an http:// or https:// URL"))),
  /** How long one `aurora` command may run (`job create` waits until every instance runs). */
  commandTimeoutMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 600_000 })
}) {}
