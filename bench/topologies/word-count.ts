/**
 * The benchmark's word count: sentences → split (shuffle) → count (fields on "word"), the shape of
 * `examples/word-count.ts`, instrumented. `bench/run.ts` submits it through the real `heron` CLI and
 * also calls the same spout and bolts in a plain loop (the in-process baseline).
 *
 * The spout stamps every sentence with the machine's monotonic clock (`process.hrtime`, shared by
 * all processes and threads of the machine); each count task samples the difference on one tuple in
 * 16. Config keys, given with `heron submit --config-property`:
 *
 * - `bench.out`: a directory. Each count task appends a JSON line to `count-<task>.jsonl` there
 *   every 100 ms: `{ t, n, first, lat, stalls, late }` (wall-clock ms, tuples counted so far,
 *   wall-clock ms of the first tuple, latency samples in ms since the last line, stalls that ended,
 *   how many ms late this line's timer fired); each
 *   spout task to `spout-<task>.jsonl`: `{ t, n, gap }` (sentences emitted so far, and ms spent in
 *   gaps of more than 2 ms between two `nextTuple` calls: paused by backpressure, throttled by
 *   `max.spout.pending`, or backing off when rate-limited). The spout and the count tasks read
 *   `control.json` there every 100 ms: `{ rate, stallMs, stallSeq }`.
 * - `bench.rate`: sentences per second per spout task (`max`, the default: as fast as the engine
 *   takes them; `0`: none, an idle topology). `control.json`'s `rate` overrides it.
 *
 * At-least-once when `topology.reliability.mode` is `ATLEAST_ONCE`: the spout emits with message ids
 * and split anchors its words.
 */
import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { bolt, spout, TopologyBuilder, type BoltCollector, type SpoutCollector, type Tuple } from "heron-runtime/topology"
import { SENTENCES } from "./sentences.js"

/** The machine's monotonic clock in ms (CLOCK_MONOTONIC: the same in every process). */
export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6

/** What the bench writes to `control.json` to steer a running topology. */
export interface Control {
  /** Sentences per second per spout task; `null`: as fast as possible. */
  readonly rate: number | null
  /** Each count task stalls this long once per new `stallSeq`. */
  readonly stallMs: number
  readonly stallSeq: number
}

const readControl = (dir: string): Control | undefined => {
  try {
    const u: unknown = JSON.parse(readFileSync(join(dir, "control.json"), "utf8"))
    if (typeof u !== "object" || u === null) return undefined
    const rate = "rate" in u && typeof u.rate === "number" ? u.rate : null
    const stallMs = "stallMs" in u && typeof u.stallMs === "number" ? u.stallMs : 0
    const stallSeq = "stallSeq" in u && typeof u.stallSeq === "number" ? u.stallSeq : 0
    return { rate, stallMs, stallSeq }
  } catch {
    return undefined
  }
}

const parseRate = (raw: string | undefined): number | null => {
  if (raw === undefined || raw === "max") return null
  const n = Number(raw)
  return Number.isFinite(n) && n >= 0 ? n : null
}

/** What a count task measured; the in-process baseline reads it directly. */
export interface CountProbe {
  executed: number
  /** Latency samples (ms) not yet taken by a reader. */
  readonly samples: Array<number>
}

/** The probes of the count tasks created in this thread. */
export const probes: Array<CountProbe> = []

const MAX_SAMPLES = 1_000_000

export const sentenceSpout = spout({
  outputs: { default: ["sentence", "at"] },
  create: () => {
    let collector: SpoutCollector | undefined
    let tracked = false
    let i = 0
    let rate: number | null = null
    let since = 0
    let emittedSince = 0
    let timer: ReturnType<typeof setInterval> | undefined
    let lastCall = 0
    let gap = 0
    const setRate = (r: number | null) => {
      if (r === rate) return
      rate = r
      since = Date.now()
      emittedSince = 0
    }
    return {
      open: (context, c) => {
        collector = c
        tracked = context.config["topology.reliability.mode"] === "ATLEAST_ONCE"
        setRate(parseRate(context.config["bench.rate"]))
        const out = context.config["bench.out"]
        if (out !== undefined) {
          const file = join(out, `spout-${context.taskId}.jsonl`)
          timer = setInterval(() => {
            const control = readControl(out)
            if (control !== undefined) setRate(control.rate)
            appendFileSync(file, `${JSON.stringify({ t: Date.now(), n: i, gap: Math.round(gap) })}\n`)
          }, 100)
        }
      },
      nextTuple: () => {
        const now = performance.now()
        if (now - lastCall > 2 && lastCall > 0) gap += now - lastCall
        lastCall = now
        // Rate-limited: emit nothing while ahead of schedule (the engine backs off, ≤ 16 ms).
        if (rate !== null && emittedSince >= ((Date.now() - since) / 1000) * rate) return
        const sentence = SENTENCES[i % SENTENCES.length] ?? ""
        i++
        emittedSince++
        collector?.emit([sentence, monoMs()], tracked ? { messageId: i } : undefined)
      },
      close: () => clearInterval(timer)
    }
  }
})

export const splitBolt = bolt({
  outputs: { default: ["word", "at"] },
  create: () => {
    let collector: BoltCollector | undefined
    return {
      prepare: (_context, c) => {
        collector = c
      },
      execute: (tuple: Tuple) => {
        const at = tuple.values[1]
        for (const word of String(tuple.values[0]).split(" ")) collector?.emit([word, at], { anchors: [tuple] })
        collector?.ack(tuple)
      }
    }
  }
})

export const countBolt = bolt({
  create: () => {
    let collector: BoltCollector | undefined
    const counts = new Map<string, number>()
    const probe: CountProbe = { executed: 0, samples: [] }
    probes.push(probe)
    let first = 0
    let timer: ReturnType<typeof setInterval> | undefined
    let seenSeq = 0
    /** Wall-clock ms until which the next tuple waits; 0: no stall pending. */
    let stallUntil = 0
    const stalls: Array<{ readonly from: number; readonly to: number }> = []

    const count = (tuple: Tuple) => {
      const word = String(tuple.values[0])
      counts.set(word, (counts.get(word) ?? 0) + 1)
      if ((probe.executed++ & 15) === 0 && probe.samples.length < MAX_SAMPLES) {
        probe.samples.push(monoMs() - Number(tuple.values[1]))
      }
      collector?.ack(tuple)
    }

    return {
      prepare: (context, c) => {
        collector = c
        const out = context.config["bench.out"]
        if (out === undefined) return
        const file = join(out, `count-${context.taskId}.jsonl`)
        let lastTick = Date.now()
        timer = setInterval(() => {
          // How late this 100 ms timer fired: how long the worker's event loop was held up.
          const now = Date.now()
          const late = now - lastTick - 100
          lastTick = now
          const control = readControl(out)
          if (control !== undefined && control.stallSeq > seenSeq) {
            seenSeq = control.stallSeq
            stallUntil = Date.now() + control.stallMs
          }
          const lat = probe.samples.splice(0).map((x) => Math.round(x * 1000) / 1000)
          const line = { t: now, n: probe.executed, first, lat, stalls: stalls.splice(0), late: Math.max(0, late) }
          appendFileSync(file, `${JSON.stringify(line)}\n`)
        }, 100)
      },
      execute: (tuple) => {
        if (first === 0) first = Date.now()
        if (stallUntil !== 0) {
          // A stall: this tuple (and so the whole task) waits, as for a slow external call.
          const from = Date.now()
          const to = stallUntil
          stallUntil = 0
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              stalls.push({ from, to: Date.now() })
              count(tuple)
              resolve()
            }, Math.max(0, to - from)))
        }
        count(tuple)
        return undefined
      },
      cleanup: () => clearInterval(timer)
    }
  }
})

export default new TopologyBuilder()
  .setSpout("sentence", sentenceSpout, 1)
  .setBolt("split", splitBolt, 2).shuffleGrouping("sentence")
  .setBolt("count", countBolt, 2).fieldsGrouping("split", ["word"])
  .build("bench-word-count", { containers: 2 })
