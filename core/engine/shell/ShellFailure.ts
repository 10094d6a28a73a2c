/**
 * Why a container's shell did not answer a request. `status` is the HTTP status the shell writes
 * with `{"message": ...}`; the Tracker passes 400, 403 and 404 on as they are.
 */
import { Data } from "effect"

export class ShellFailure extends Data.TaggedError("ShellFailure")<{
  /** 400 bad parameter, 403 path outside the container's directory, 404 no such file or instance,
   * 500 the container could not do it, 503 the instance is restarting, 504 the instance did not answer. */
  readonly status: 400 | 403 | 404 | 500 | 503 | 504
  readonly message: string
}> {}

const errorCode = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

/** A file-system error as a failure about `what` (the path as the request gave it, never the
 * resolved one: a symlink's target is not the caller's business). */
export const fsFailure = (what: string) => (e: unknown): ShellFailure => {
  switch (errorCode(e)) {
    case "ENOENT":
    case "ENOTDIR":
    case "ELOOP":
      return new ShellFailure({ status: 404, message: `no such file or directory: ${what}` })
    case "EACCES":
    case "EPERM":
      return new ShellFailure({ status: 403, message: `permission denied: ${what}` })
    case "EISDIR":
      return new ShellFailure({ status: 400, message: `${what} is a directory` })
    default:
      return new ShellFailure({ status: 500, message: `${what}: ${e instanceof Error ? e.message : String(e)}` })
  }
}
