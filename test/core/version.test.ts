import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { VERSION } from "../../core/version.js"

describe("VERSION", () => {
  it("is package.json's version", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
    expect(VERSION).toBe(manifest.version)
  })
})
