import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as tar from "tar"
import { buildPackage, extractPackage, loadTopology, readMetadata } from "../../core/package/Package.js"

const fixture = fileURLToPath(new URL("./fixtures/tiny.ts", import.meta.url))
const temp = () => mkdtempSync(join(tmpdir(), "heron-package-test-"))

/** Writes a topology file into a fresh folder and returns its path. */
const topologyFile = (name: string, text: string) => {
  const file = join(temp(), name)
  writeFileSync(file, text)
  return file
}

const failureOf = <A, E>(effect: Effect.Effect<A, E, NodeContext.NodeContext>) =>
  effect.pipe(Effect.flip, Effect.provide(NodeContext.layer))

describe("buildPackage / extractPackage", () => {
  it.effect("bundles a topology file into topology.mjs + topology.json, packed as a tar.gz", () =>
    Effect.gen(function*() {
      const out = temp()
      const pkg = yield* buildPackage(fixture, out, { name: "renamed", id: "renamed-1" })
      expect(pkg.topology.name).toBe("tiny")
      expect(pkg.topology.components.map((c) => [c.name, c.parallelism])).toEqual([["numbers", 1], ["sink", 2]])
      expect(pkg.metadata).toMatchObject({ name: "renamed", id: "renamed-1", heronRuntimeVersion: "0.1.0" })
      const entries: Array<string> = []
      yield* Effect.promise(() => tar.list({ file: pkg.file, onReadEntry: (e) => { entries.push(e.path) } }))
      expect(entries.sort()).toEqual(["topology.json", "topology.mjs"])
      // Everything is bundled: the topology API code is inside, no bare import of heron-runtime left.
      const bundle = readFileSync(pkg.bundle, "utf8")
      expect(bundle).not.toMatch(/from\s+["']heron-runtime/)
      expect(bundle).toContain("TopologyBuilder")

      const dir = join(temp(), "container-1")
      const extracted = yield* extractPackage(pkg.file, dir)
      expect(extracted).toBe(join(dir, "topology.mjs"))
      const again = yield* loadTopology(extracted)
      expect(again.name).toBe("tiny")
      expect(yield* readMetadata(dir)).toMatchObject({ name: "renamed", id: "renamed-1" })
    }).pipe(Effect.provide(NodeContext.layer)))

  it.effect("a syntax error is reported with file:line:column", () =>
    Effect.gen(function*() {
      const file = topologyFile("broken.ts", 'import { TopologyBuilder } from "heron-runtime/topology"\n\nconst x = (\nexport default x\n')
      const e = yield* failureOf(buildPackage(file, temp()))
      expect(e._tag).toBe("PackageError")
      expect(e.message).toMatch(/broken\.ts:4:\d+: /)
    }))

  it.effect("an unresolvable import names the file and line", () =>
    Effect.gen(function*() {
      const file = topologyFile("missing.ts", 'import x from "./nope.js"\nexport default x\n')
      const e = yield* failureOf(buildPackage(file, temp()))
      expect(e.message).toMatch(/missing\.ts:1:\d+: Could not resolve "\.\/nope\.js"/)
    }))

  it.effect("a default export that is not a built topology is refused, naming the file", () =>
    Effect.gen(function*() {
      const file = topologyFile("plain.ts", "export default { name: 'not-a-topology' }\n")
      const e = yield* failureOf(buildPackage(file, temp()))
      expect(e.message).toMatch(/plain\.ts: the default export is not a built topology/)
    }))

  it.effect("a builder validation error names the component", () =>
    Effect.gen(function*() {
      const file = topologyFile("invalid.ts", [
        'import { bolt, spout, TopologyBuilder } from "heron-runtime/topology"',
        "const s = spout({ outputs: { default: ['n'] }, create: () => ({ nextTuple: () => undefined }) })",
        "const b = bolt({ create: () => ({ execute: () => undefined }) })",
        "export default new TopologyBuilder().setSpout('numbers', s).setBolt('sink', b).shuffleGrouping('nowhere').build('bad')"
      ].join("\n"))
      const e = yield* failureOf(buildPackage(file, temp()))
      expect(e.message).toMatch(/invalid\.ts: .*sink/)
      expect(e.message).toMatch(/nowhere/)
    }))

  it.effect("a missing file is named", () =>
    Effect.gen(function*() {
      const e = yield* failureOf(buildPackage("/no/such/topology.ts", temp()))
      expect(e.message).toBe("/no/such/topology.ts: no such file")
    }))

  it.effect("extracting something that is not a package fails, naming it", () =>
    Effect.gen(function*() {
      const dir = temp()
      const bogus = join(dir, "bogus.tar.gz")
      writeFileSync(bogus, "not a tarball")
      const e = yield* failureOf(extractPackage(bogus, join(dir, "out")))
      expect(e.message).toContain(bogus)
      expect(existsSync(join(dir, "out", "topology.mjs"))).toBe(false)
    }))
})
