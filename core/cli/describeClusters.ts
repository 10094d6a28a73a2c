/**
 * Prints resolved cluster definitions (secrets already redacted): readable text, or JSON for scripts.
 */
import { Console, Effect } from "effect"

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

const lines = (value: unknown, indent: string): Array<string> =>
  isRecord(value)
    ? Object.entries(value).flatMap(([k, v]) =>
        (isRecord(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.some(isRecord))
          ? [`${indent}${k}:`, ...lines(v, `${indent}  `)]
          : [`${indent}${k}: ${JSON.stringify(v)}`])
    : Array.isArray(value)
      ? value.flatMap((v, i) => [`${indent}- [${i}]`, ...lines(v, `${indent}  `)])
      : [`${indent}${JSON.stringify(value)}`]

/** One block of `key: value` lines per cluster, or one JSON array with `--json`. */
export const printClusters = (described: ReadonlyArray<unknown>, json: boolean) =>
  json
    ? Console.log(JSON.stringify(described, null, 2))
    : Effect.forEach(described, (d) => Console.log(lines(d, "").join("\n") + "\n"), { discard: true })
