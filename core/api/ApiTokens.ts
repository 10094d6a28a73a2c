/**
 * `api.tokens` of a cluster file: which bearer token acts for which role on the API server. Given
 * as a record (`{ alice: "...", bob: "..." }`) or as the text `role:token,role:token` (what
 * `env("HERON_API_TOKENS")` yields). Messages name the entry, never a token.
 */
import { Effect, ParseResult, Schema } from "effect"

const ROLE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const TOKEN = /^[^\s,]+$/

/** Role → token, checked. */
export type Tokens = Readonly<Record<string, string>>

const problems = (entries: ReadonlyArray<readonly [string, string]>, where: (i: number) => string): ReadonlyArray<string> => {
  const out: Array<string> = []
  const seen = new Map<string, string>()
  const byToken = new Map<string, string>()
  entries.forEach(([role, token], i) => {
    if (!ROLE.test(role)) out.push(`${where(i)}: role "${role}" may only use letters, digits, '.', '_' and '-'`)
    if (!TOKEN.test(token)) out.push(`${where(i)}: the token of role ${role} must be non-empty, without spaces or commas`)
    if (seen.has(role)) out.push(`${where(i)}: role ${role} is given twice`)
    const other = byToken.get(token)
    if (other !== undefined && other !== role) out.push(`${where(i)}: roles ${other} and ${role} share a token: give each role its own`)
    seen.set(role, token)
    byToken.set(token, role)
  })
  return out
}

/** Parses `role:token,role:token` (spaces around entries and empty entries are ignored). */
export const parseTokenText = (text: string): { readonly tokens: Tokens; readonly problems: ReadonlyArray<string> } => {
  const entries: Array<readonly [string, string]> = []
  const bad: Array<string> = []
  text.split(",").map((e) => e.trim()).filter((e) => e !== "").forEach((entry, i) => {
    const at = entry.indexOf(":")
    if (at < 0) bad.push(`entry ${i + 1} has no ':' (expected role:token)`)
    else entries.push([entry.slice(0, at).trim(), entry.slice(at + 1).trim()])
  })
  return {
    tokens: Object.fromEntries(entries),
    problems: [...bad, ...problems(entries, (i) => `entry ${i + 1}`)]
  }
}

const TokenRecord = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * `api.tokens`: a record role → token, or its text form `role:token,role:token`. Decodes to the
 * record. Refused (one message per problem, no token in it): a bad role name, an empty token or
 * one with spaces or commas, a role twice, two roles sharing a token.
 */
export const ApiTokens: Schema.Schema<Tokens, unknown> = Schema.transformOrFail(Schema.Unknown, TokenRecord, {
  strict: true,
  decode: (input, _, ast) => {
    const refuse = (messages: ReadonlyArray<string>) =>
      ParseResult.fail(new ParseResult.Type(ast, "<redacted>", messages.join("; ")))
    if (typeof input === "string") {
      const parsed = parseTokenText(input)
      return parsed.problems.length > 0
        ? refuse([`expected "role:token,role:token": ${parsed.problems.join("; ")}`])
        : ParseResult.succeed(parsed.tokens)
    }
    if (typeof input === "object" && input !== null && !Array.isArray(input)) {
      const entries = Object.entries(input).map(([role, token]): readonly [string, string] => [role, typeof token === "string" ? token : ""])
      const bad = problems(entries, (i) => `role ${entries[i]?.[0] ?? ""}`)
      return bad.length > 0 ? refuse(bad) : ParseResult.succeed(Object.fromEntries(entries))
    }
    return refuse([`expected { role: "token" } or "role:token,role:token", got ${Array.isArray(input) ? "an array" : typeof input}`])
  },
  encode: (tokens) => Effect.succeed(tokens)
}).annotations({ identifier: "api tokens" })
