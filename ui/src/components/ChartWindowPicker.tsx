/**
 * The time window of a metric chart (10 min, 1 h, 3 h), as a radio group; `name` keeps two
 * pickers on one page apart.
 */
import { chartWindows } from "./ComponentCharts.js"

export const ChartWindowPicker = ({ name, value, onChange }: {
  readonly name: string
  readonly value: number
  readonly onChange: (seconds: number) => void
}) => (
  <div class="segmented" role="radiogroup" aria-label="Chart window">
    {chartWindows.map((w) => (
      <label key={w.seconds}>
        <input type="radio" name={name} checked={value === w.seconds} onChange={() => onChange(w.seconds)} />
        {w.label}
      </label>
    ))}
  </div>
)
