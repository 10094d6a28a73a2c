// The README's example cluster file for YARN loads, chooses this plugin with its options, and keeps
// the delegation token a secret.
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { fileURLToPath } from "node:url"
import * as ClusterLoader from "../../../../dsl/ClusterLoader.js"
import { describe as describeCluster } from "../../../../dsl/ResolvedCluster.js"

const file = fileURLToPath(new URL("./fixtures/yarn.heron.ts", import.meta.url))

describe("yarn scheduler: the example cluster file", () => {
  it.effect("loads with the yarn scheduler and its options; the token never shows", () =>
    Effect.gen(function*() {
      process.env["YARN_DELEGATION_TOKEN"] = "yarn-token-4f3e2d1c"
      const c = yield* ClusterLoader.loadClusterFile(file).pipe(Effect.provide(NodeContext.layer))
      expect([c.scheduler.definition.kind, c.scheduler.definition.name]).toEqual(["scheduler", "yarn"])
      expect(c.scheduler.config).toMatchObject({ resourceManager: "http://rm.example.com:8088", queue: "heron", user: "heron", maxAppAttempts: 3, amMemoryMb: 1024, applicationType: "HERON" })
      const token: unknown = (c.scheduler.config as { delegationToken?: unknown }).delegationToken
      expect(Redacted.isRedacted(token) && Redacted.value(token)).toBe("yarn-token-4f3e2d1c")
      const text = JSON.stringify(yield* describeCluster(c))
      expect(text).not.toContain("yarn-token-4f3e2d1c")
      expect(text).toContain('"plugin":"scheduler/yarn"')
    }))
})
