/**
 * Registers tsx's ESM loader once per process so that cluster files (`*.heron.ts`) and plugins
 * written in TypeScript can be imported in process, in the same module graph as the runtime.
 */
import { Effect } from "effect"
import { register } from "tsx/esm/api"

let registered = false

export const ensureTsLoader: Effect.Effect<void> = Effect.sync(() => {
  if (!registered) {
    register()
    registered = true
  }
})
