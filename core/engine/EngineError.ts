/**
 * The failure of a container process: what could not be done and why. Reported as one line by the
 * executor bin (exit code 1), after which the scheduler restarts the container.
 */
import { Data } from "effect"

export class EngineError extends Data.TaggedError("EngineError")<{
  readonly message: string
}> {}
