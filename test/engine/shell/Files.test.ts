// The file side of a container's shell on a real directory: what is served, what is refused
// (traversal, absolute paths, symlinks leading out), listings, and paging by bytes.
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { fileData, fileStats, MAX_CHUNK, openForDownload } from "../../../core/engine/shell/Files.js"
import { resolveInside } from "../../../core/engine/shell/SafePath.js"

const base = mkdtempSync(join(tmpdir(), "heron-shell-files-"))
afterAll(() => rmSync(base, { recursive: true, force: true }))

// <base>/outside/secret.txt is what every escape tries to reach; <base>/container is the container.
const root = join(base, "container")
mkdirSync(join(root, "logs"), { recursive: true })
mkdirSync(join(base, "outside"))
writeFileSync(join(base, "outside", "secret.txt"), "TOP SECRET, twenty-seven b")
writeFileSync(join(root, "container.log"), "line one\nline two\n")
writeFileSync(join(root, "logs", "a.log"), "a")
symlinkSync(join(base, "outside"), join(root, "out-dir"))
symlinkSync(join(base, "outside", "secret.txt"), join(root, "out-file"))
symlinkSync("../../outside/secret.txt", join(root, "logs", "relative-out"))
symlinkSync("container.log", join(root, "in-link"))
symlinkSync(join(root, "nowhere"), join(root, "dangling"))

const failure = <A, E extends { readonly status: number }>(e: Effect.Effect<A, E>) =>
  Effect.map(Effect.either(e), (r) => (Either.isLeft(r) ? r.left.status : "served"))

describe("paths", () => {
  it.effect("refuses absolute paths, .. segments and symlinks that lead outside with 403", () =>
    Effect.gen(function*() {
      const refused = ["/etc/passwd", join(base, "outside", "secret.txt"), "..", "../outside/secret.txt", "logs/../../outside", "logs/..",
        "out-dir", "out-dir/secret.txt", "out-file", "logs/relative-out", "logs\\..\\..\\outside"]
      for (const p of refused) expect([p, yield* failure(resolveInside(root, p))]).toEqual([p, 403])
      // Every endpoint goes through the same gate.
      expect(yield* failure(fileData(root, "out-file", 0, -1))).toBe(403)
      expect(yield* failure(openForDownload(root, "logs/relative-out"))).toBe(403)
      expect(yield* failure(fileStats(root, "out-dir"))).toBe(403)
    }))

  it.effect("serves what stays inside, symlinks inside included; 404 for what is not there; 400 for a NUL", () =>
    Effect.gen(function*() {
      expect(yield* resolveInside(root, "in-link")).toMatchObject({ relative: "container.log" })
      expect(yield* resolveInside(root, "")).toMatchObject({ relative: "." })
      expect(yield* resolveInside(root, "./logs/a.log")).toMatchObject({ relative: "logs/a.log" })
      expect(yield* failure(resolveInside(root, "missing.txt"))).toBe(404)
      expect(yield* failure(resolveInside(root, "dangling"))).toBe(404)
      expect(yield* failure(resolveInside(root, "a\0b"))).toBe(400)
    }))

  it.effect("does not tell where a refused symlink points", () =>
    Effect.gen(function*() {
      const r = yield* Effect.either(resolveInside(root, "out-file"))
      expect(Either.isLeft(r) && r.left.message).toContain("out-file")
      expect(Either.isLeft(r) && r.left.message).not.toContain(base)
      expect(Either.isLeft(r) && r.left.message).not.toContain("secret")
    }))
})

describe("filestats", () => {
  it.effect("lists a directory in heron-shell's shape; a link leading out shows only itself", () =>
    Effect.gen(function*() {
      const top = yield* fileStats(root, ".")
      expect(Object.keys(top).filter((k) => !k.includes("."))).toEqual(["dangling", "in-link", "logs", "out-dir", "out-file"])
      expect(Object.keys(top)).toContain("container.log")
      expect(top["container.log"]).toMatchObject({ is_dir: false, path: "container.log", size: 18 })
      expect(top["container.log"]?.formatted_stat).toMatch(/^-rw.{7}\s+1 .* 18 \w{3} \d\d \d\d:\d\d$/)
      expect(top["logs"]).toMatchObject({ is_dir: true, path: "logs" })
      expect(top["in-link"]).toMatchObject({ is_dir: false, size: 18 })
      // The target outside is a directory of one 26-byte file: neither is disclosed.
      expect(top["out-dir"]?.is_dir).toBe(false)
      expect(top["out-dir"]?.formatted_stat.startsWith("l")).toBe(true)
      expect(top["out-file"]?.size).not.toBe(26)
      expect(top[".."]).toBeUndefined()
      const logs = yield* fileStats(root, "logs")
      expect(logs[".."]).toMatchObject({ is_dir: true, path: "." })
      expect(logs["a.log"]).toMatchObject({ path: "logs%2Fa.log", size: 1 })
      expect(yield* failure(fileStats(root, "container.log"))).toBe(400)
    }))
})

describe("filedata", () => {
  const text = "héllo ✓ wörld\n".repeat(3) // 2-byte é, ö and a 3-byte ✓
  writeFileSync(join(root, "utf8.txt"), text)
  const size = Buffer.byteLength(text)

  it.effect("pages by bytes: offset/length, -1 conventions, end of file", () =>
    Effect.gen(function*() {
      expect(yield* fileData(root, "container.log", 0, 4)).toEqual({ offset: 0, length: 4, data: "line" })
      expect(yield* fileData(root, "container.log", 5, -1)).toEqual({ offset: 5, length: 13, data: "one\nline two\n" })
      expect(yield* fileData(root, "container.log", -1, 10)).toEqual({ offset: 18, length: 0, data: "" })
      expect(yield* fileData(root, "container.log", 100, 10)).toEqual({ offset: 18, length: 0, data: "" })
      expect(yield* failure(fileData(root, "container.log", -2, 10))).toBe(400)
      expect(yield* failure(fileData(root, "logs", 0, 10))).toBe(400)
    }))

  it.effect("never splits a UTF-8 character: offset + length is always the next page", () =>
    Effect.gen(function*() {
      // Every page size, read to the end by following offset + length, gives the text back exactly.
      for (const page of [1, 2, 3, 5, 7]) {
        let offset = 0
        let out = ""
        for (let guard = 0; offset < size && guard < 1000; guard++) {
          const chunk = yield* fileData(root, "utf8.txt", offset, page)
          expect(chunk.data).not.toContain("\uFFFD")
          expect(chunk.length).toBeGreaterThan(0)
          out += chunk.data
          offset = chunk.offset + chunk.length
        }
        expect([page, out]).toEqual([page, text])
      }
      // Asked to start inside "é" (bytes 1-2), the page starts after it; a page too short for
      // the character at its start gets the whole character.
      expect(yield* fileData(root, "utf8.txt", 2, 4)).toEqual({ offset: 3, length: 3, data: "llo" })
      expect(yield* fileData(root, "utf8.txt", 7, 1)).toEqual({ offset: 7, length: 3, data: "✓" })
    }))

  it.effect(`returns at most ${MAX_CHUNK} bytes at once`, () =>
    Effect.gen(function*() {
      writeFileSync(join(root, "big.bin"), Buffer.alloc(MAX_CHUNK + 10, 0x61))
      const first = yield* fileData(root, "big.bin", 0, -1)
      expect(first.length).toBe(MAX_CHUNK)
      expect(yield* fileData(root, "big.bin", first.offset + first.length, -1)).toMatchObject({ offset: MAX_CHUNK, length: 10 })
    }))
})
