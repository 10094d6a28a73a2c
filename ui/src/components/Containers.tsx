/**
 * The physical plan: each container with its instances. Instances carry the colour, glyph and
 * words of the chosen health overlay; pointing at one lights up its component in the DAG (and its
 * sibling instances). The grid of a container is one tab stop: arrow keys move between its
 * instances, Enter opens one.
 */
import type { TargetedKeyboardEvent, TargetedMouseEvent } from "preact"
import { setHighlight } from "../app/Highlight.js"
import { navigate } from "../app/Router.js"
import type { Address } from "../model/Address.js"
import { containerPath, instancePath } from "../model/Address.js"
import { percent } from "../model/Format.js"
import { grade, type InstanceHealth, levelGlyph, levelWords, type Overlay, overlayValue } from "../model/Health.js"
import type { ContainerNode } from "../model/Plan.js"
import { formatOverlay } from "./OverlayPicker.js"

export interface ContainerState {
  readonly state: string
  readonly restarts: number
}

/** Arrow keys, Home and End move the focus within a grid of links. */
const onGridKey = (e: TargetedKeyboardEvent<HTMLDivElement>) => {
  const cells = [...e.currentTarget.querySelectorAll<HTMLAnchorElement>("a.inst")]
  const at = cells.indexOf(document.activeElement as HTMLAnchorElement)
  if (at < 0) return
  const first = cells[0]
  const perRow = first === undefined ? 1 : Math.max(1, cells.filter((c) => c.offsetTop === first.offsetTop).length)
  const moves: Readonly<Record<string, number>> = { ArrowRight: at + 1, ArrowLeft: at - 1, ArrowDown: at + perRow, ArrowUp: at - perRow, Home: 0, End: cells.length - 1 }
  const next = moves[e.key]
  if (next === undefined) return
  e.preventDefault()
  const target = cells[Math.max(0, Math.min(cells.length - 1, next))]
  if (target === undefined) return
  cells[at]?.setAttribute("tabindex", "-1")
  target.setAttribute("tabindex", "0")
  target.focus()
}

const onGridClick = (e: TargetedMouseEvent<HTMLDivElement>) => {
  const a = e.target instanceof Element ? e.target.closest<HTMLAnchorElement>("a.inst") : null
  if (a === null || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  e.preventDefault()
  navigate(a.pathname)
}

const pointAt = (e: Event) => {
  const a = e.target instanceof Element ? e.target.closest<HTMLElement>("[data-comp]") : null
  setHighlight(a?.dataset["comp"])
}

export const Containers = ({ address, containers, health, overlay, states, backPressure, compact }: {
  readonly address: Address
  readonly containers: ReadonlyArray<ContainerNode>
  readonly health: ReadonlyMap<string, InstanceHealth>
  readonly overlay: Overlay
  readonly states: ReadonlyMap<number, ContainerState>
  readonly backPressure: ReadonlyMap<number, number>
  /** Many instances: small cells without text (the text stays in their labels). */
  readonly compact: boolean
}) => (
  <ol class={`containers${compact ? " compact" : ""}`}>
    {containers.map((c) => {
      const state = states.get(c.index)
      const bp = backPressure.get(c.index)
      const bpLevel = grade("backpressure", bp)
      const down = state !== undefined && state.state !== "running"
      return (
        <li key={c.index} class={`container${down ? " down" : ""}`} data-container={c.index}>
          <div class="container-head">
            <a
              href={containerPath(address, c.index)}
              onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey) return
                e.preventDefault()
                navigate(containerPath(address, c.index))
              }}
            >
              Container {c.index}
            </a>
            <span class="muted">{c.index === 0 ? "TManager · metrics cache" : c.stmgrId ?? ""}</span>
            {state === undefined ? null : (
              <span class={`cstate cstate-${state.state}`}>
                <span aria-hidden="true">{down ? "✖ " : "● "}</span>{state.state}{state.restarts > 0 ? `, ${state.restarts} restart${state.restarts > 1 ? "s" : ""}` : ""}
              </span>
            )}
            {bp === undefined || c.index === 0 ? null : (
              <span class={`level level-${bpLevel}`} title="time its stream manager spent in back-pressure">
                {levelGlyph[bpLevel] === "" ? null : <span aria-hidden="true">{levelGlyph[bpLevel]} </span>}
                back-pressure {percent(bp)}
              </span>
            )}
          </div>
          {c.instances.length === 0 ? null : (
            <div
              class="grid"
              role="group"
              aria-label={`Instances of container ${c.index}; arrow keys move between them`}
              onKeyDown={onGridKey}
              onClick={onGridClick}
              onMouseOver={pointAt}
              onFocusIn={pointAt}
              onMouseLeave={() => setHighlight(undefined)}
            >
              {c.instances.map((i, k) => {
                const h = health.get(i.id)
                const value = h === undefined ? undefined : overlayValue(h, overlay)
                const level = h === undefined ? "none" : grade(overlay, value, h?.processed)
                const text = `${i.id} (${i.component}): ${h === undefined ? "no metrics" : `${formatOverlay(overlay, value)}, ${levelWords[level]}`}`
                return (
                  // The title is the accessible name of a compact cell (its glyph is hidden) and the description of the others.
                  <a key={i.id} class={`inst level-${level}`} href={instancePath(address, i.id)} data-comp={i.component} tabIndex={k === 0 ? 0 : -1} title={text}>
                    {compact ? (levelGlyph[level] === "" ? null : <span aria-hidden="true">{levelGlyph[level]}</span>) : (
                      <>
                        <span class="inst-name">{i.component}</span> <span class="inst-task">{i.taskId}</span>
                        {levelGlyph[level] === "" ? null : <span class="glyph" aria-hidden="true"> {levelGlyph[level]}</span>}
                      </>
                    )}
                  </a>
                )
              })}
            </div>
          )}
        </li>
      )
    })}
  </ol>
)
