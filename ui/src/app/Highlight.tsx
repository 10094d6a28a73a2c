/**
 * Which component is pointed at (hovered or focused in the DAG or in the containers): the DAG
 * node and every instance of it light up. Kept outside the page's state so that pointing does
 * not re-render thousands of instance cells: a `<style>` rule does the highlighting.
 */
import { useEffect, useState } from "preact/hooks"

let current: string | undefined
const listeners = new Set<(c: string | undefined) => void>()

export const setHighlight = (component: string | undefined): void => {
  if (component === current) return
  current = component
  listeners.forEach((l) => l(component))
}

export const useHighlight = (): string | undefined => {
  const [c, setC] = useState(current)
  useEffect(() => {
    listeners.add(setC)
    return () => void listeners.delete(setC)
  }, [])
  return c
}

/** The rule that lights up the pointed component's instances and DAG node. */
export const HighlightStyle = () => {
  const c = useHighlight()
  if (c === undefined) return null
  const v = CSS.escape(c)
  return <style>{`a.inst[data-comp="${v}"]{outline:3px solid var(--focus);outline-offset:1px;z-index:1}g.node[data-node="${v}"] rect.node-box{stroke:var(--focus);stroke-width:5}`}</style>
}
