/**
 * A container's log (or any text file of its directory), read through the Tracker's
 * `containerfiledata` in pages of 64 KiB: opens at the end (tail), pages back and forth, and
 * follows what is appended (polled every second) while "Follow" is on.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { result, run } from "../api/Run.js"
import { type Address, trackerParams } from "../model/Address.js"
import { bytes } from "../model/Format.js"
import { ErrorNote, Loading } from "./Status.js"

const PAGE = 64 * 1024
/** What following keeps on screen; older text is dropped from the top. */
const KEEP = 512 * 1024
const FOLLOW_EVERY_MS = 1000

interface Chunk {
  readonly offset: number
  readonly length: number
  readonly data: string
}

export const LogViewer = ({ address, container, path }: { readonly address: Address; readonly container: number; readonly path: string }) => {
  const [chunks, setChunks] = useState<ReadonlyArray<Chunk>>([])
  const [size, setSize] = useState<number | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [follow, setFollow] = useState(false)
  const [busy, setBusy] = useState(false)
  const pre = useRef<HTMLPreElement>(null)
  const pinned = useRef(true)
  const params = { ...trackerParams(address), container: String(container), path }

  const read = async (offset: number, length: number, signal?: AbortSignal) => {
    const r = await run((t) => result(t.container.containerfiledata({ urlParams: { ...params, offset: String(offset), length: String(length) } })), signal)
    if (r._tag === "Failed") {
      setError(r.message)
      return undefined
    }
    setError(undefined)
    return r.value
  }
  /** The file's size: asking from offset -1 answers its end. */
  const end = async (signal?: AbortSignal) => (await read(-1, -1, signal))?.offset

  /**
   * Each page asked for takes a new number; an answer that arrives after a newer request was made
   * (the tail opened on mount, then "Tail" or "← Older" clicked before it answered) is dropped,
   * so the page shown is always the one asked for last. `known` is the file's size when the caller
   * has just read it (the tail), so it is not asked twice.
   */
  const asked = useRef(0)
  const showPage = async (offset: number, length: number, request = ++asked.current, known?: number) => {
    setBusy(true)
    const total = known ?? (await end())
    const page = await read(Math.max(0, offset), Math.max(0, length))
    if (request !== asked.current) return
    setBusy(false)
    if (page === undefined) return
    setSize(total)
    setChunks([page])
  }
  const tail = async () => {
    const request = ++asked.current
    setBusy(true)
    const total = await end()
    if (request !== asked.current) return
    if (total === undefined) {
      setBusy(false)
      return
    }
    await showPage(total - PAGE, Math.min(PAGE, total), request, total)
    pinned.current = true
  }

  useEffect(() => {
    setChunks([])
    setSize(undefined)
    void tail()
  }, [path, container])

  const last = chunks[chunks.length - 1]
  const first = chunks[0]
  const shownEnd = last === undefined ? 0 : last.offset + last.length
  const shownStart = first?.offset ?? 0

  useEffect(() => {
    if (!follow) return
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let from = shownEnd
    const poll = async () => {
      const more = await read(from, KEEP, controller.signal).catch(() => undefined)
      if (controller.signal.aborted) return
      if (more !== undefined && more.length > 0) {
        from = more.offset + more.length
        setSize((s) => Math.max(s ?? 0, from))
        setChunks((cs) => {
          const next = [...cs, more]
          let kept = next.reduce((n, c) => n + c.length, 0)
          while (kept > KEEP && next.length > 1) kept -= next.shift()?.length ?? 0
          return next
        })
      }
      timer = setTimeout(() => void poll(), FOLLOW_EVERY_MS)
    }
    void poll()
    return () => {
      controller.abort()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [follow])

  // While following, stay at the bottom unless the reader scrolled up.
  useEffect(() => {
    const el = pre.current
    if (el !== null && follow && pinned.current) el.scrollTop = el.scrollHeight
  }, [chunks, follow])

  return (
    <div class="log-viewer">
      <div class="log-tools" role="toolbar" aria-label={`Reading ${path}`}>
        <button type="button" disabled={busy || follow || shownStart === 0} onClick={() => void showPage(0, PAGE)}>⇤ Start</button>
        <button type="button" disabled={busy || follow || shownStart === 0} onClick={() => void showPage(shownStart - PAGE, Math.min(PAGE, shownStart))}>← Older</button>
        <button type="button" disabled={busy || follow || size === undefined || shownEnd >= size} onClick={() => void showPage(shownEnd, PAGE)}>Newer →</button>
        <button type="button" disabled={busy || follow} onClick={() => void tail()}>Tail ⇥</button>
        <button type="button" aria-pressed={follow} class={follow ? "on" : undefined} onClick={() => {
          // A page still on its way would replace what following appends: drop it.
          asked.current++
          setBusy(false)
          pinned.current = true
          setFollow(!follow)
        }}>
          {follow ? "◼ Stop following" : "▶ Follow"}
        </button>
        <span class="muted" aria-live="polite">
          {size === undefined ? "" : `bytes ${shownStart.toLocaleString()}–${shownEnd.toLocaleString()} of ${size.toLocaleString()} (${bytes(size)})`}
          {follow ? " · following" : ""}
        </span>
      </div>
      {error === undefined ? null : <ErrorNote what={`cannot read ${path}`} message={error} />}
      {size === undefined && error === undefined ? <Loading what={path} /> : null}
      <pre
        ref={pre}
        class="log"
        tabIndex={0}
        role="log"
        aria-label={`${path} of container ${container}`}
        data-following={follow ? "true" : "false"}
        onScroll={(e) => {
          const el = e.currentTarget
          pinned.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8
        }}
      >
        {chunks.map((c) => c.data).join("")}
      </pre>
    </div>
  )
}
