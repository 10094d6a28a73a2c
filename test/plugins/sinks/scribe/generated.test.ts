import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"

const scribeDir = fileURLToPath(new URL("../../../../plugins/sinks/scribe/", import.meta.url))
const hasThrift = spawnSync("thrift", ["--version"]).status === 0
if (!hasThrift && process.env.CI === "true") throw new Error("the Thrift compiler (`thrift`, Debian's thrift-compiler) is missing")

describe("scribe sink generated code", () => {
  it.skipIf(!hasThrift)("gen/ is what generate.sh makes from scribe.thrift", () => {
    const dest = mkdtempSync(join(tmpdir(), "heron-scribe-gen-"))
    try {
      const r = spawnSync("bash", [join(scribeDir, "generate.sh"), dest], { encoding: "utf8" })
      expect(r.stderr).toBe("")
      expect(r.status).toBe(0)
      const committed = readdirSync(join(scribeDir, "gen")).sort()
      expect(readdirSync(dest).sort()).toEqual(committed)
      expect(committed).toEqual(["scribe.cjs", "scribe.d.cts", "scribe_types.cjs", "scribe_types.d.cts"])
      for (const f of committed) expect(readFileSync(join(dest, f), "utf8"), f).toBe(readFileSync(join(scribeDir, "gen", f), "utf8"))
    } finally {
      rmSync(dest, { recursive: true, force: true })
    }
  })
})
