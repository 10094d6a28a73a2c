/** Helpers shared by the tests of every scheduler plugin: the plugin built as the host builds it,
 * polling until a condition holds, collected logs, and the probe fixture. */
import { NodeContext } from "@effect/platform-node"
import { Context, type Duration, Effect, Layer, Logger, Schema, type Scope } from "effect"
import { fileURLToPath } from "node:url"
import { type PluginDefinition, type PluginError, PluginHost } from "../../../core/Plugin.js"
import { Scheduler, type SchedulerService } from "../../../core/Scheduler.js"

/** A stand-in executor that records its argv, environment and folder in `$PROBE_DIR`, then exits. */
export const probe = fileURLToPath(new URL("./fixtures/probe.mjs", import.meta.url))

/** The host a plugin is built for: its cluster's name and home folder. */
export interface Host {
  readonly cluster: string
  readonly home: string
}

/** A scheduler plugin's layer as the host builds it: `options` decoded through the definition's
 * schema (a bad option throws here), the host and Node's platform provided. */
export const schedulerLayer = <A, I>(definition: PluginDefinition<"scheduler", A, I>, host: Host, options: I) =>
  definition.layer(Schema.decodeUnknownSync(definition.config)(options)).pipe(
    Layer.provide(Layer.mergeAll(Layer.succeed(PluginHost, host), NodeContext.layer))
  )

/** `schedulerLayer` built in the current scope: closing the scope stops the plugin. */
export const buildScheduler = <A, I>(definition: PluginDefinition<"scheduler", A, I>, host: Host, options: I): Effect.Effect<SchedulerService, PluginError, Scope.Scope> =>
  Layer.build(schedulerLayer(definition, host, options)).pipe(Effect.map((ctx) => Context.get(ctx, Scheduler)))

/**
 * `eventually` for one scheduler's tests: repeats `self` every `every` until `done` holds, and dies
 * with the last value after `timeoutMs` (by default `defaultTimeoutMs`). Each scheduler polls at
 * the pace of what it waits for (a local process, the API-server double, a real Slurm).
 */
export const eventuallyEvery = (every: Duration.DurationInput, defaultTimeoutMs: number) =>
<A, E, R>(self: Effect.Effect<A, E, R>, done: (a: A) => boolean, timeoutMs = defaultTimeoutMs): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const a = yield* self
      if (done(a)) return a
      if (Date.now() > deadline) return yield* Effect.dieMessage(`timed out; last value: ${JSON.stringify(a)}`)
      yield* Effect.sleep(every)
    }
  })

/** A logger that collects every line (message and annotations, as text) in `lines`. */
export const collectingLogs = (lines: Array<string>) =>
  Logger.replace(Logger.defaultLogger, Logger.make(({ annotations, message }) => {
    lines.push(`${JSON.stringify(message)} ${JSON.stringify([...annotations])}`)
  }))
