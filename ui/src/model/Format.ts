/** How numbers, sizes, times and ratios are written across the UI. */

const units = ["", "k", "M", "G", "T"] as const

/** `1234` → `1.23k`; integers below 1000 as they are; `–` for nothing. */
export const count = (n: number | undefined): string => {
  if (n === undefined || !Number.isFinite(n)) return "–"
  if (Math.abs(n) < 1000) return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1)
  let i = 0
  let v = n
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000
    i += 1
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)}${units[i] ?? ""}`
}

/** Bytes in binary units: `12.3 MiB`. */
export const bytes = (n: number | undefined): string => {
  if (n === undefined || !Number.isFinite(n)) return "–"
  const names = ["B", "KiB", "MiB", "GiB", "TiB"]
  let i = 0
  let v = n
  while (v >= 1024 && i < names.length - 1) {
    v /= 1024
    i += 1
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${names[i] ?? "B"}`
}

/** A ratio as a percentage: `0.123` → `12.3%`. */
export const percent = (r: number | undefined): string =>
  r === undefined || !Number.isFinite(r) ? "–" : `${(r * 100).toFixed(r < 0.1 ? 2 : 1)}%`

/** Milliseconds: `0.12 ms`, `35 ms`, `1.2 s`. */
export const millis = (ms: number | undefined): string => {
  if (ms === undefined || !Number.isFinite(ms)) return "–"
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`
  return `${ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : 0)} ms`
}

/** Epoch seconds as a local date and time, `2026-11-27 02:12:18`. */
export const dateTime = (epochSeconds: number | undefined): string => {
  if (epochSeconds === undefined || !Number.isFinite(epochSeconds) || epochSeconds <= 0) return "–"
  const d = new Date(epochSeconds * 1000)
  const p = (n: number) => String(n).padStart(2, "0")
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** How long ago, roughly: `3 min ago`. */
export const ago = (epochSeconds: number, nowMs: number = Date.now()): string => {
  const s = Math.max(0, Math.round(nowMs / 1000 - epochSeconds))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h ago`
  return `${(s / 86_400).toFixed(1)} days ago`
}

// One formatter for every call: `toLocaleTimeString` builds a new one each time (a chart's table calls it per row).
const clockFormat = new Intl.DateTimeFormat([], { hour: "numeric", minute: "numeric", second: "numeric", hour12: false })

/** Clock time of a moment in ms, `02:12:18`. */
export const clock = (ms: number): string => clockFormat.format(ms)
