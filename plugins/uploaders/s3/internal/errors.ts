/**
 * How a failure of the AWS SDK is put into words: S3's error code, the HTTP status and S3's own
 * message, with any credential that might appear in it replaced by `<redacted>`.
 */
import { S3ServiceException } from "@aws-sdk/client-s3"
import { redactWith } from "../../../../core/Redactor.js"

/** What is known about one failed S3 call. */
export interface S3Failure {
  /** S3's error code (`NoSuchBucket`, `InvalidAccessKeyId`, `NotFound` ...), or the network
   * error's code (`ECONNREFUSED` ...), or the error's name. */
  readonly code: string
  /** The HTTP status of S3's answer; undefined when there was none. */
  readonly status: number | undefined
  /** Everything in one line: `NoSuchBucket (HTTP 404): The specified bucket does not exist`. */
  readonly text: string
}

const stringProp = (u: unknown, key: string): string | undefined => {
  if (typeof u !== "object" || u === null || !(key in u)) return undefined
  const v: unknown = Reflect.get(u, key)
  return typeof v === "string" && v !== "" ? v : undefined
}

const statusNames: Readonly<Record<number, string>> = {
  301: "PermanentRedirect",
  400: "BadRequest",
  403: "Forbidden",
  404: "NotFound"
}

const statusHints: Readonly<Record<number, string>> = {
  301: "the bucket is in another region: set `region`",
  403: "access denied: wrong credentials, or no permission on the bucket"
}

/** Describes `cause` (anything the SDK threw), never revealing one of `secrets`. */
export const describeFailure = (cause: unknown, secrets: ReadonlyArray<string>): S3Failure => {
  const status = cause instanceof S3ServiceException ? cause.$metadata.httpStatusCode : undefined
  const named = cause instanceof S3ServiceException
    ? cause.name
    : stringProp(cause, "code") ?? stringProp(cause, "name") ?? "Error"
  // An answer without a body (any answer to HEAD) carries no S3 code: the SDK says "Unknown".
  const anonymous = named === "Unknown" || named === "UnknownError"
  const code = anonymous && status !== undefined ? statusNames[status] ?? named : named
  const raw = cause instanceof Error ? cause.message : String(cause)
  const message = anonymous && status !== undefined
    ? statusHints[status] ?? ""
    : raw === "UnknownError" || raw === code ? "" : raw
  const text = `${code}${status === undefined ? "" : ` (HTTP ${status})`}${message === "" ? "" : `: ${message}`}`
  return { code, status, text: redactWith(secrets, text) }
}

/** Whether S3 answered "no such object" (`NotFound` to a HEAD, `NoSuchKey` to a GET). */
export const isNotFound = (f: S3Failure): boolean => f.status === 404 && f.code !== "NoSuchBucket"
