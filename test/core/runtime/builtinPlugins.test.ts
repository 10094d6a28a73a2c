import { describe, expect, it } from "vitest"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { builtinOf, builtinPlugins } from "../../../core/runtime/builtinPlugins.js"

const pluginsDir = fileURLToPath(new URL("../../../plugins/", import.meta.url))
const folders = readdirSync(pluginsDir).flatMap((kind) => readdirSync(join(pluginsDir, kind)).map((name) => `${kind}/${name}`)).sort()

describe("built-in plugins", () => {
  it("every plugin folder is in the bundled executor's registry, and nothing else", () => {
    expect(Object.keys(builtinPlugins).sort()).toEqual(folders)
  })

  it.each(folders)("%s exports a definition naming its own module", async (folder) => {
    const mod: unknown = await builtinPlugins[folder]?.()
    const definition = typeof mod === "object" && mod !== null && "definition" in mod ? mod.definition : undefined
    expect(definition).toMatchObject({ module: expect.stringMatching(new RegExp(`/plugins/${folder}/index\\.(ts|js)$`)) })
  })

  it("recognises compiled built-in modules only", () => {
    expect(builtinOf("file:///opt/heron/node_modules/heron-runtime/dist/plugins/sinks/graphite/index.js")).toBe("sinks/graphite")
    expect(builtinOf("file:///opt/heron/node_modules/heron-runtime/dist/plugins/sinks/nope/index.js")).toBeUndefined()
    expect(builtinOf("file:///work/plugins/sinks/graphite/index.ts")).toBeUndefined()
  })
})
