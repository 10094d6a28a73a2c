/**
 * The API server's failures, each with its HTTP status and a `message` that says what is wrong
 * (never a token). Encoded as `{"_tag": "...", "message": "..."}`; the CLI prints the message.
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** 400: a malformed or oversized request; `message` gives the reason (and the limit). */
export class ApiBadRequest extends Schema.TaggedError<ApiBadRequest>()(
  "ApiBadRequest",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400 })
) {}

/** 401: no token, an unknown token, or a server with no token configured that does not listen on
 * 127.0.0.1. Sent with `WWW-Authenticate: Bearer`. */
export class ApiUnauthorized extends Schema.TaggedError<ApiUnauthorized>()(
  "ApiUnauthorized",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401 })
) {}

/** 403: a valid token that does not act for this role (or cluster). */
export class ApiForbidden extends Schema.TaggedError<ApiForbidden>()(
  "ApiForbidden",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403 })
) {}

/** 404: the runtime does not serve the cluster, or no such topology under this role and environ. */
export class ApiNotFound extends Schema.TaggedError<ApiNotFound>()(
  "ApiNotFound",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}

/** 409: the topology's state forbids it now (a name that already runs, a topology being killed). */
export class ApiConflict extends Schema.TaggedError<ApiConflict>()(
  "ApiConflict",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 409 })
) {}

/** 500: the operation failed on the server (state manager, uploader, a wait that timed out);
 * whatever it wrote was rolled back, as by the CLI. */
export class ApiFailed extends Schema.TaggedError<ApiFailed>()(
  "ApiFailed",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 500 })
) {}
