/**
 * The one failure the `heron` verbs end with: a line fit to print after `heron: error: `.
 */
import { Data } from "effect"

/** A verb failed; `message` says what failed and, where it can, what to do. */
export class CommandError extends Data.TaggedError("CommandError")<{ readonly message: string }> {}

/** Maps any error with a message to a {@link CommandError}, prefixed with what was being done. */
export const because = (what: string) => (e: { readonly message: string }): CommandError =>
  new CommandError({ message: what === "" ? e.message : `${what}: ${e.message}` })
