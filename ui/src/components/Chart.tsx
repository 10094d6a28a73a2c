/**
 * A time-series chart (uPlot, loaded on first use), with its data also as a table for readers
 * who cannot see the lines. Series differ in dash pattern as well as in colour.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import type uPlot from "uplot"
import { clock } from "../model/Format.js"

export interface Series {
  readonly label: string
  /** [epoch seconds, value] pairs. */
  readonly points: ReadonlyArray<readonly [number, number]>
}

const colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
const dashes: ReadonlyArray<ReadonlyArray<number>> = [[], [6, 4], [2, 3], [10, 3, 2, 3]]

/** Aligns the series on the union of their times (uPlot's data layout). */
const align = (series: ReadonlyArray<Series>): uPlot.AlignedData => {
  const times = [...new Set(series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b)
  const columns = series.map((s) => {
    const at = new Map(s.points)
    return times.map((t) => at.get(t) ?? null)
  })
  return [times, ...columns]
}

export const Chart = ({ title, series, format, range }: {
  readonly title: string
  readonly series: ReadonlyArray<Series>
  readonly format: (v: number) => string
  /** The window shown, in epoch seconds (the chart spans it even with few points). */
  readonly range: readonly [number, number]
}) => {
  const box = useRef<HTMLDivElement>(null)
  const [failed, setFailed] = useState<string | undefined>(undefined)
  useEffect(() => {
    const el = box.current
    if (el === null || series.length === 0) return
    let plot: uPlot | undefined
    let observer: ResizeObserver | undefined
    let cancelled = false
    import("uplot").then(({ default: UPlot }) => {
      if (cancelled) return
      const width = () => Math.max(280, el.clientWidth)
      plot = new UPlot({
        width: width(),
        height: 220,
        series: [
          { label: "time", value: (_u, v) => (v === null ? "–" : clock(v * 1000)) },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: colours[i % colours.length] ?? "#333",
            width: 2,
            dash: [...(dashes[i % dashes.length] ?? [])],
            spanGaps: true,
            value: (_u: uPlot, v: number | null) => (v === null ? "–" : format(v))
          }))
        ],
        axes: [{}, { values: (_u, ticks) => ticks.map(format), size: 70 }],
        scales: { x: { time: true, range: () => [range[0], range[1]] } }
      }, align(series), el)
      observer = new ResizeObserver(() => plot?.setSize({ width: width(), height: 220 }))
      observer.observe(el)
    }, (e: unknown) => setFailed(String(e)))
    return () => {
      cancelled = true
      observer?.disconnect()
      plot?.destroy()
    }
  }, [series, format, range[0], range[1]])
  const data = align(series)
  const times = Array.from(data[0] ?? [])
  const columns = data.slice(1).map((c) => Array.from(c))
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      {series.length === 0 ? <p class="muted">No data in this window yet.</p> : <div ref={box} class="chart-box" aria-hidden="true" />}
      {failed === undefined ? null : <p class="error">The chart could not be drawn: {failed}</p>}
      {series.length === 0 ? null : (
        <details>
          <summary>{title}: the data as a table</summary>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Minute</th>
                  {series.map((s) => <th key={s.label} scope="col" class="num">{s.label}</th>)}
                </tr>
              </thead>
              <tbody>
                {times.map((t, row) => (
                  <tr key={t}>
                    <th scope="row">{clock(t * 1000)}</th>
                    {columns.map((col, k) => <td key={k} class="num">{col[row] === null || col[row] === undefined ? "–" : format(col[row] ?? 0)}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </figure>
  )
}
