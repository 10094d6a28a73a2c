/**
 * Reads what the bench topology's count tasks record (`count-<task>.jsonl`, one line per 100 ms;
 * see bench/topologies/word-count.ts), incrementally, and answers questions over time windows:
 * tuples counted by a time (interpolated), latency samples in a window, the first tuple, stalls.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs"
import { join } from "node:path"
import { Option, Schema } from "effect"

const Line = Schema.Struct({
  t: Schema.Number,
  n: Schema.Number,
  first: Schema.Number,
  lat: Schema.Array(Schema.Number),
  stalls: Schema.Array(Schema.Struct({ from: Schema.Number, to: Schema.Number })),
  late: Schema.optionalWith(Schema.Number, { default: () => 0 })
})
type Line = typeof Line.Type
const SpoutLine = Schema.Struct({ t: Schema.Number, n: Schema.Number, gap: Schema.Number })
type SpoutLine = typeof SpoutLine.Type

/** The lines of the JSONL files of one kind in a directory, read incrementally, by file. */
class Tail<A, I> {
  private readonly files = new Map<string, { offset: number; rest: string; readonly lines: Array<A> }>()
  private readonly decode: (u: string) => Option.Option<A>

  constructor(private readonly dir: string, private readonly pattern: RegExp, schema: Schema.Schema<A, I>) {
    this.decode = Schema.decodeUnknownOption(Schema.parseJson(schema))
  }

  poll(): void {
    let names: Array<string> = []
    try {
      names = readdirSync(this.dir).filter((f) => this.pattern.test(f))
    } catch {
      return
    }
    for (const name of names) {
      let log = this.files.get(name)
      if (log === undefined) this.files.set(name, (log = { offset: 0, rest: "", lines: [] }))
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
        const line = this.decode(p)
        if (line._tag === "Some") log.lines.push(line.value)
      }
    }
  }

  /** The lines of each file, oldest first. */
  get logs(): Array<ReadonlyArray<A>> {
    return [...this.files.values()].map((f) => f.lines)
  }
}

export class CountFiles {
  private readonly counts: Tail<Line, typeof Line.Encoded>
  private readonly spouts: Tail<SpoutLine, SpoutLine>

  constructor(readonly dir: string) {
    this.counts = new Tail(dir, /^count-\d+\.jsonl$/, Line)
    this.spouts = new Tail(dir, /^spout-\d+\.jsonl$/, SpoutLine)
  }

  /** Reads the lines written since the last call. */
  poll(): void {
    this.counts.poll()
    this.spouts.poll()
  }

  /** How many count tasks reported so far. */
  get taskCount(): number {
    return this.counts.logs.length
  }

  /** Wall-clock ms of the first tuple any count task executed, once one reported it. */
  firstTuple(): number | undefined {
    let first: number | undefined
    for (const lines of this.counts.logs) {
      const l = lines.find((x) => x.first > 0)
      if (l !== undefined) first = first === undefined ? l.first : Math.min(first, l.first)
    }
    return first
  }

  /** The latest time every count and spout task has reported up to (`countAt` is exact before it). */
  horizon(): number {
    const logs = [...this.counts.logs, ...this.spouts.logs]
    if (logs.length === 0) return 0
    return Math.min(...logs.map((lines) => lines.at(-1)?.t ?? 0))
  }

  /** Tuples counted by all count tasks by wall-clock ms `t`, interpolated between lines. */
  countAt(t: number): number {
    return this.counts.logs.reduce((sum, lines) => sum + interpolate(lines, t, (l) => l.n), 0)
  }

  /** Sentences emitted by all spout tasks by `t`. */
  emittedAt(t: number): number {
    return this.spouts.logs.reduce((sum, lines) => sum + interpolate(lines, t, (l) => l.n), 0)
  }

  /** Milliseconds the spout tasks spent between `nextTuple` calls (gaps over 2 ms) by `t`, summed. */
  spoutGapAt(t: number): number {
    return this.spouts.logs.reduce((sum, lines) => sum + interpolate(lines, t, (l) => l.gap), 0)
  }

  /** How many spout tasks reported. */
  get spoutCount(): number {
    return this.spouts.logs.length
  }

  /** The first time after `t` at which the spouts had emitted more than at `t` (100 ms resolution). */
  resumedAfter(t: number): number | undefined {
    const base = this.emittedAt(t)
    const times = this.spouts.logs.flatMap((lines) => lines.filter((l) => l.t > t).map((l) => l.t)).sort((a, b) => a - b)
    return times.find((x) => this.emittedAt(x) > base)
  }

  /** Latency samples (ms) of the lines written in (from, to]. */
  latencies(from: number, to: number): Array<number> {
    const out: Array<number> = []
    for (const lines of this.counts.logs) {
      for (const l of lines) if (l.t > from && l.t <= to) for (const x of l.lat) out.push(x)
    }
    return out
  }

  /** The longest delay of a count task's 100 ms timer among the lines written in (from, to]: how
   * long a bolt's event loop went without running timers (tick tuples, metrics, user timers). */
  timerLate(from: number, to: number): number {
    let max = 0
    for (const lines of this.counts.logs) for (const l of lines) if (l.t > from && l.t <= to) max = Math.max(max, l.late)
    return max
  }

  /** The stalls that ended, per task. */
  stalls(): Array<{ readonly from: number; readonly to: number }> {
    return this.counts.logs.flatMap((lines) => lines.flatMap((l) => l.stalls))
  }
}

const interpolate = <A extends { readonly t: number }>(lines: ReadonlyArray<A>, t: number, value: (a: A) => number): number => {
  const first = lines[0]
  const last = lines.at(-1)
  if (first === undefined || last === undefined) return 0
  if (t <= first.t) return value(first)
  if (t >= last.t) return value(last)
  let lo = 0
  let hi = lines.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if ((lines[mid]?.t ?? 0) <= t) lo = mid
    else hi = mid
  }
  const a = lines[lo]
  const b = lines[hi]
  if (a === undefined || b === undefined || b.t === a.t) return a === undefined ? 0 : value(a)
  return value(a) + ((value(b) - value(a)) * (t - a.t)) / (b.t - a.t)
}

/** The q-quantile (0..1) of `xs` by nearest rank; NaN when empty. */
export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  if (xs.length === 0) return Number.NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}
