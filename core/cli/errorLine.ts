/**
 * Turns a start-up or command failure into the one line printed on stderr: what failed and what to
 * fix, never a stack trace.
 */
import { Cause } from "effect"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null

export const errorLine = (error: unknown): string => {
  if (!isRecord(error)) return String(error)
  const tag = typeof error["_tag"] === "string" ? error["_tag"] : ""
  const message = error instanceof Error || typeof error["message"] === "string" ? String(error["message"]) : String(error)
  switch (tag) {
    case "PluginError":
      return message.startsWith(String(error["plugin"])) ? message : `${String(error["plugin"])}: ${message}`
    default:
      return message.split("\n")[0] ?? message
  }
}

/** The line for a whole cause: its first failure, else its first defect. */
export const causeLine = (cause: Cause.Cause<unknown>): string => {
  const failures = Cause.failures(cause)
  for (const f of failures) return errorLine(f)
  for (const d of Cause.defects(cause)) return `internal error: ${errorLine(d)}`
  return "interrupted"
}
