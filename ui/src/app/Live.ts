/**
 * Live refresh, on by default, switched for the whole UI from the header (and kept in
 * `localStorage`). Pages reload their data while it is on.
 */
import { useEffect, useState } from "preact/hooks"

const KEY = "heron.live"
const listeners = new Set<(on: boolean) => void>()

const read = (): boolean => {
  try {
    return globalThis.localStorage.getItem(KEY) !== "off"
  } catch {
    return true
  }
}

let live = read()

export const setLive = (on: boolean): void => {
  live = on
  try {
    globalThis.localStorage.setItem(KEY, on ? "on" : "off")
  } catch {
    // Storage may be disabled: the setting then lasts for the page.
  }
  listeners.forEach((l) => l(on))
}

export const useLive = (): boolean => {
  const [on, setOn] = useState(live)
  useEffect(() => {
    listeners.add(setOn)
    return () => void listeners.delete(setOn)
  }, [])
  return on
}
