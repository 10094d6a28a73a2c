/**
 * Why a topology could not be packed into containers. The message gives the numbers: what the
 * instance asks and what a container can hold (`heron submit` prints it as is).
 */
import { Schema } from "effect"

export class PackingError extends Schema.TaggedError<PackingError>()("PackingError", {
  message: Schema.String
}) {}
