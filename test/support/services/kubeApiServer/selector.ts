/**
 * Label selectors as the API server parses them (`labelSelector=`): `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, `k` (exists) and `!k` (does not exist), comma-separated.
 */

/** A parsed selector: true for the label sets it selects. */
export type Selector = (labels: Readonly<Record<string, string>>) => boolean

const KEY = String.raw`([A-Za-z0-9][-A-Za-z0-9_./]*)`

/** Splits on the commas that are not inside `( )`. */
const terms = (text: string): Array<string> => {
  const out: Array<string> = []
  let depth = 0
  let current = ""
  for (const ch of text) {
    if (ch === "(") depth++
    if (ch === ")") depth--
    if (ch === "," && depth === 0) {
      out.push(current)
      current = ""
    } else current += ch
  }
  out.push(current)
  return out.map((t) => t.trim()).filter((t) => t.length > 0)
}

const term = (t: string): Selector | string => {
  let m = new RegExp(`^!\\s*${KEY}$`).exec(t)
  if (m !== null) {
    const k = m[1] ?? ""
    return (l) => !(k in l)
  }
  m = new RegExp(`^${KEY}\\s+(in|notin)\\s+\\(([^)]*)\\)$`).exec(t)
  if (m !== null) {
    const [k, op, list] = [m[1] ?? "", m[2], (m[3] ?? "").split(",").map((v) => v.trim())]
    return op === "in" ? (l) => l[k] !== undefined && list.includes(l[k]) : (l) => l[k] === undefined || !list.includes(l[k])
  }
  m = new RegExp(`^${KEY}\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`).exec(t)
  if (m !== null) {
    const [k, op, v] = [m[1] ?? "", m[2], m[3] ?? ""]
    return op === "!=" ? (l) => l[k] !== v : (l) => l[k] === v
  }
  m = new RegExp(`^${KEY}$`).exec(t)
  if (m !== null) {
    const k = m[1] ?? ""
    return (l) => k in l
  }
  return `unable to parse requirement: ${JSON.stringify(t)}`
}

/** The selector `text` describes, or the API server's complaint about it. */
export const parseSelector = (text: string | undefined): Selector | string => {
  if (text === undefined || text.trim() === "") return () => true
  const parsed = terms(text).map(term)
  const bad = parsed.find((p): p is string => typeof p === "string")
  if (bad !== undefined) return bad
  const fns = parsed.filter((p): p is Selector => typeof p !== "string")
  return (l) => fns.every((f) => f(l))
}
