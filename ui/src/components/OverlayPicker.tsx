/** The choice of health overlay (a radio group: arrow keys move within it) and its legend. */
import { count, millis, percent } from "../model/Format.js"
import { type Level, levelGlyph, levelWords, type Overlay, overlays } from "../model/Health.js"

/** The legend shows each grade as an instance cell looks with it: its border, its glyph, its words. */
const legend: ReadonlyArray<Level> = ["ok", "warn", "bad", "none"]

/** An overlay's value in its unit. */
export const formatOverlay = (o: Overlay, v: number | undefined): string => {
  switch (o) {
    case "failures":
      return `${count(v)} failed`
    case "cpu":
      return `loop delay ${millis(v)}`
    case "memory":
      return `heap ${percent(v)} of RAM`
    case "capacity":
      return `capacity ${percent(v)}`
    case "backpressure":
      return `back-pressure ${percent(v)}`
    case "gc":
      return `GC ${percent(v)}`
  }
}

export const OverlayPicker = ({ value, onChange }: { readonly value: Overlay; readonly onChange: (o: Overlay) => void }) => (
  <fieldset class="overlay-picker">
    <legend>Health overlay (last 10 min)</legend>
    {overlays.map((o) => (
      <label key={o.id} title={o.help}>
        <input type="radio" name="overlay" value={o.id} checked={value === o.id} onChange={() => onChange(o.id)} />
        {o.label}
      </label>
    ))}
    <p class="legend">
      {legend.map((level) => (
        <span key={level} class={`level level-${level}`} data-level={level}>
          <span class={`inst swatch level-${level}`} aria-hidden="true">{levelGlyph[level]}</span> {levelWords[level]}
        </span>
      ))}
    </p>
  </fieldset>
)
