/**
 * Why a cluster definition was refused: the file, and for each problem the key path, what was
 * expected and what was found. Its message is one line, ready for a terminal.
 */
import { ParseResult, Schema } from "effect"

export class ClusterIssue extends Schema.Class<ClusterIssue>("ClusterIssue")({
  /** Dotted key path inside the definition, e.g. `stateManager.root`; empty for the whole file. */
  path: Schema.String,
  message: Schema.String
}) {}

export class ClusterError extends Schema.TaggedError<ClusterError>()("ClusterError", {
  file: Schema.String,
  issues: Schema.Array(ClusterIssue)
}) {
  override get message(): string {
    const issues = this.issues.map((i) => (i.path === "" ? i.message : `at ${i.path}: ${i.message}`))
    return `${this.file}: ${issues.join("; ")}`
  }
}

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc === "" ? String(k) : `${acc}.${String(k)}`),
    ""
  )

/** Joins a key path prefix (`scheduler`) and a path inside it. */
export const joinPath = (prefix: string, path: ReadonlyArray<PropertyKey>): string => {
  const inner = formatPath(path)
  return prefix === "" ? inner : inner === "" ? prefix : inner.startsWith("[") ? `${prefix}${inner}` : `${prefix}.${inner}`
}

/** Turns a Schema parse error into issues with key paths, lower-cased "expected ..., got ...".
 * An optional key is a union with `undefined`: its "expected undefined" branch is dropped when
 * the other branch explains the problem (at the same or a deeper path). */
export const issuesOf = (prefix: string, error: ParseResult.ParseError): ReadonlyArray<ClusterIssue> => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) =>
    new ClusterIssue({
      path: joinPath(prefix, i.path),
      message: i.message.replace(/^Expected /, "expected ").replace(/, actual /, ", got ")
    })
  )
  const explained = (i: ClusterIssue) =>
    all.some((o) => o !== i && !o.message.startsWith("expected undefined") && (o.path === i.path || o.path.startsWith(`${i.path}.`) || o.path.startsWith(`${i.path}[`)))
  return all.filter((i) => !(i.message.startsWith("expected undefined,") && explained(i)))
}
