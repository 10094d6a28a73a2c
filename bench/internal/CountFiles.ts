/**
 * Reads what the bench topology's count tasks record (`count-<task>.jsonl`, one line per 100 ms;
 * see bench/topologies/word-count.ts), incrementally, and answers questions over time windows:
 * tuples counted by a time (interpolated), latency samples in a window, the first tuple, stalls.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"

const Line = Schema.Struct({
  t: Schema.Number,
  n: Schema.Number,
  first: Schema.Number,
  lat: Schema.Array(Schema.Number),
  stalls: Schema.Array(Schema.Struct({ from: Schema.Number, to: Schema.Number }))
})
type Line = typeof Line.Type
const decodeLine = Schema.decodeUnknownOption(Schema.parseJson(Line))

interface TaskLog {
  offset: number
  rest: string
  readonly lines: Array<Line>
}

export class CountFiles {
  private readonly tasks = new Map<string, TaskLog>()

  constructor(readonly dir: string) {}

  /** Reads the lines written since the last call. */
  poll(): void {
    let names: Array<string> = []
    try {
      names = readdirSync(this.dir).filter((f) => /^count-\d+\.jsonl$/.test(f))
    } catch {
      return
    }
    for (const name of names) {
      let log = this.tasks.get(name)
      if (log === undefined) this.tasks.set(name, (log = { offset: 0, rest: "", lines: [] }))
      const file = join(this.dir, name)
      const size = statSync(file).size
      if (size <= log.offset) continue
      const buf = Buffer.alloc(size - log.offset)
      const fd = openSync(file, "r")
      try {
        readSync(fd, buf, 0, buf.length, log.offset)
      } finally {
        closeSync(fd)
      }
      log.offset = size
      const parts = (log.rest + buf.toString("utf8")).split("\n")
      log.rest = parts.pop() ?? ""
      for (const p of parts) {
        const line = decodeLine(p)
        if (line._tag === "Some") log.lines.push(line.value)
      }
    }
  }

  /** How many count tasks reported so far. */
  get taskCount(): number {
    return this.tasks.size
  }

  /** Wall-clock ms of the first tuple any count task executed, once one reported it. */
  firstTuple(): number | undefined {
    let first: number | undefined
    for (const log of this.tasks.values()) {
      for (const l of log.lines) {
        if (l.first > 0) {
          first = first === undefined ? l.first : Math.min(first, l.first)
          break
        }
      }
    }
    return first
  }

  /** The latest line time every task has reached (the horizon up to which `countAt` is exact). */
  horizon(): number {
    let h = Number.POSITIVE_INFINITY
    for (const log of this.tasks.values()) h = Math.min(h, log.lines.at(-1)?.t ?? 0)
    return this.tasks.size === 0 ? 0 : h
  }

  /** Tuples counted by all tasks by wall-clock ms `t`, interpolated between lines. */
  countAt(t: number): number {
    let sum = 0
    for (const log of this.tasks.values()) sum += interpolate(log.lines, t)
    return sum
  }

  /** Latency samples (ms) of the lines written in (from, to]. */
  latencies(from: number, to: number): Array<number> {
    const out: Array<number> = []
    for (const log of this.tasks.values()) {
      for (const l of log.lines) if (l.t > from && l.t <= to) for (const x of l.lat) out.push(x)
    }
    return out
  }

  /** The stalls that ended, per task. */
  stalls(): Array<{ readonly from: number; readonly to: number }> {
    return [...this.tasks.values()].flatMap((log) => log.lines.flatMap((l) => l.stalls))
  }
}

const interpolate = (lines: ReadonlyArray<Line>, t: number): number => {
  if (lines.length === 0) return 0
  const first = lines[0]
  if (first === undefined || t <= first.t) return first?.n ?? 0
  let lo = 0
  let hi = lines.length - 1
  const last = lines[hi]
  if (last === undefined || t >= last.t) return last?.n ?? 0
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if ((lines[mid]?.t ?? 0) <= t) lo = mid
    else hi = mid
  }
  const a = lines[lo]
  const b = lines[hi]
  if (a === undefined || b === undefined || b.t === a.t) return a?.n ?? 0
  return a.n + ((b.n - a.n) * (t - a.t)) / (b.t - a.t)
}

/** The q-quantile (0..1) of `xs` by nearest rank; NaN when empty. */
export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  if (xs.length === 0) return Number.NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}
