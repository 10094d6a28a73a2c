/**
 * A hash of tuple values that is the same in every process (fields grouping must send equal keys
 * to the same task from every container): FNV-1a over a canonical form of each value. Strings and
 * integers are hashed directly; other values through their JSON text.
 */

const OFFSET = 0x811c9dc5
const PRIME = 16777619

const mixString = (h: number, s: string): number => {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), PRIME)
  return h
}

const mixInt = (h: number, n: number): number => {
  h = Math.imul(h ^ (n & 0xff), PRIME)
  h = Math.imul(h ^ ((n >>> 8) & 0xff), PRIME)
  h = Math.imul(h ^ ((n >>> 16) & 0xff), PRIME)
  return Math.imul(h ^ (n >>> 24), PRIME)
}

/** Mixes one value into the running hash `h`. Type tags keep `1` and `"1"` apart. */
export const mixValue = (h: number, v: unknown): number => {
  switch (typeof v) {
    case "string":
      return mixString(Math.imul(h ^ 0x73, PRIME), v)
    case "number":
      return (v | 0) === v ? mixInt(Math.imul(h ^ 0x69, PRIME), v) : mixString(Math.imul(h ^ 0x66, PRIME), String(v))
    case "boolean":
      return Math.imul(h ^ (v ? 0x74 : 0x46), PRIME)
    case "bigint":
      return mixString(Math.imul(h ^ 0x62, PRIME), v.toString())
    case "undefined":
      return Math.imul(h ^ 0x75, PRIME)
    default:
      return mixString(Math.imul(h ^ 0x6a, PRIME), v === null ? "null" : JSON.stringify(v) ?? "")
  }
}

/** The hash of the values at `indexes` of `values`, as an unsigned 32-bit integer. */
export const hashFields = (values: ReadonlyArray<unknown>, indexes: ReadonlyArray<number>): number => {
  let h = OFFSET
  for (let i = 0; i < indexes.length; i++) h = mixValue(h, values[indexes[i]!])
  return h >>> 0
}
