/**
 * The benchmark's own handle on the `local` cluster it runs, in this process: the cluster loaded
 * from the same files the runtime loads (with `HERON_HOME` pointing at the run's temporary home)
 * and its state manager started, as the `heron` CLI does. Effects run through {@link Session.run}
 * share one scope: what they start (a metrics cache, the state manager) lives until `close`.
 * Their logs below warnings are dropped (stdout is the table's).
 */
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { ConfigProvider, Effect, Exit, Layer, Logger, LogLevel, ManagedRuntime, Option, Scope } from "effect"
import * as Control from "../../core/cli/heron/Control.js"
import type { StateManagerService } from "../../core/StateManager.js"

type Services = NodeContext.NodeContext | HttpClient.HttpClient

export interface Session {
  readonly stateManager: StateManagerService
  /** Runs `effect` in the session's scope (its resources live until {@link close}). */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Services | Scope.Scope>) => Promise<A>
  /** Closes the scope: stops what the session's effects started. Safe to call twice. */
  readonly close: () => Promise<void>
}

/** Opens cluster `local` under `home`. */
export const open = async (home: string): Promise<Session> => {
  const runtime = ManagedRuntime.make(Layer.merge(NodeContext.layer, FetchHttpClient.layer))
  const scope = await runtime.runPromise(Scope.make())
  const config = ConfigProvider.fromMap(new Map([["HERON_HOME", home]])).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
  const run = <A, E>(effect: Effect.Effect<A, E, Services | Scope.Scope>): Promise<A> =>
    runtime.runPromise(effect.pipe(Scope.extend(scope), Effect.withConfigProvider(config), Logger.withMinimumLogLevel(LogLevel.Warning)))
  let closed: Promise<void> | undefined
  const close = () => {
    closed ??= runtime.runPromise(Scope.close(scope, Exit.void)).finally(() => runtime.dispose())
    return closed
  }
  try {
    const control = await run(Effect.flatMap(Control.loadCluster("local", Option.none()), Control.open))
    return { stateManager: control.stateManager, run, close }
  } catch (e) {
    await close()
    throw e
  }
}
