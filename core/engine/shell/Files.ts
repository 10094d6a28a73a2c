/**
 * The file endpoints of a container's shell: directory listings (`filestats`), pages of a file
 * (`filedata`) and whole files (`download`, `file`), every path through {@link resolveInside}.
 */
import { Effect } from "effect"
import type { Stats } from "node:fs"
import * as fs from "node:fs/promises"
import { constants as fsConstants, createReadStream, type ReadStream } from "node:fs"
import * as nodePath from "node:path"
import * as os from "node:os"
import { isInside, realRoot, resolveInside } from "./SafePath.js"
import { fsFailure, ShellFailure } from "./ShellFailure.js"
import type { FileData, FileStats } from "./ShellWire.js"

/** The most `filedata` returns at once; a client pages on with `offset + length`. */
export const MAX_CHUNK = 4 * 1024 * 1024

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const pad = (n: number, width = 2) => String(n).padStart(width, "0")

const typeChar = (st: Stats): string =>
  st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : st.isFIFO() ? "p" : st.isSocket() ? "s" : st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : "-"

/** `drwxr-x---`, as `ls -l`. */
export const modeString = (st: Stats): string => {
  const bits = "rwxrwxrwx"
  let out = typeChar(st)
  for (let i = 0; i < 9; i++) out += st.mode & (1 << (8 - i)) ? bits[i] : "-"
  return out
}

const currentUser = (() => {
  try {
    const u = os.userInfo()
    return { uid: u.uid, name: u.username }
  } catch {
    return undefined
  }
})()

/** One `ls -l`-like line: mode, links, owner, group, size, modification time (local). */
export const formatStat = (st: Stats): string => {
  const owner = currentUser !== undefined && currentUser.uid === st.uid ? currentUser.name : String(st.uid)
  const t = st.mtime
  const when = `${MONTHS[t.getMonth()]} ${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`
  return `${modeString(st)} ${String(st.nlink).padStart(3)} ${owner.padStart(10)} ${String(st.gid).padStart(10)} ${String(st.size).padStart(10)} ${when}`
}

/** The stat of an entry as the listing shows it: followed when it stays inside the container's
 * directory, the link itself when it leads out (nothing of the outside is disclosed). */
const entryStat = (rootReal: string, full: string): Effect.Effect<Stats, ShellFailure> =>
  Effect.gen(function*() {
    const own = yield* Effect.tryPromise({ try: () => fs.lstat(full), catch: fsFailure(full) })
    if (!own.isSymbolicLink()) return own
    const target = yield* Effect.tryPromise({ try: () => fs.realpath(full), catch: fsFailure(full) }).pipe(Effect.option)
    if (target._tag === "None" || !isInside(rootReal, target.value)) return own
    return yield* Effect.tryPromise({ try: () => fs.stat(full), catch: fsFailure(full) })
  })

/** `filestats`: the entries of a directory (with `..` below the top), after heron-shell. */
export const fileStats = (root: string, requested: string): Effect.Effect<FileStats, ShellFailure> =>
  Effect.gen(function*() {
    const dir = yield* resolveInside(root, requested)
    const rootReal = yield* realRoot(root)
    const st = yield* Effect.tryPromise({ try: () => fs.stat(dir.real), catch: fsFailure(dir.relative) })
    if (!st.isDirectory()) return yield* new ShellFailure({ status: 400, message: `${dir.relative} is not a directory` })
    const names = yield* Effect.tryPromise({ try: () => fs.readdir(dir.real), catch: fsFailure(dir.relative) })
    const out: Record<string, typeof FileStats.Type[string]> = {}
    if (dir.relative !== ".") {
      const parent = nodePath.dirname(dir.relative)
      const st = yield* entryStat(rootReal, nodePath.dirname(dir.real))
      out[".."] = { formatted_stat: formatStat(st), is_dir: true, path: encodeURIComponent(parent), size: st.size }
    }
    for (const name of [...names].sort()) {
      // An entry removed meanwhile is left out rather than failing the listing.
      const st = yield* Effect.option(entryStat(rootReal, nodePath.join(dir.real, name)))
      if (st._tag === "None") continue
      const rel = dir.relative === "." ? name : `${dir.relative}/${name}`
      out[name] = { formatted_stat: formatStat(st.value), is_dir: st.value.isDirectory(), path: encodeURIComponent(rel), size: st.value.size }
    }
    return out
  })

/** Opens a resolved path for reading, refusing a last-moment symlink (`O_NOFOLLOW`) and anything
 * but a regular file. */
const openFile = (root: string, requested: string) =>
  Effect.gen(function*() {
    const file = yield* resolveInside(root, requested)
    const handle = yield* Effect.tryPromise({
      try: () => fs.open(file.real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW),
      catch: fsFailure(file.relative)
    })
    const st = yield* Effect.tryPromise({ try: () => handle.stat(), catch: fsFailure(file.relative) }).pipe(
      Effect.tapError(() => Effect.promise(() => handle.close()))
    )
    if (!st.isFile()) {
      yield* Effect.promise(() => handle.close())
      return yield* new ShellFailure({ status: 400, message: `${file.relative} is not a regular file` })
    }
    return { handle, size: st.size, relative: file.relative }
  })

/** Whether byte `i` of `buf` continues a UTF-8 character (rather than starting one). */
const continues = (buf: Buffer, i: number): boolean => ((buf[i] ?? 0) & 0xc0) === 0x80

/**
 * `filedata`: a page of a file. `offset` -1 means the end of the file and `length` -1 up to the
 * end (heron-shell's conventions); at most {@link MAX_CHUNK} bytes. Offsets and lengths are bytes,
 * and a page never splits a UTF-8 character: one asked to start inside a character starts after
 * it, one that would end inside a character ends before it (or, too short to hold the character
 * it starts with, gets that whole character), so `offset + length` is always the next page.
 */
export const fileData = (root: string, requested: string, offset: number, length: number): Effect.Effect<FileData, ShellFailure> =>
  Effect.gen(function*() {
    if (!Number.isInteger(offset) || offset < -1) return yield* new ShellFailure({ status: 400, message: `offset must be an integer ≥ -1, got ${offset}` })
    if (!Number.isInteger(length) || length < -1) return yield* new ShellFailure({ status: 400, message: `length must be an integer ≥ -1, got ${length}` })
    const { handle, size, relative } = yield* openFile(root, requested)
    return yield* Effect.gen(function*() {
      const start = offset === -1 ? size : Math.min(offset, size)
      const wanted = Math.min(length === -1 ? size - start : length, MAX_CHUNK, size - start)
      if (wanted <= 0) return { offset: start, length: 0, data: "" }
      // Three bytes more than asked: enough to finish a character cut by `wanted`.
      const buf = Buffer.alloc(Math.min(wanted + 3, size - start))
      const read = yield* Effect.tryPromise({ try: () => handle.read(buf, 0, buf.length, start), catch: fsFailure(relative) })
      const bytes = buf.subarray(0, read.bytesRead)
      let from = 0
      if (start > 0) while (from < 3 && from < bytes.length && continues(bytes, from)) from++
      let to = Math.max(from, Math.min(wanted, bytes.length))
      if (to < bytes.length && continues(bytes, to)) {
        let back = to
        while (back > from && continues(bytes, back)) back--
        if (back > from) to = back
        else for (to = Math.max(to, from + 1); to < bytes.length && continues(bytes, to);) to++
      }
      const page = bytes.subarray(from, to)
      return { offset: start + from, length: page.length, data: page.toString("utf8") }
    }).pipe(Effect.ensuring(Effect.promise(() => handle.close())))
  })

/** A whole file, opened for streaming (the stream closes the file when it ends or is destroyed). */
export interface OpenedFile {
  readonly stream: ReadStream
  readonly size: number
  /** The name to download it as (the last segment of the path). */
  readonly name: string
}

/** `download` and `file`: opens a regular file inside the container's directory. */
export const openForDownload = (root: string, requested: string): Effect.Effect<OpenedFile, ShellFailure> =>
  Effect.map(openFile(root, requested), ({ handle, size, relative }) => ({
    stream: createReadStream("", { fd: handle, autoClose: true, start: 0 }),
    size,
    name: nodePath.basename(relative)
  }))

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c] ?? c)

/** `browse`: a directory as an HTML page linking to its entries (the physical plan's `joburl`). */
export const browsePage = (root: string, requested: string): Effect.Effect<string, ShellFailure> =>
  Effect.map(fileStats(root, requested), (stats) => {
    const here = requested === "" ? "." : requested
    const rows = Object.entries(stats).map(([name, s]) => {
      const href = `/${s.is_dir ? "browse" : "file"}/${s.path.split("%2F").join("/")}`
      return `${escapeHtml(s.formatted_stat)} <a href="${escapeHtml(href)}">${escapeHtml(name)}</a>`
    })
    return `<!doctype html><meta charset="utf-8"><title>${escapeHtml(here)}</title><h1>${escapeHtml(here)}</h1><pre>\n${rows.join("\n")}\n</pre>\n`
  })
