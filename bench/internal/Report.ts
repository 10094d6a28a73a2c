/**
 * Turns a run's results into the table rows, with the targets checked and a note on what
 * limits each figure (from the per-thread CPU loads where the figure is a throughput).
 */
import { quantile } from "./CountFiles.js"
import type { Results } from "./Results.js"
import type { Window } from "./Scenarios.js"
import { check, mb, mbps, ms, pct, perSec, secs, type Row } from "./Table.js"

const WATERMARK_SLACK = 32 * 1024 * 1024

const row = (r: Omit<Row, "ratio"> & { readonly ratio?: number | undefined }): Row => ({ ...r, ratio: r.ratio })

const missing = (id: string, metric: string, target: string, error: string | undefined): Row => row({
  id, metric, measured: "error", measuredValue: undefined, baseline: "—", baselineValue: undefined, target,
  outcome: target === "—" ? "info" : "FAIL", note: (error ?? "not measured").slice(0, 120)
})

const div = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? undefined : a / b

/** What bounds a throughput window, from its thread loads. */
const limiter = (w: Window, cores: number, reliable: boolean): string => {
  const stmgrs = w.threads.filter((t) => t.main && t.container >= 1).sort((a, b) => a.container - b.container)
  const top = w.threads.find((t) => !t.main && t.container >= 1)
  const topStmgr = [...stmgrs].sort((a, b) => b.load - a.load)[0]
  const verdict = w.cores >= 0.85 * cores
    ? `CPU: containers use ${w.cores.toFixed(2)} of ${cores} cores`
    : top !== undefined && top.load >= 0.9
      ? `one worker thread saturated (${pct(top.load)}, c${top.container})`
      : topStmgr !== undefined && topStmgr.load >= 0.9
        ? `stmgr-${topStmgr.container} thread saturated (${pct(topStmgr.load)})`
        : reliable
          ? `no thread saturated (${w.cores.toFixed(2)} cores): acking round trips × max.spout.pending`
          : `no thread saturated (${w.cores.toFixed(2)} cores): flow control / scheduling`
  const detail = `stmgr ${stmgrs.map((t) => pct(t.load)).join("/")}, busiest worker ${top === undefined ? "n/a" : pct(top.load)}`
  return `${verdict}; ${detail}`
}

const throughputRows = (
  key: "b" | "c", label: string, reliable: boolean, w: Window | undefined, res: Results, error: string | undefined, cpuTarget: boolean
): Array<Row> => {
  const id = `${key}${reliable ? "2" : "1"}`
  const mode = reliable ? "at-least-once" : "at-most-once"
  const base = res.baseline
  const cores = res.machine.cores
  if (w === undefined) {
    return [
      missing(`${id}.1`, `(${key}) ${label}, ${mode}: tuples/s`, "—", error),
      missing(`${id}.2`, `(${key}) ${label}, ${mode}: tuples per CPU-s`, cpuTarget ? "≥ 0.10× baseline" : "—", error),
      missing(`${id}.3`, `(${key}) ${label}, ${mode}: p50 / p99 at max rate`, "—", error)
    ]
  }
  const cpuRatio = div(w.tuplesPerCpuSec, base?.tuplesPerCpuSec)
  return [
    row({
      id: `${id}.1`, metric: `(${key}) ${label}, ${mode}: tuples/s`, measured: perSec(w.tuplesPerSec), measuredValue: w.tuplesPerSec,
      baseline: base === undefined ? "n/a" : `${perSec(base.tuplesPerSec)} (a)`, baselineValue: base?.tuplesPerSec,
      ratio: div(w.tuplesPerSec, base?.tuplesPerSec), target: "—", outcome: "info", note: limiter(w, cores, reliable)
    }),
    row({
      id: `${id}.2`, metric: `(${key}) ${label}, ${mode}: tuples per CPU-s`, measured: perSec(w.tuplesPerCpuSec).replace("/s", "/CPU-s"),
      measuredValue: w.tuplesPerCpuSec, baseline: base === undefined ? "n/a" : `${perSec(base.tuplesPerCpuSec).replace("/s", "/CPU-s")} (a)`,
      baselineValue: base?.tuplesPerCpuSec, ratio: cpuRatio, target: cpuTarget ? "≥ 0.10×" : "—",
      outcome: cpuTarget ? check(cpuRatio === undefined ? false : cpuRatio >= 0.1) : "info",
      note: `all ${key === "b" ? 2 : 3} container processes (incl. TManager) ${w.cores.toFixed(2)} CPU-s/s over ${w.seconds.toFixed(1)} s`
    }),
    row({
      id: `${id}.3`, metric: `(${key}) ${label}, ${mode}: p50 / p99 at max rate`, measured: `${ms(w.p50)} / ${ms(w.p99)}`, measuredValue: w.p99,
      baseline: base === undefined ? "n/a" : `${ms(base.p99)} (a) p99`, baselineValue: base?.p99, ratio: div(w.p99, base?.p99),
      target: "—", outcome: "info", note: `${w.samples} samples; at max rate latency is time queued in full buffers`
    })
  ]
}

export const rows = (res: Results): Array<Row> => {
  const e = res.errors
  const out: Array<Row> = []
  const b = res.baseline
  if (b === undefined) {
    out.push(missing("a.1", "(a) in-process loop: tuples/s", "—", e["baseline"]), missing("a.2", "(a) in-process loop: tuples per CPU-s", "—", e["baseline"]))
  } else {
    out.push(
      row({ id: "a.1", metric: "(a) in-process loop: tuples/s", measured: perSec(b.tuplesPerSec), measuredValue: b.tuplesPerSec, baseline: "—", baselineValue: undefined,
        target: "—", outcome: "info", note: `one thread, no engine: the topology's own spout/bolts; p50 ${ms(b.p50)}, p99 ${ms(b.p99)}` }),
      row({ id: "a.2", metric: "(a) in-process loop: tuples per CPU-s", measured: perSec(b.tuplesPerCpuSec).replace("/s", "/CPU-s"), measuredValue: b.tuplesPerCpuSec,
        baseline: "—", baselineValue: undefined, target: "—", outcome: "info", note: "user code only: split(' ') + Map update per word" })
    )
  }
  out.push(...throughputRows("b", "1 container", false, res.bAmo, res, e["bAmo"], false))
  out.push(...throughputRows("b", "1 container", true, res.bAlo, res, e["bAlo"], false))
  out.push(...throughputRows("c", "2 containers", false, res.cAmo, res, e["cAmo"], true))
  out.push(...throughputRows("c", "2 containers", true, res.cAlo, res, e["cAlo"], true))

  for (const [id, key, amo, alo] of [["b.ratio", "b", res.bAmo, res.bAlo], ["c.ratio", "c", res.cAmo, res.cAlo]] as const) {
    const target = key === "c" ? "≥ 0.50×" : "—"
    const metric = `(${key}) at-least-once vs at-most-once tuples/s`
    if (amo === undefined || alo === undefined) out.push(missing(id, metric, target, e[key === "c" ? "cAlo" : "bAlo"] ?? e[key === "c" ? "cAmo" : "bAmo"]))
    else {
      const r = div(alo.tuplesPerSec, amo.tuplesPerSec)
      out.push(row({ id, metric, measured: perSec(alo.tuplesPerSec), measuredValue: alo.tuplesPerSec, baseline: `${perSec(amo.tuplesPerSec)} amo`,
        baselineValue: amo.tuplesPerSec, ratio: r, target, outcome: key === "c" ? check(r !== undefined && r >= 0.5) : "info",
        note: `acking: ACK_INIT + combined ACK_XOR frames, XOR ledger in the spout's stmgr; ${perSec(alo.tuplesPerCpuSec).replace("/s", "/CPU-s")} vs ${perSec(amo.tuplesPerCpuSec).replace("/s", "/CPU-s")}` }))
    }
  }

  const w = res.wire
  if (w === undefined) {
    out.push(missing("t.raw", "raw loopback TCP, 64 KB batches", "—", e["wire"]), missing("t.small", "stmgr→stmgr, word-count frames (37 B)", "≥ 0.70×", e["wire"]),
      missing("t.large", "stmgr→stmgr, 16 KB frames", "—", e["wire"]))
  } else {
    const small = div(w.small.bytesPerSec, w.raw.bytesPerSec)
    out.push(
      row({ id: "t.raw", metric: "raw loopback TCP, 64 KB batches", measured: mbps(w.raw.bytesPerSec), measuredValue: w.raw.bytesPerSec, baseline: "—", baselineValue: undefined,
        target: "—", outcome: "info", note: `physical ceiling: kernel copy; sender ${pct(w.raw.senderLoad)}, receiver ${pct(w.raw.receiverLoad)} of a core` }),
      row({ id: "t.small", metric: "stmgr→stmgr, word-count frames (37 B)", measured: `${mbps(w.small.bytesPerSec)} (${perSec(w.small.framesPerSec)})`,
        measuredValue: w.small.bytesPerSec, baseline: `${mbps(w.raw.bytesPerSec)} raw`, baselineValue: w.raw.bytesPerSec, ratio: small, target: "≥ 0.70×",
        outcome: check(small !== undefined && small >= 0.7),
        note: `receiving stmgr routes frame by frame (${pct(w.small.receiverLoad)} of a core); sender forwards whole batches (${pct(w.small.senderLoad)})` }),
      row({ id: "t.large", metric: "stmgr→stmgr, 16 KB frames", measured: mbps(w.large.bytesPerSec), measuredValue: w.large.bytesPerSec,
        baseline: `${mbps(w.raw.bytesPerSec)} raw`, baselineValue: w.raw.bytesPerSec, ratio: div(w.large.bytesPerSec, w.raw.bytesPerSec), target: "—", outcome: "info",
        note: `per-frame cost amortised: kernel copy dominates; receiver ${pct(w.large.receiverLoad)}` })
    )
  }

  const h = res.half
  if (h === undefined) out.push(missing("p99.half", "p99 at half of (c) at-most-once's max rate", "< 10 ms", e["half"]))
  else {
    out.push(row({ id: "p99.half", metric: "p99 at half of (c) at-most-once's max rate", measured: `${ms(h.window.p99)} (p50 ${ms(h.window.p50)})`,
      measuredValue: h.window.p99, baseline: b === undefined ? "n/a" : `${ms(b.p99)} (a) p99`, baselineValue: b?.p99, ratio: div(h.window.p99, b?.p99),
      target: "< 10 ms", outcome: check(Number.isFinite(h.window.p99) && h.window.p99 < 10),
      note: `${perSec(h.window.tuplesPerSec)} counted (spout ${h.sentencesPerSec.toFixed(0)} sentences/s), ${h.window.samples} samples; ${h.window.cores.toFixed(2)} cores` }))
  }

  const s = res.submit
  if (s === undefined || s.toFirstMs.length === 0) out.push(missing("submit", "submit → first processed tuple", "< 1.5 s", e["submit"] ?? e["bAmo"]))
  else {
    const med = quantile(s.toFirstMs, 0.5)
    out.push(row({ id: "submit", metric: "submit → first processed tuple", measured: `${secs(med)} median of ${s.toFirstMs.length}`, measuredValue: med,
      baseline: s.versionMs === undefined ? "n/a" : `${secs(s.versionMs)} heron version`, baselineValue: s.versionMs, ratio: div(med, s.versionMs),
      target: "< 1.5 s", outcome: check(med < 1500),
      note: `range ${secs(Math.min(...s.toFirstMs))}–${secs(Math.max(...s.toFirstMs))}; \`heron submit\` itself ${secs(quantile(s.cliMs, 0.5))} (bundle, upload, state, wait for the physical plan)` }))
  }

  const i = res.idle
  if (i === undefined) out.push(missing("idle", "idle container RSS", "≤ 1.5×", e["idle"]))
  else {
    const r = div(i.containerRss, i.bareRss)
    out.push(row({ id: "idle", metric: "idle container RSS", measured: mb(i.containerRss), measuredValue: i.containerRss, baseline: `${mb(i.bareRss)} bare node`,
      baselineValue: i.bareRss, ratio: r, target: "≤ 1.50×", outcome: check(r !== undefined && r <= 1.5),
      note: `${i.instances} instances = ${i.instances} worker threads (one V8 isolate each); TManager container ${mb(i.tmanagerRss)}` }))
  }

  const st = res.stall
  if (st === undefined) {
    out.push(missing("stall.mem", "memory growth while a bolt stalls", "≤ HWM + 32 MB", e["stall"]), missing("stall.tput", "throughput 2 s after the stall vs before", "≥ 0.90×", e["stall"]))
  } else {
    const growth = Math.max(...st.rss.map((r) => r.peak - r.pre))
    const bound = st.highWatermark + WATERMARK_SLACK
    const rec = div(st.after, st.before)
    out.push(
      row({ id: "stall.mem", metric: `RSS growth while a bolt stalls ${(st.stallMs / 1000).toFixed(0)} s`, measured: mb(growth), measuredValue: growth,
        baseline: `${mb(st.highWatermark)} HWM`, baselineValue: st.highWatermark, ratio: div(growth, st.highWatermark), target: `≤ ${mb(bound)}`,
        outcome: check(growth <= bound), note: st.rss.map((r) => `c${r.container} ${mb(r.pre)}→${mb(r.peak)}`).join(", ") + "; per-buffer high watermark" }),
      row({ id: "stall.tput", metric: "throughput 2 s after the stall vs 2 s before", measured: perSec(st.after), measuredValue: st.after, baseline: perSec(st.before),
        baselineValue: st.before, ratio: rec, target: "≥ 0.90×", outcome: check(rec !== undefined && rec >= 0.9),
        note: "backlog drains first; spouts resume when every buffer is under the low watermark" })
    )
  }
  return out
}
