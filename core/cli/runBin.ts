/**
 * Runs a CLI as a Node program: a failure becomes one line on stderr and exit code 1;
 * SIGINT/SIGTERM interrupt the program, run its finalizers and exit 0.
 */
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Effect, Layer } from "effect"
import * as Logging from "../runtime/Logging.js"
import { causeLine } from "./errorLine.js"

/** @effect/cli has already printed its own message for bad arguments and help. */
const isCliValidation = (cause: Cause.Cause<unknown>): boolean =>
  [...Cause.failures(cause)].some(ValidationError.isValidationError)

export const runBin = <E>(name: string, run: (argv: ReadonlyArray<string>) => Effect.Effect<void, E, NodeContext.NodeContext>): void =>
  Effect.suspend(() => run(process.argv)).pipe(
    Effect.tapErrorCause((cause) =>
      Cause.isInterruptedOnly(cause) || isCliValidation(cause) ? Effect.void : Console.error(`${name}: error: ${causeLine(cause)}`)),
    Effect.provide(Layer.merge(NodeContext.layer, Logging.layer([]))),
    (program) => NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
  )
