/**
 * Heron's target form `cluster[/role[/environ]]`, and `--config-property key=value`.
 */
import { Data, Effect } from "effect"
import * as os from "node:os"

/** A command-line argument that does not parse. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** Where a topology runs: `cluster/role/environ`. */
export interface Target {
  readonly cluster: string
  readonly role: string
  readonly environ: string
}

/** The environ of a target that names none. */
export const DEFAULT_ENVIRON = "default"

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** The user name `role` defaults to: `$USER`, else the account running the CLI. */
export const defaultRole = (env: Readonly<Record<string, string | undefined>> = process.env): string => {
  const fromEnv = env["USER"] ?? env["LOGNAME"]
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv
  try {
    return os.userInfo().username
  } catch {
    return "heron"
  }
}

/** Parses `cluster[/role[/environ]]`; role defaults to `role`, environ to `default`. */
export const parseTarget = (text: string, role: string): Effect.Effect<Target, UsageError> => {
  const parts = text.split("/")
  const bad = (why: string) =>
    Effect.fail(new UsageError({ message: `bad target "${text}": ${why}; expected cluster[/role[/environ]], e.g. local or local/${role}/default` }))
  if (parts.length > 3) return bad("too many parts")
  const [cluster = "", r = role, environ = DEFAULT_ENVIRON] = parts
  for (const [what, value] of [["cluster", cluster], ["role", r], ["environ", environ]] as const) {
    if (!SEGMENT.test(value)) return bad(value === "" ? `empty ${what}` : `${what} "${value}" may only use letters, digits, '.', '_' and '-'`)
  }
  return Effect.succeed({ cluster, role: r, environ })
}

/** `cluster/role/environ`. */
export const formatTarget = (t: Target): string => `${t.cluster}/${t.role}/${t.environ}`

/** Parses repeated `key=value` pairs (the value may contain `=`); later keys win. */
export const parseProperties = (pairs: ReadonlyArray<string>, flag = "--config-property"): Effect.Effect<Readonly<Record<string, string>>, UsageError> =>
  Effect.gen(function*() {
    const out: Record<string, string> = {}
    for (const pair of pairs) {
      const eq = pair.indexOf("=")
      const key = eq < 0 ? "" : pair.slice(0, eq).trim()
      if (key === "") return yield* new UsageError({ message: `bad ${flag} "${pair}": expected key=value` })
      out[key] = pair.slice(eq + 1)
    }
    return out
  })

/** The topology config a submit stores: built-in defaults, the cluster's `topologyDefaults`, the
 * topology's own config, then `--config-property` values, each overriding the one before. */
export const mergeConfig = (
  builtinDefaults: Readonly<Record<string, string>>,
  clusterDefaults: Readonly<Record<string, string | number | boolean>>,
  topology: Readonly<Record<string, string>>,
  properties: Readonly<Record<string, string>>
): Readonly<Record<string, string>> => {
  const out: Record<string, string> = { ...builtinDefaults }
  for (const [k, v] of Object.entries(clusterDefaults)) out[k] = String(v)
  return { ...out, ...topology, ...properties }
}
