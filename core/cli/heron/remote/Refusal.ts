/**
 * How a `heron --service-url` command words the API server's failures: one line, naming the server
 * and the HTTP status when the request itself was refused (401, 403, 400), and the server's own
 * message (which is the CLI's message for the same failure) otherwise.
 */
import { Effect } from "effect"
import { MAX_WAIT_SECS } from "../../../api/Limits.js"
import { CommandError } from "../CommandError.js"

/** A failure of the API server, as decoded from its answer (`issues` for a request the API could
 * not decode: its path or query). */
export interface ServerFailure {
  readonly _tag: string
  readonly message: string
  readonly issues?: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }>
}

const firstLine = (e: ServerFailure): string => {
  const issue = e.issues?.[0]
  if (issue !== undefined) return `${issue.path.map(String).join(".")}: ${issue.message}`
  return e.message.split("\n")[0] ?? e.message
}

const status: Readonly<Record<string, number>> = { ApiUnauthorized: 401, ApiForbidden: 403, ApiBadRequest: 400, HttpApiDecodeError: 400 }

/** The one-line error for a failure of the API server at `url`; `tokenGiven` adds a hint on 401. */
export const refusal = (url: string, tokenGiven: boolean) => (e: ServerFailure): CommandError => {
  const code = status[e._tag]
  if (code === undefined) return new CommandError({ message: e.message })
  const hint = code === 401 && !tokenGiven ? " (give a token with --token or HERON_API_TOKEN)" : ""
  return new CommandError({ message: `the API server at ${url} refused the request (${code}): ${firstLine(e)}${hint}` })
}

/** Fails unless `seconds` is a wait the API server accepts. */
export const checkWait = (seconds: number): Effect.Effect<void, CommandError> =>
  seconds >= 1 && seconds <= MAX_WAIT_SECS
    ? Effect.void
    : Effect.fail(new CommandError({ message: `--timeout ${seconds}: through --service-url, between 1 and ${MAX_WAIT_SECS} seconds` }))

/** The API server could not be reached, or answered something that is not the API's. */
export const unreachable = (url: string, detail: string): CommandError =>
  new CommandError({ message: `cannot reach the API server at ${url}: ${detail}` })
