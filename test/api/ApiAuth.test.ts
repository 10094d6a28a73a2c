// The API server's rule, as a pure function: who is let in (the role's own token, the access
// token, anyone on a loopback-only runtime without tokens) and why the others are refused (401
// without a valid token or on a closed server, 403 for another role's or cluster's token).
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { decide } from "../../core/api/ApiAuth.js"
import * as ApiSettings from "../../core/api/ApiSettings.js"
import { ACCESS, settingsOf, TOKENS } from "./harness.js"

const alice = (authorization: string | undefined) => ({ cluster: "local", role: "alice", authorization })
const allSecrets = [...Object.values(TOKENS), ACCESS]

describe("decide", () => {
  const settings = settingsOf({ tokens: TOKENS, access: ACCESS })

  it("lets in a role's own token and the access token, for any role", () => {
    expect(decide(settings, alice(`Bearer ${TOKENS.alice}`))).toMatchObject({ _tag: "Allow", caller: { label: "role alice" } })
    expect(decide(settings, alice(`bearer   ${TOKENS.alice}`))._tag).toBe("Allow")
    expect(decide(settings, alice(`Bearer ${ACCESS}`))).toMatchObject({ _tag: "Allow", caller: { label: "the access token" } })
    expect(decide(settings, { cluster: "other", role: "carol", authorization: `Bearer ${ACCESS}` })._tag).toBe("Allow")
  })

  it("401 without a token, with a malformed header or an unknown token; 403 with another role's", () => {
    const cases = [
      [undefined, "Unauthorized", /^missing bearer token/],
      ["", "Unauthorized", /^missing bearer token/],
      [`Basic ${TOKENS.alice}`, "Unauthorized", /^malformed Authorization header/],
      [`Bearer ${TOKENS.alice} extra`, "Unauthorized", /^malformed Authorization header/],
      [`Bearer ${TOKENS.alice}x`, "Unauthorized", /^invalid bearer token/],
      [`Bearer ${TOKENS.bob}`, "Forbidden", /^this token acts for role bob of cluster local, not for role alice$/]
    ] as const
    for (const [header, tag, message] of cases) {
      const d = decide(settings, alice(header))
      expect([header, d._tag]).toEqual([header, tag])
      const text = d._tag === "Allow" ? "" : d.message
      expect(text).toMatch(message)
      for (const s of allSecrets) expect(text).not.toContain(s)
    }
  })

  it("a token of another cluster is refused with 403 naming its cluster", () => {
    const two = ApiSettings.make(
      [
        { name: "local", api: { tokens: TOKENS }, packing: { algorithm: "round-robin" }, topologyDefaults: {} },
        { name: "prod", api: { tokens: { carol: "carol-token-99aa" } }, packing: { algorithm: "round-robin" }, topologyDefaults: {} }
      ],
      { accessToken: Option.none(), host: "0.0.0.0" }
    )
    expect(decide(two, { cluster: "local", role: "carol", authorization: "Bearer carol-token-99aa" })).toEqual({
      _tag: "Forbidden",
      message: "this token acts for cluster prod only, not for cluster local"
    })
    expect(decide(two, { cluster: "prod", role: "carol", authorization: "Bearer carol-token-99aa" })._tag).toBe("Allow")
  })

  it("without any token: open on a loopback-only runtime, closed (401) otherwise, whatever is sent", () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]) {
      expect([host, decide(settingsOf({ host }), alice(undefined))._tag]).toEqual([host, "Allow"])
    }
    for (const host of ["0.0.0.0", "::", "10.1.2.3", "example.com"]) {
      const d = decide(settingsOf({ host }), alice(`Bearer ${TOKENS.alice}`))
      expect([host, d._tag]).toEqual([host, "Unauthorized"])
      expect(d._tag === "Unauthorized" ? d.message : "").toMatch(/^the API server is closed/)
    }
    // With only an access token, a role token of nobody is no way in, even on loopback.
    expect(decide(settingsOf({ access: ACCESS, host: "127.0.0.1" }), alice(undefined))._tag).toBe("Unauthorized")
  })

  it("the default settings (a runtime that provides none) refuse everything", () => {
    expect(decide(ApiSettings.closed, alice(`Bearer ${ACCESS}`))._tag).toBe("Unauthorized")
  })

  it("describes its mode for the start-up log without a token in it", () => {
    const line = ApiSettings.describe(settingsOf({ tokens: TOKENS, access: ACCESS }))
    expect(line).toBe("API server: bearer tokens required (the access token; role tokens for local/alice, local/bob)")
    for (const s of allSecrets) expect(line).not.toContain(s)
    expect(ApiSettings.describe(settingsOf({ host: "127.0.0.1" }))).toMatch(/open without a token, to local connections only/)
    expect(ApiSettings.describe(settingsOf({ host: "0.0.0.0" }))).toMatch(/every control request is refused \(401\)/)
  })
})

describe("the access token", () => {
  const read = (name: Option.Option<string>, env: Record<string, string>) =>
    ApiSettings.readAccessToken(name).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))

  it.effect("comes from --access-token-env NAME, else HERON_ACCESS_TOKEN", () =>
    Effect.gen(function*() {
      expect(Option.map(yield* read(Option.some("MY_TOKEN"), { MY_TOKEN: "s3cret-1", HERON_ACCESS_TOKEN: "other" }), Redacted.value)).toEqual(Option.some("s3cret-1"))
      expect(Option.map(yield* read(Option.none(), { HERON_ACCESS_TOKEN: "s3cret-2" }), Redacted.value)).toEqual(Option.some("s3cret-2"))
      expect(yield* read(Option.none(), {})).toEqual(Option.none())
      expect(yield* read(Option.none(), { HERON_ACCESS_TOKEN: "" })).toEqual(Option.none())
    }))

  it.effect("a named variable that is missing or empty, or a token with spaces, stops the start in one line", () =>
    Effect.gen(function*() {
      expect((yield* Effect.flip(read(Option.some("MY_TOKEN"), {}))).message).toBe("--access-token-env MY_TOKEN: environment variable MY_TOKEN is not set")
      expect((yield* Effect.flip(read(Option.some("MY_TOKEN"), { MY_TOKEN: "" }))).message).toMatch(/^environment variable MY_TOKEN \(--access-token-env\) is empty/)
      const spaced = yield* Effect.flip(read(Option.none(), { HERON_ACCESS_TOKEN: "two words" }))
      expect(spaced.message).toBe("HERON_ACCESS_TOKEN: the access token must not contain spaces or commas")
    }))
})
