/** A one-time message carried to the next page (e.g. "word-count was killed" on the list). */
import { useEffect, useState } from "preact/hooks"

let pending: string | undefined

export const setFlash = (message: string): void => {
  pending = message
}

export const Flash = () => {
  const [message] = useState(() => {
    const m = pending
    pending = undefined
    return m
  })
  const [shown, setShown] = useState(message !== undefined)
  useEffect(() => {
    if (!shown) return
    const t = setTimeout(() => setShown(false), 15_000)
    return () => clearTimeout(t)
  }, [shown])
  return <p class="flash" role="status">{shown ? message : ""}</p>
}
