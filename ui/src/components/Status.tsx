/** Small shared pieces: a topology's status badge, health notes, loading and error lines. */
import type { ComponentChildren } from "preact"
import { type Level, levelGlyph, levelWords } from "../model/Health.js"
import { clock } from "../model/Format.js"

const statusGlyph: Readonly<Record<string, string>> = { Running: "▶", Paused: "‖", Killed: "✖", Unknown: "?" }

/** `▶ Running`, `⏸ Paused`, ...: glyph, word and colour. */
export const StatusBadge = ({ status }: { readonly status: string }) => (
  <span class={`status status-${status.toLowerCase()}`}>
    <span aria-hidden="true">{statusGlyph[status] ?? "?"}</span> {status}
  </span>
)

/** A graded mark: glyph and words for screen readers and for anyone who cannot tell colours apart. */
export const LevelMark = ({ level, children }: { readonly level: Level; readonly children?: ComponentChildren }) => (
  <span class={`level level-${level}`}>
    {levelGlyph[level] === "" ? null : <span class="glyph" aria-hidden="true">{levelGlyph[level]}</span>}
    <span class="sr-only">{levelWords[level]}: </span>
    {children}
  </span>
)

export const Loading = ({ what }: { readonly what: string }) => <p class="loading" role="status">Loading {what}…</p>

export const ErrorNote = ({ message, what }: { readonly message: string; readonly what?: string }) => (
  <p class="error" role="alert">
    <span aria-hidden="true">⚠ </span>
    {what === undefined ? "" : `${what}: `}
    {message}
  </p>
)

/** "updated 02:13:04", and the last refresh's error if it failed. */
export const Freshness = ({ updatedAt, error, loading }: { readonly updatedAt: number | undefined; readonly error: string | undefined; readonly loading: boolean }) => (
  <span class="freshness" aria-live="polite">
    {loading ? "refreshing… " : ""}
    {updatedAt === undefined ? "" : `updated ${clock(updatedAt)}`}
    {error === undefined ? null : <span class="error-inline"> — last refresh failed: {error}</span>}
  </span>
)
