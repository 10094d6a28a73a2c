/**
 * Tabs after the WAI-ARIA pattern: one tab stop for the list, arrow keys (and Home/End) move and
 * select, the panel follows.
 */
import type { ComponentChildren } from "preact"
import { useRef } from "preact/hooks"

export const Tabs = <Id extends string>({ label, tabs, current, onChange, children }: {
  readonly label: string
  readonly tabs: ReadonlyArray<{ readonly id: Id; readonly label: string }>
  readonly current: Id
  readonly onChange: (id: Id) => void
  readonly children: ComponentChildren
}) => {
  const list = useRef<HTMLDivElement>(null)
  const move = (to: number) => {
    const target = tabs[(to + tabs.length) % tabs.length]
    if (target === undefined) return
    onChange(target.id)
    list.current?.querySelector<HTMLButtonElement>(`#tab-${target.id}`)?.focus()
  }
  const at = tabs.findIndex((t) => t.id === current)
  return (
    <div class="tabs">
      <div
        ref={list}
        role="tablist"
        aria-label={label}
        onKeyDown={(e) => {
          const moves: Readonly<Record<string, number>> = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }
          const to = moves[e.key]
          if (to === undefined) return
          e.preventDefault()
          move(to)
        }}
      >
        {tabs.map((t) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={t.id === current}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === current ? 0 : -1}
            onClick={() => onChange(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div id={`panel-${current}`} role="tabpanel" aria-labelledby={`tab-${current}`} tabIndex={0} class="tab-panel">
        {children}
      </div>
    </div>
  )
}
