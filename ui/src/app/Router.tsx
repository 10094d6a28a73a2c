/**
 * A small history router: the current location as state, `navigate` to change it, and `Link`,
 * an `<a>` that navigates without reloading (a modified or middle click still opens a new tab).
 */
import type { ComponentChildren } from "preact"
import { useEffect, useState } from "preact/hooks"

const listeners = new Set<() => void>()
const notify = () => listeners.forEach((l) => l())

/** Goes to `to` (a path with its query), adding a history entry unless `replace`. */
export const navigate = (to: string, options: { readonly replace?: boolean } = {}): void => {
  if (to === globalThis.location.pathname + globalThis.location.search) return
  if (options.replace === true) globalThis.history.replaceState(null, "", to)
  else globalThis.history.pushState(null, "", to)
  notify()
  if (options.replace !== true) globalThis.scrollTo(0, 0)
}

globalThis.addEventListener("popstate", notify)

/** The current path and query; re-renders on every navigation. */
export const useLocation = (): { readonly pathname: string; readonly search: URLSearchParams } => {
  const [, setTick] = useState(0)
  useEffect(() => {
    const l = () => setTick((t) => t + 1)
    listeners.add(l)
    return () => void listeners.delete(l)
  }, [])
  return { pathname: globalThis.location.pathname, search: new URLSearchParams(globalThis.location.search) }
}

/** The path with `search` changed by `patch` (`undefined` or "" removes a key). */
export const withQuery = (pathname: string, search: URLSearchParams, patch: Readonly<Record<string, string | undefined>>): string => {
  const next = new URLSearchParams(search)
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined || v === "") next.delete(k)
    else next.set(k, v)
  }
  const q = next.toString()
  return q === "" ? pathname : `${pathname}?${q}`
}

interface LinkProps {
  readonly href: string
  readonly children?: ComponentChildren
  readonly class?: string
  readonly title?: string
  readonly "aria-current"?: "page" | undefined
}

export const Link = ({ href, children, ...rest }: LinkProps) => (
  <a
    {...rest}
    href={href}
    onClick={(e) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
      e.preventDefault()
      navigate(href)
    }}
  >
    {children}
  </a>
)
