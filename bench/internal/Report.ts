/**
 * Turns a run's results into the table rows, with the issue's targets checked and a note on what
 * limits each figure (from per-thread and machine-wide CPU where the figure is a throughput).
 * A figure that could not be measured is an error row (FAIL when it has a target); one the mode
 * skipped (`--smoke`) says so.
 */
import { quantile } from "./CountFiles.js"
import type { Results } from "./Results.js"
import type { Window } from "./Scenarios.js"
import { check, mb, mbps, ms, pct, perSec, secs, type Row } from "./Table.js"

const WATERMARK_SLACK = 32 * 1024 * 1024

type Draft = Omit<Row, "ratio" | "baselineValue"> & { readonly ratio?: number | undefined; readonly baselineValue?: number | undefined }
const row = (r: Draft): Row => ({ ...r, ratio: r.ratio, baselineValue: r.baselineValue })

const div = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? undefined : a / b

const perCpu = (x: number): string => perSec(x).replace("/s", "/CPU-s")

/** Sentences in flight per spout task at most (`topology.max.spout.pending`, the topology default). */
const MAX_SPOUT_PENDING = 1000

/** What bounds a throughput window, from its thread loads and the machine's CPU. */
const limiter = (w: Window, cores: number, reliable: boolean, wordsPerSentence: number): string => {
  const stmgrs = w.threads.filter((t) => t.main && t.container >= 1).sort((a, b) => a.container - b.container)
  const top = w.threads.find((t) => !t.main && t.container >= 1)
  const busiest = [...stmgrs, ...(top === undefined ? [] : [top])].sort((a, b) => b.load - a.load)[0]
  const machine = w.cores + w.otherCores
  const verdict = machine >= 0.9 * cores
    ? `CPU: ${w.cores.toFixed(2)} cores containers + ${w.otherCores.toFixed(2)} other of ${cores}`
    : busiest !== undefined && busiest.load >= 0.9
      ? `one thread saturated (${busiest.main ? `stmgr-${busiest.container}` : `worker in c${busiest.container}`})`
      : reliable
        ? `max.spout.pending: ${MAX_SPOUT_PENDING} in flight ÷ ${ms((MAX_SPOUT_PENDING / (w.tuplesPerSec / wordsPerSentence)) * 1000)} per tree (${machine.toFixed(2)} of ${cores} cores busy)`
        : `no core saturated (${machine.toFixed(2)} of ${cores} busy)`
  return `${verdict}; spout idle ${pct(w.spoutIdle)}; stmgr ${stmgrs.map((t) => pct(t.load)).join("/")}; top worker ${top === undefined ? "n/a" : pct(top.load)}`
}

export const rows = (res: Results): Array<Row> => {
  const out: Array<Row> = []
  /** A row for a figure that is missing: skipped by the mode, or its phase failed. */
  const missing = (keys: ReadonlyArray<string>, id: string, metric: string, target: string) => {
    const skipped = keys.some((k) => res.skipped.includes(k))
    const error = keys.map((k) => res.errors[k]).find((e) => e !== undefined)
    out.push(row({
      id, metric, measured: skipped ? "skipped" : "error", measuredValue: undefined, baseline: "—", target,
      outcome: skipped || target === "—" ? "info" : "FAIL", note: skipped ? `not run (--${res.mode === "smoke" ? "smoke" : "only"})` : (error ?? "not measured").slice(0, 140)
    }))
  }
  const b = res.baseline
  const cores = res.machine.cores

  if (b === undefined) {
    missing(["baseline"], "a.1", "(a) in-process loop: tuples/s", "—")
    missing(["baseline"], "a.2", "(a) in-process loop: tuples per CPU-s", "—")
  } else {
    out.push(
      row({ id: "a.1", metric: "(a) in-process loop: tuples/s", measured: perSec(b.tuplesPerSec), measuredValue: b.tuplesPerSec, baseline: "—",
        target: "—", outcome: "info", note: `one thread, no engine: the bench topology's own spout and bolts; p50 ${ms(b.p50)}, p99 ${ms(b.p99)}` }),
      row({ id: "a.2", metric: "(a) in-process loop: tuples per CPU-s", measured: perCpu(b.tuplesPerCpuSec), measuredValue: b.tuplesPerCpuSec,
        baseline: "—", target: "—", outcome: "info", note: "user code only: split(' '), Map update and clock reads per word" })
    )
  }

  const runs = [
    ["b", "bAmo", "1 container", false, res.bAmo],
    ["b", "bAlo", "1 container", true, res.bAlo],
    ["c", "cAmo", "2 containers", false, res.cAmo],
    ["c", "cAlo", "2 containers", true, res.cAlo]
  ] as const
  for (const [key, phase, label, reliable, w] of runs) {
    const id = `${key}${reliable ? "2" : "1"}`
    const name = `(${key}) ${label}, ${reliable ? "at-least-once" : "at-most-once"}`
    const cpuTarget = key === "c" ? "≥ 0.10×" : "—"
    if (w === undefined) {
      missing([phase], `${id}.1`, `${name}: tuples/s`, "—")
      missing([phase], `${id}.2`, `${name}: tuples per CPU-s`, cpuTarget)
      missing([phase], `${id}.3`, `${name}: p50 / p99 at max rate`, "—")
      continue
    }
    const cpuRatio = div(w.tuplesPerCpuSec, b?.tuplesPerCpuSec)
    out.push(
      row({ id: `${id}.1`, metric: `${name}: tuples/s`, measured: perSec(w.tuplesPerSec), measuredValue: w.tuplesPerSec,
        baseline: b === undefined ? "n/a" : `${perSec(b.tuplesPerSec)} (a)`, baselineValue: b?.tuplesPerSec,
        ratio: div(w.tuplesPerSec, b?.tuplesPerSec), target: "—", outcome: "info", note: limiter(w, cores, reliable, res.wordsPerSentence) }),
      row({ id: `${id}.2`, metric: `${name}: tuples per CPU-s`, measured: perCpu(w.tuplesPerCpuSec), measuredValue: w.tuplesPerCpuSec,
        baseline: b === undefined ? "n/a" : `${perCpu(b.tuplesPerCpuSec)} (a)`, baselineValue: b?.tuplesPerCpuSec, ratio: cpuRatio, target: cpuTarget,
        outcome: key === "c" ? check(cpuRatio !== undefined && cpuRatio >= 0.1) : "info",
        note: `CPU of all ${key === "b" ? 2 : 3} container processes (TManager included): ${w.cores.toFixed(2)} CPU-s/s over ${w.seconds.toFixed(1)} s` }),
      row({ id: `${id}.3`, metric: `${name}: p50 / p99 at max rate`, measured: `${ms(w.p50)} / ${ms(w.p99)}`, measuredValue: w.p99,
        baseline: b === undefined ? "n/a" : `${ms(b.p99)} (a) p99`, baselineValue: b?.p99, ratio: div(w.p99, b?.p99), target: "—", outcome: "info",
        note: reliable
          ? `${w.samples} samples; bounded by max.spout.pending (1000 sentences in flight); bolt timers up to ${ms(w.timerLate)} late`
          : `${w.samples} samples; no bound but the 16 MB watermarks: time queued in full buffers; bolt timers up to ${ms(w.timerLate)} late` })
    )
  }

  for (const [id, key, amo, alo] of [["b.ratio", "b", res.bAmo, res.bAlo], ["c.ratio", "c", res.cAmo, res.cAlo]] as const) {
    const target = key === "c" ? "≥ 0.50×" : "—"
    const metric = `(${key}) at-least-once vs at-most-once tuples/s`
    if (amo === undefined || alo === undefined) {
      missing(key === "c" ? ["cAmo", "cAlo"] : ["bAmo", "bAlo"], id, metric, target)
      continue
    }
    const r = div(alo.tuplesPerSec, amo.tuplesPerSec)
    out.push(row({ id, metric, measured: perSec(alo.tuplesPerSec), measuredValue: alo.tuplesPerSec, baseline: `${perSec(amo.tuplesPerSec)} amo`,
      baselineValue: amo.tuplesPerSec, ratio: r, target, outcome: key === "c" ? check(r !== undefined && r >= 0.5) : "info",
      note: `per CPU-s ${perCpu(alo.tuplesPerCpuSec)} vs ${perCpu(amo.tuplesPerCpuSec)} (${pct(div(alo.tuplesPerCpuSec, amo.tuplesPerCpuSec) ?? Number.NaN)}): ack frames + XOR ledger` }))
  }

  const w = res.wire
  if (w === undefined) {
    missing(["wire"], "t.raw", "raw loopback TCP, 64 KB batches", "—")
    missing(["wire"], "t.small", "stmgr→stmgr, 64 KB batches of 37 B frames", "≥ 0.70×")
    missing(["wire"], "t.large", "stmgr→stmgr, 64 KB batches of 16 KB frames", "—")
  } else {
    const small = div(w.small.bytesPerSec, w.raw.bytesPerSec)
    out.push(
      row({ id: "t.raw", metric: "raw loopback TCP, 64 KB batches", measured: mbps(w.raw.bytesPerSec), measuredValue: w.raw.bytesPerSec, baseline: "—",
        target: "—", outcome: "info", note: `the ceiling: kernel copies; sender ${pct(w.raw.senderLoad)}, receiver ${pct(w.raw.receiverLoad)} of a core; best of ${w.rounds}` }),
      row({ id: "t.small", metric: "stmgr→stmgr, 64 KB batches of 37 B frames", measured: `${mbps(w.small.bytesPerSec)} = ${perSec(w.small.framesPerSec)}`,
        measuredValue: w.small.bytesPerSec, baseline: `${mbps(w.raw.bytesPerSec)} raw`, baselineValue: w.raw.bytesPerSec, ratio: small, target: "≥ 0.70×",
        outcome: check(small !== undefined && small >= 0.7),
        note: `runs of DATA frames pass whole: receiving stmgr ${pct(w.small.receiverLoad)} of a core, sender ${pct(w.small.senderLoad)}` }),
      row({ id: "t.large", metric: "stmgr→stmgr, 64 KB batches of 16 KB frames", measured: mbps(w.large.bytesPerSec), measuredValue: w.large.bytesPerSec,
        baseline: `${mbps(w.raw.bytesPerSec)} raw`, baselineValue: w.raw.bytesPerSec, ratio: div(w.large.bytesPerSec, w.raw.bytesPerSec), target: "—", outcome: "info",
        note: `per-frame work amortised; receiver ${pct(w.large.receiverLoad)}, sender ${pct(w.large.senderLoad)} of a core` })
    )
  }

  const h = res.half
  if (h === undefined) missing(["half", "cAmo"], "p99.half", "p99 at half of (c) at-most-once's max rate", "< 10 ms")
  else {
    out.push(row({ id: "p99.half", metric: "p99 at half of (c) at-most-once's max rate", measured: `${ms(h.window.p99)} (p50 ${ms(h.window.p50)})`,
      measuredValue: h.window.p99, baseline: b === undefined ? "n/a" : `${ms(b.p99)} (a) p99`, baselineValue: b?.p99, ratio: div(h.window.p99, b?.p99),
      target: "< 10 ms", outcome: check(Number.isFinite(h.window.p99) && h.window.p99 < 10),
      note: `${perSec(h.window.tuplesPerSec)} counted (spout at ${h.sentencesPerSec.toFixed(0)} sentences/s); ${h.window.samples} samples; cores: ${h.window.cores.toFixed(2)} containers + ${h.window.otherCores.toFixed(2)} other; bolt timers up to ${ms(h.window.timerLate)} late; max-rate backlog drained in ${secs(h.settledMs)}` }))
  }

  const s = res.submit
  if (s === undefined || s.toFirstMs.length === 0) missing(["bAmo", "cAmo"], "submit", "submit → first processed tuple", "< 1.5 s")
  else {
    const med = quantile(s.toFirstMs, 0.5)
    const byName = new Map<string, Array<number>>()
    for (const p of s.phases.flat()) byName.set(p.name, [...(byName.get(p.name) ?? []), p.ms])
    const top = [...byName].map(([n, xs]) => [n, quantile(xs, 0.5)] as const).sort((x, y) => y[1] - x[1]).slice(0, 3)
    out.push(row({ id: "submit", metric: "submit → first processed tuple", measured: `${secs(med)} (median of ${s.toFirstMs.length})`, measuredValue: med,
      baseline: res.versionMs === undefined ? "n/a" : `${secs(res.versionMs)} heron version`, baselineValue: res.versionMs, ratio: div(med, res.versionMs),
      target: "< 1.5 s", outcome: check(med < 1500),
      note: `range ${secs(Math.min(...s.toFirstMs))}–${secs(Math.max(...s.toFirstMs))}; heron submit ${secs(quantile(s.cliMs, 0.5))}: ${top.map(([n, x]) => `${n} ${secs(x)}`).join(", ")}` }))
  }

  const i = res.idle
  if (i === undefined) {
    missing(["idle"], "idle", "idle container RSS", "≤ 1.50×")
    missing(["idle"], "idle.floor", "bare node + one idle worker thread per instance", "—")
  } else {
    const r = div(i.containerRss, i.bareRss)
    out.push(
      row({ id: "idle", metric: `idle container RSS (1 container, ${i.instances} instances)`, measured: mb(i.containerRss), measuredValue: i.containerRss,
        baseline: `${mb(i.bareRss)} bare node`, baselineValue: i.bareRss, ratio: r, target: "≤ 1.50×", outcome: check(r !== undefined && r <= 1.5),
        note: `${div(i.containerRss, i.workersRss)?.toFixed(2) ?? "n/a"}× the floor below; container 0 (TManager only, no instances) ${mb(i.tmanagerRss)}: the executor's own footprint` }),
      row({ id: "idle.floor", metric: `bare node + ${i.instances} idle worker threads (no engine code)`, measured: mb(i.workersRss), measuredValue: i.workersRss,
        baseline: `${mb(i.bareRss)} bare node`, baselineValue: i.bareRss, ratio: div(i.workersRss, i.bareRss), target: "—", outcome: "info",
        note: "the floor of one isolate per instance (item 6: a throwing or stalled instance ends only its worker)" })
    )
  }

  const st = res.stall
  if (st === undefined) {
    missing(["stall", "cAmo"], "stall.mem", "RSS growth while a bolt stalls", "≤ HWM + 32 MB")
    missing(["stall", "cAmo"], "stall.tput", "throughput 2 s after the stall vs 2 s before", "≥ 0.90×")
  } else {
    const growth = Math.max(...st.rss.map((r) => r.peak - r.pre))
    const bound = st.highWatermark + WATERMARK_SLACK
    const rec = div(st.after, st.before)
    const stopped = st.spoutStoppedMs === undefined ? "never" : `after ${secs(st.spoutStoppedMs)}`
    out.push(
      row({ id: "stall.mem", metric: `RSS growth while a bolt stalls ${(st.stallMs / 1000).toFixed(0)} s`, measured: mb(growth), measuredValue: growth,
        baseline: `${mb(st.highWatermark)} HWM`, baselineValue: st.highWatermark, ratio: div(growth, st.highWatermark), target: `≤ ${mb(bound)}`,
        outcome: check(growth <= bound), note: `${st.rss.map((r) => `c${r.container} ${mb(r.pre)}→${mb(r.peak)}`).join(", ")}; spout stopped ${stopped}; bolts took the order ${secs(st.orderLagMs)} late` }),
      row({ id: "stall.tput", metric: "throughput 2 s after the stall vs 2 s before", measured: perSec(st.after), measuredValue: st.after, baseline: perSec(st.before),
        baselineValue: st.before, ratio: rec, target: "≥ 0.90×", outcome: check(rec !== undefined && rec >= 0.9),
        note: `queued backlog drains first; spout resumed ${st.spoutResumedMs === undefined ? "n/a" : secs(st.spoutResumedMs)} after, emitting ${pct(div(st.emittedAfter, st.emittedBefore) ?? Number.NaN)} of before` })
    )
  }
  return out
}
