/**
 * The logical DAG: spouts and bolts (with their parallelism) and the streams between them (with
 * their grouping), laid out by ELK. Pointing at a node (mouse or keyboard focus) lights up its
 * instances in the containers below; Enter or a click selects it for the charts.
 */
import { useEffect, useState } from "preact/hooks"
import { setHighlight, useHighlight } from "../app/Highlight.js"
import type { Level } from "../model/Health.js"
import { levelGlyph, levelWords } from "../model/Health.js"
import { byStages, graphKey, type Layout, layout, remember, remembered } from "../model/Layout.js"
import type { ComponentNode, Edge } from "../model/Plan.js"

export interface NodeBadge {
  readonly level: Level
  readonly text: string
}

const pathOf = (points: ReadonlyArray<{ x: number; y: number }>) => points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ")

export const Dag = ({ components, edges, badges, overlayLabel, onSelect, elk = true }: {
  /** ELK is asked (and its worker started) once true; until then the DAG is drawn by stages. */
  readonly elk?: boolean
  readonly components: ReadonlyArray<ComponentNode>
  readonly edges: ReadonlyArray<Edge>
  readonly badges: ReadonlyMap<string, NodeBadge>
  readonly overlayLabel: string
  readonly onSelect: (component: string) => void
}) => {
  const key = graphKey(components, edges)
  // At once: ELK's layout from an earlier visit, else the layout by stages until ELK's arrives.
  const [laid, setLaid] = useState<{ key: string; layout: Layout }>(() => ({ key, layout: remembered(key) ?? byStages(components, edges) }))
  const pointed = useHighlight()
  useEffect(() => {
    if (laid.key !== key) setLaid({ key, layout: remembered(key) ?? byStages(components, edges) })
    if (remembered(key) !== undefined || !elk) return
    let live = true
    void layout(components, edges).then((l) => {
      remember(key, l)
      if (live) setLaid({ key, layout: l })
    })
    return () => void (live = false)
  }, [key, elk])
  const l = laid.layout
  const byName = new Map(components.map((c) => [c.name, c]))
  return (
    <figure class="dag" data-layout={l.engine}>
      <svg viewBox={`0 0 ${l.width} ${l.height}`} width={l.width} height={l.height} role="group" aria-label="Logical plan: components and streams">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
        </defs>
        {l.edges.map((e) => (
          <g key={e.id} class={`edge${pointed === e.from || pointed === e.to ? " edge-hl" : ""}`}>
            <path d={pathOf(e.points)} marker-end="url(#arrow)" />
            {e.labelAt === undefined ? null : <text x={e.labelAt.x} y={e.labelAt.y} text-anchor="middle" class="edge-label">{e.label}</text>}
          </g>
        ))}
        {l.nodes.map((n) => {
          const c = byName.get(n.id)
          if (c === undefined) return null
          const badge = badges.get(c.name)
          const label = `${c.name}: ${c.kind}, ${c.parallelism} instance${c.parallelism === 1 ? "" : "s"}${badge === undefined ? "" : `; ${overlayLabel} ${badge.text} (${levelWords[badge.level]})`}`
          return (
            <g
              key={n.id}
              class={`node node-${c.kind} level-${badge?.level ?? "none"}`}
              data-node={c.name}
              transform={`translate(${n.x},${n.y})`}
              tabIndex={0}
              role="button"
              aria-label={label}
              onMouseEnter={() => setHighlight(c.name)}
              onMouseLeave={() => setHighlight(undefined)}
              onFocus={() => setHighlight(c.name)}
              onBlur={() => setHighlight(undefined)}
              onClick={() => onSelect(c.name)}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === " ") {
                  e.preventDefault()
                  onSelect(c.name)
                }
              }}
            >
              <title>{label}</title>
              <rect class="node-box" width={n.width} height={n.height} rx={c.kind === "spout" ? 24 : 6} />
              <text x={12} y={24} class="node-name">{c.name}</text>
              <text x={12} y={44} class="node-kind">{c.kind} ×{c.parallelism}</text>
              {badge === undefined ? null : (
                <text x={12} y={66} class="node-badge">
                  {levelGlyph[badge.level]} {badge.text}
                </text>
              )}
            </g>
          )
        })}
      </svg>
      <figcaption>
        Spouts have round corners. Edges carry their grouping. Point at a component to see its instances in the containers.
      </figcaption>
    </figure>
  )
}
