/**
 * Data for a component: loads when `key` changes, reloads every `refreshMs` while live refresh is
 * on and the tab is visible, cancels what is in flight when the component goes away. A failed
 * reload keeps the last data and reports its error beside it.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks"
import { Cancelled, type Result } from "../api/Run.js"
import { useLive } from "./Live.js"

export interface Resource<A> {
  readonly data: A | undefined
  readonly error: string | undefined
  readonly loading: boolean
  /** When the last answer arrived (ms since the epoch). */
  readonly updatedAt: number | undefined
  readonly reload: () => void
}

export interface ResourceOptions {
  /** Reload this often while live refresh is on; none: load once per key. */
  readonly refreshMs?: number
  /** Nothing is loaded while false. */
  readonly enabled?: boolean
}

export const useResource = <A>(key: string, load: (signal: AbortSignal) => Promise<Result<A>>, options: ResourceOptions = {}): Resource<A> => {
  const [state, setState] = useState<{ key: string; data: A | undefined; error: string | undefined; loading: boolean; updatedAt: number | undefined }>(
    { key, data: undefined, error: undefined, loading: true, updatedAt: undefined }
  )
  const [tick, setTick] = useState(0)
  const live = useLive()
  const loader = useRef(load)
  loader.current = load
  const enabled = options.enabled ?? true

  useEffect(() => {
    if (!enabled) return
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const schedule = () => {
      if (options.refreshMs === undefined || !live || controller.signal.aborted) return
      timer = setTimeout(() => {
        if (document.visibilityState === "hidden") schedule()
        else void once()
      }, options.refreshMs)
    }
    const once = async () => {
      setState((s) => (s.key === key ? { ...s, loading: true } : { key, data: undefined, error: undefined, loading: true, updatedAt: undefined }))
      try {
        const r = await loader.current(controller.signal)
        if (controller.signal.aborted) return
        // Marks for profiling (DevTools' Performance panel, the UI benchmark): `heron:<key> <phase>`.
        performance.mark(`heron:${key.split(":")[0] ?? key} answered`)
        setState((s) => r._tag === "Ok"
          ? { key, data: r.value, error: undefined, loading: false, updatedAt: Date.now() }
          : { key, data: s.key === key ? s.data : undefined, error: r.message, loading: false, updatedAt: Date.now() })
      } catch (e) {
        if (!(e instanceof Cancelled)) setState((s) => ({ ...s, error: String(e), loading: false }))
        return
      }
      schedule()
    }
    void once()
    return () => {
      controller.abort()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [key, tick, live, enabled, options.refreshMs])

  const reload = useCallback(() => setTick((t) => t + 1), [])
  const current = state.key === key ? state : { data: undefined, error: undefined, loading: true, updatedAt: undefined }
  return { ...current, reload }
}
