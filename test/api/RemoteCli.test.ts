// The CLI's side of `--service-url` against the API server in this process: the verbs through the
// typed client change the desired state; refusals are one line naming the server and the status
// (with a hint when no token was given); a remote dry run uploads the package with progress and
// gets the server's packing plan.
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tar from "tar"
import * as Progress from "../../core/cli/heron/Progress.js"
import * as RemoteApi from "../../core/cli/heron/remote/RemoteApi.js"
import * as RemoteSubmit from "../../core/cli/heron/remote/RemoteSubmit.js"
import type * as Submit from "../../core/cli/heron/Submit.js"
import { built, seed } from "../supervisor/seed.js"
import { serve, settingsOf, TOKENS } from "./harness.js"

const alice = { cluster: "local", role: "alice", environ: "default" }
const client = (url: string, token?: string) =>
  RemoteApi.make({ url, token: Option.map(Option.fromNullable(token), Redacted.make) }).pipe(Effect.provide(NodeHttpClient.layer))
const failure = <A, E extends { readonly message: string }>(e: Effect.Effect<A, E>) => Effect.map(Effect.flip(e), (err) => err.message)

/** Stands in for esbuild: a package holding a placeholder bundle, and `built("wc")`. */
const bundler: Submit.Bundler = (_file, outDir) =>
  Effect.promise(async () => {
    writeFileSync(join(outDir, "topology.mjs"), "export default 1\n")
    const file = join(outDir, "topology.tar.gz")
    await tar.create({ gzip: true, file, cwd: outDir }, ["topology.mjs"])
    return { file, bundle: join(outDir, "topology.mjs"), metadata: { name: "wc", builtAt: "2024-01-01T00:00:00.000Z", heronRuntimeVersion: "0" }, topology: built("wc", 2, 3) }
  })

describe("heron --service-url (client side)", () => {
  it.scoped("the verbs act through the API server and answer as the local CLI does", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS }))
      yield* seed(api.sm, "wc")
      const remote = yield* client(api.base, TOKENS.alice)
      expect(yield* remote.list(alice)).toEqual(["wc"])
      expect(yield* remote.setState(alice, "wc", "PAUSED")).toBe("changed")
      expect(yield* remote.setState(alice, "wc", "PAUSED")).toBe("unchanged")
      expect(Option.map(yield* api.sm.get("topologies", "wc"), (t) => t.state)).toEqual(Option.some("PAUSED"))
      yield* remote.restart(alice, "wc", Option.some(2))
      const dry = yield* remote.update(alice, "wc", { parallelism: ["sink:4"], containers: Option.none(), dryRun: true, timeoutSecs: 5 })
      expect(dry.packingPlan.containers.flatMap((c) => c.instances).length).toBe(5)
      expect(yield* failure(remote.kill(alice, "wc", 900))).toBe("--timeout 900: through --service-url, between 1 and 600 seconds")
    }))

  it.scoped("refusals are one line with the server and the status; 404s are the server's message", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS }))
      yield* seed(api.sm, "wc")
      expect(yield* failure((yield* client(api.base)).setState(alice, "wc", "PAUSED"))).toBe(
        `the API server at ${api.base} refused the request (401): missing bearer token: send "Authorization: Bearer <token>" with a token of role alice ` +
          `from api.tokens of cluster local, or the runtime's access token (give a token with --token or HERON_API_TOKEN)`
      )
      const asBob = yield* client(api.base, TOKENS.bob)
      expect(yield* failure(asBob.setState(alice, "wc", "PAUSED"))).toBe(
        `the API server at ${api.base} refused the request (403): this token acts for role bob of cluster local, not for role alice`
      )
      const asAlice = yield* client(api.base, TOKENS.alice)
      expect(yield* failure(asAlice.setState(alice, "nope", "PAUSED"))).toBe("topology nope does not run under local/alice/default")
      expect(yield* failure(asAlice.setState(alice, "wc!", "PAUSED"))).toBe(`invalid topology name "wc!": use letters, digits, '.', '_' and '-'`)
      expect(yield* failure(asAlice.update(alice, "wc", { parallelism: ["nope:2"], containers: Option.none(), dryRun: false, timeoutSecs: 5 }))).toBe(
        `the API server at ${api.base} refused the request (400): topology wc has no component nope; its components: numbers, sink`
      )
      const gone = yield* client("http://127.0.0.1:1", TOKENS.alice)
      expect(yield* failure(gone.list(alice))).toMatch(/^cannot reach the API server at http:\/\/127\.0\.0\.1:1: /)
    }))

  it.scoped("a remote dry run uploads the package, reporting progress, and prints the server's plan", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS }))
      const remote = yield* client(api.base, TOKENS.alice)
      const collected = yield* Progress.collect
      const plan = yield* RemoteSubmit.dryRun(remote, {
        target: alice,
        file: "examples/wc.ts",
        name: Option.some("wc-remote"),
        properties: ["topology.stmgrs=3"],
        deployDeactivated: false,
        timeoutSecs: 30,
        user: "alice",
        workDir: mkdtempSync(join(tmpdir(), "heron-remote-test-"))
      }, bundler, collected.progress).pipe(Effect.provide(Layer.merge(NodeContext.layer, NodeHttpClient.layer)))
      expect(plan.name).toBe("wc-remote")
      expect(plan.packingPlan.containers.map((c) => c.id)).toEqual([1, 2, 3])
      expect((yield* collected.lines).filter((l) => l.startsWith("["))).toEqual([
        "[1/2] validating and bundling examples/wc.ts",
        `[2/2] packing wc-remote on ${api.base}`
      ])
      expect(yield* api.sm.list("topologies")).toEqual([])
    }))
})
