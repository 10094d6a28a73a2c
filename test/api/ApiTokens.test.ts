// `api.tokens` of a cluster file: a record or the text `role:token,role:token` (what
// env("HERON_API_TOKENS") gives), decoded to a record; bad input is refused at `api.tokens` with a
// reason that never quotes a token; loaded tokens are secrets (redacted when the cluster is printed).
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Schema } from "effect"
import { fileURLToPath } from "node:url"
import { ApiTokens, parseTokenText } from "../../core/api/ApiTokens.js"
import * as ClusterLoader from "../../dsl/ClusterLoader.js"
import { describe as describeCluster } from "../../dsl/ResolvedCluster.js"

const dir = fileURLToPath(new URL("../fixtures/clusters/", import.meta.url))
const loadApi = (tokens: string) =>
  ClusterLoader.loadCluster("api", [dir], { withApi: true }).pipe(
    Effect.provide(NodeContext.layer),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["HERON_API_TOKENS", tokens]])))
  )
const decode = (u: unknown) => Schema.decodeUnknownEither(ApiTokens)(u)

describe("api.tokens", () => {
  it("the text form parses into the record form", () => {
    expect(parseTokenText(" alice:tok-a1 , bob:tok:b2,, ")).toEqual({ tokens: { alice: "tok-a1", bob: "tok:b2" }, problems: [] })
    expect(decode("alice:tok-a1,bob:tok-b2")).toEqual(Either.right({ alice: "tok-a1", bob: "tok-b2" }))
    expect(decode({ alice: "tok-a1" })).toEqual(Either.right({ alice: "tok-a1" }))
    expect(decode("")).toEqual(Either.right({}))
  })

  it("refuses bad entries, naming them but never a token", () => {
    const cases: ReadonlyArray<readonly [unknown, RegExp]> = [
      ["alice-tok-a1", /entry 1 has no ':' \(expected role:token\)/],
      ["alice:tok-a1,:tok-b2", /entry 2: role "" may only use/],
      ["alice:", /the token of role alice must be non-empty/],
      ["alice:tok-a1,alice:tok-a2", /role alice is given twice/],
      ["alice:tok-same,bob:tok-same", /roles alice and bob share a token/],
      [{ alice: "tok with space" }, /role alice: the token of role alice must be non-empty, without spaces or commas/],
      [{ "../x": "tok-a1" }, /role "..\/x" may only use/],
      [42, /expected \{ role: "token" \} or "role:token,role:token", got number/]
    ]
    for (const [input, reason] of cases) {
      const r = decode(input)
      const message = Either.isLeft(r) ? r.left.message : "decoded"
      expect([input, message]).toEqual([input, expect.stringMatching(reason)])
      for (const t of ["tok-a1", "tok-a2", "tok-b2", "tok-same", "tok with space"]) expect(message).not.toContain(t)
    }
  })

  it.effect("a cluster file takes them from env(\"HERON_API_TOKENS\"); they are secrets, redacted when printed", () =>
    Effect.gen(function*() {
      const c = yield* loadApi("alice:tok-alice-51f0,bob:tok-bob-7c2e")
      expect(c.api.tokens).toEqual({ alice: "tok-alice-51f0", bob: "tok-bob-7c2e" })
      expect(c.secrets).toEqual(expect.arrayContaining(["tok-alice-51f0", "tok-bob-7c2e"]))
      const printed = JSON.stringify(yield* describeCluster(c))
      expect(printed).toContain('"api":{"tokens":{"alice":"<redacted>","bob":"<redacted>"}}')
      expect(printed).not.toContain("tok-")
    }))

  it.effect("only the runtime reads them: the CLI and the containers load the cluster without the variable, and without tokens", () =>
    Effect.gen(function*() {
      const c = yield* ClusterLoader.loadCluster("api", [dir]).pipe(
        Effect.provide(NodeContext.layer),
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
      )
      expect(c.api.tokens).toEqual({})
      expect([c.secrets, c.containerSecrets, c.apiEnv]).toEqual([[], [], []])
      // The runtime's load says which variables to remove from its environment.
      expect((yield* loadApi("alice:tok-alice-51f0")).apiEnv).toEqual(["HERON_API_TOKENS"])
    }))

  it.effect("a malformed HERON_API_TOKENS stops the load with the key path and the reason", () =>
    Effect.gen(function*() {
      const e = yield* Effect.flip(loadApi("alice=tok-alice-51f0"))
      expect(e.message).toBe(`${dir}api.heron.ts: at api.tokens: expected "role:token,role:token": entry 1 has no ':' (expected role:token)`)
    }))
})
