// The README's example cluster file for Aurora loads, chooses this plugin with its options, and
// keeps the secret binding a secret.
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import * as ClusterLoader from "../../../../dsl/ClusterLoader.js"
import { describe as describeCluster } from "../../../../dsl/ResolvedCluster.js"

const file = fileURLToPath(new URL("./fixtures/aurora.heron.ts", import.meta.url))

describe("aurora scheduler: the example cluster file", () => {
  it.effect("loads with the aurora scheduler and its options; the secret binding never shows", () =>
    Effect.gen(function*() {
      process.env["HERON_REPO_TOKEN"] = "repo-token-8a7b6c5d"
      const c = yield* ClusterLoader.loadClusterFile(file).pipe(Effect.provide(NodeContext.layer))
      expect([c.scheduler.definition.kind, c.scheduler.definition.name]).toEqual(["scheduler", "aurora"])
      expect(c.scheduler.config).toMatchObject({
        client: "/usr/bin/aurora", cluster: "devcluster", role: "www-data", env: "prod",
        bindings: { HERON_RUNTIME_URL: "https://repo.example.com/heron-runtime-0.1.0.tgz" },
        schedulerUrl: "http://aurora.example.com:8081", commandTimeoutMs: 600_000
      })
      const text = JSON.stringify(yield* describeCluster(c))
      expect(text).not.toContain("repo-token-8a7b6c5d")
      expect(text).toContain('"plugin":"scheduler/aurora"')
    }))
})
