/**
 * The S3 client of the s3 uploader, and the one way it is called: every call is an Effect that
 * aborts the HTTP request when interrupted and fails with an {@link S3CallError}.
 */
import { S3Client } from "@aws-sdk/client-s3"
import { Data, Effect, Redacted } from "effect"
import { describeFailure, type S3Failure } from "./errors.js"

/** Static credentials, as decoded from the cluster file. */
export interface StaticCredentials {
  readonly accessKeyId: Redacted.Redacted<string>
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken?: Redacted.Redacted<string> | undefined
}

/** How to reach the bucket. */
export interface ClientOptions {
  readonly endpoint?: string | undefined
  readonly region?: string | undefined
  readonly forcePathStyle?: boolean | undefined
  /** Absent: the SDK's default chain (environment, shared config and credentials files, SSO,
   * web identity, ECS and EC2 instance roles). */
  readonly credentials?: StaticCredentials | undefined
}

/** A failed S3 call. */
export class S3CallError extends Data.TaggedError("S3CallError")<{ readonly failure: S3Failure }> {}

/** The credential values, to keep them out of every message. */
export const secretsOf = (o: ClientOptions): ReadonlyArray<string> =>
  o.credentials === undefined
    ? []
    : [o.credentials.accessKeyId, o.credentials.secretAccessKey, ...(o.credentials.sessionToken === undefined ? [] : [o.credentials.sessionToken])]
      .map(Redacted.value)

/** The SDK's own switch for the warning below. */
const NODE_VERSION_WARNING_SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"

/**
 * On Node 20 the SDK's first client prints a multi-line `NodeVersionSupportWarning` (its releases
 * after January 2027 need Node 22) straight to stderr, where it breaks the runtime's and the
 * containers' JSON log lines and lands in the middle of `heron submit`'s progress. The SDK reads
 * its switch from the environment when a client is made, so it is set there, unless the user set
 * it either way.
 */
const quietNodeVersionWarning = (): void => {
  if (process.env[NODE_VERSION_WARNING_SWITCH] === undefined) process.env[NODE_VERSION_WARNING_SWITCH] = "true"
}

/**
 * A client for `o`. The SDK's optional request checksums are off and response checksums are only
 * checked where S3 requires them: several S3-compatible servers (s3rver among them) store the
 * `aws-chunked` framing of a streamed body as its content. The uploader checks every package end
 * to end with its own SHA-256 instead.
 */
export const makeClient = (o: ClientOptions): S3Client => {
  quietNodeVersionWarning()
  const c = o.credentials
  return new S3Client({
    ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
    // A custom endpoint (MinIO, s3rver, Ceph ...) rarely cares about the region, but the signer
    // needs one: default it there rather than fail on a missing AWS_REGION.
    ...(o.region !== undefined ? { region: o.region } : o.endpoint !== undefined ? { region: "us-east-1" } : {}),
    ...(o.forcePathStyle === undefined ? {} : { forcePathStyle: o.forcePathStyle }),
    ...(c === undefined
      ? {}
      : {
        credentials: {
          accessKeyId: Redacted.value(c.accessKeyId),
          secretAccessKey: Redacted.value(c.secretAccessKey),
          ...(c.sessionToken === undefined ? {} : { sessionToken: Redacted.value(c.sessionToken) })
        }
      }),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED"
  })
}

/** Runs one SDK call; interrupting the effect aborts the request. Failures are described without
 * any of `secrets`. */
export const call = <A>(secrets: ReadonlyArray<string>, f: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, S3CallError> =>
  Effect.tryPromise({
    try: f,
    catch: (cause) => new S3CallError({ failure: describeFailure(cause, secrets) })
  })
