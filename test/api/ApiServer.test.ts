// The API server over HTTP (the Tracker's server with fake plugins and a memory state manager):
// 401 with `WWW-Authenticate: Bearer` without a valid token, 403 with another role's, 400 with a
// reason for malformed or oversized requests, 404 for another role's topology; the verbs change
// the desired state as the CLI does; no token ever reaches a log line or an answer.
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tar from "tar"
import * as Definition from "../../core/api/Definition.js"
import * as MultipartBody from "../../core/cli/heron/remote/MultipartBody.js"
import * as Submit from "../../core/cli/heron/Submit.js"
import { built, seed } from "../supervisor/seed.js"
import { ACCESS, bearer, send, serve, settingsOf, TOKENS } from "./harness.js"

const topologyUrl = (base: string, role = "alice", name = "wc") => `${base}/api/v1/topologies/local/${role}/default/${name}`
const post = (url: string, headers: Record<string, string> = {}, body?: string | Uint8Array) => send(url, { method: "POST", headers, ...(body === undefined ? {} : { body }) })
const stateOf = (api: Effect.Effect.Success<ReturnType<typeof serve>>, name = "wc") =>
  Effect.map(api.sm.get("topologies", name), (t) => Option.map(t, (v) => v.state))
const message = (text: string): string => {
  const body: unknown = JSON.parse(text)
  return typeof body === "object" && body !== null && "message" in body ? String(body.message) : ""
}

/** A package as the CLI sends it: a tar.gz holding `topology.mjs` (never run by the server). */
const packageFile = (entries: Record<string, string> = { "topology.mjs": "export default 1\n" }) =>
  Effect.promise(async () => {
    const dir = mkdtempSync(join(tmpdir(), "heron-api-test-"))
    for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text)
    const file = join(dir, "topology.tar.gz")
    await tar.create({ gzip: true, file, cwd: dir }, Object.keys(entries))
    return file
  })

/** A submit form encoded by the CLI's own multipart writer. */
const form = (fields: ReadonlyArray<readonly [string, string]>, file: string) =>
  Effect.gen(function*() {
    const { size } = yield* Effect.promise(() => import("node:fs/promises").then((f) => f.stat(file)))
    const body = yield* MultipartBody.make(fields, { field: "topology", filename: "topology.tar.gz", path: file, size, contentType: "application/gzip" }, () => Effect.void)
    const bytes = Chunk.toReadonlyArray(yield* Stream.runCollect(body.stream).pipe(Effect.orDie))
    const all = new Uint8Array(body.contentLength)
    let at = 0
    for (const b of bytes) {
      all.set(b, at)
      at += b.length
    }
    return { body: all, contentType: body.contentType }
  }).pipe(Effect.provide(NodeContext.layer))

const definitionText = Effect.flatMap(Submit.definitionOf(built("wc", 2, 3)), Definition.encode)

describe("API server: authentication", () => {
  it.scoped("401 without a valid token (with the challenge), 403 with another role's, 200 with the role's or the access token", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS, access: ACCESS }))
      yield* seed(api.sm, "wc")
      const url = `${topologyUrl(api.base)}/deactivate`

      for (const headers of [{}, bearer("not-a-token"), { authorization: `Basic ${TOKENS.alice}` }]) {
        const r = yield* post(url, headers)
        expect(r.status).toBe(401)
        expect(r.headers.get("www-authenticate")).toBe('Bearer realm="heron"')
        expect(JSON.parse(r.text)).toMatchObject({ _tag: "ApiUnauthorized" })
      }
      const forbidden = yield* post(url, bearer(TOKENS.bob))
      expect([forbidden.status, message(forbidden.text)]).toEqual([403, "this token acts for role bob of cluster local, not for role alice"])
      expect(yield* stateOf(api)).toEqual(Option.some("RUNNING"))

      const ok = yield* post(url, bearer(TOKENS.alice))
      expect(ok.status).toBe(200)
      expect(JSON.parse(ok.text)).toEqual({ message: "wc deactivated", cluster: "local", role: "alice", environ: "default", name: "wc", state: "PAUSED", changed: true })
      expect(yield* stateOf(api)).toEqual(Option.some("PAUSED"))
      const again = yield* post(`${topologyUrl(api.base)}/activate`, bearer(ACCESS))
      expect(JSON.parse(again.text)).toMatchObject({ state: "RUNNING", changed: true })
      expect(yield* stateOf(api)).toEqual(Option.some("RUNNING"))
    }))

  it.scoped("the Tracker's /scheduler/restart follows the same rule for the topology's role", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS, access: ACCESS }))
      yield* seed(api.sm, "wc")
      const restart = (headers: Record<string, string>) =>
        send(`${api.base}/scheduler/restart`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ cluster: "local", topology: "wc" }) })
      const restarts = Effect.map(api.scheduler.calls, (cs) => cs.filter((c) => c.op === "restart").length)
      expect((yield* restart({})).status).toBe(401)
      expect((yield* restart(bearer("not-a-token"))).status).toBe(401)
      const forbidden = yield* restart(bearer(TOKENS.bob))
      expect([forbidden.status, message(forbidden.text)]).toEqual([403, "this token acts for role bob of cluster local, not for role alice"])
      expect(yield* restarts).toBe(0)
      expect(JSON.parse((yield* restart(bearer(TOKENS.alice))).text)).toEqual({ topology: "wc", restarted: "all" })
      expect((yield* restart(bearer(ACCESS))).status).toBe(200)
      expect(yield* restarts).toBe(2)
    }))

  it.scoped("without any token, a runtime on 127.0.0.1 answers without one; on 0.0.0.0 it refuses everything", () =>
    Effect.gen(function*() {
      const open = yield* serve(settingsOf({ host: "127.0.0.1" }))
      yield* seed(open.sm, "wc")
      expect((yield* post(`${topologyUrl(open.base)}/deactivate`)).status).toBe(200)
      expect(yield* stateOf(open)).toEqual(Option.some("PAUSED"))

      const closed = yield* serve(settingsOf({ host: "0.0.0.0" }))
      yield* seed(closed.sm, "wc")
      const r = yield* post(`${topologyUrl(closed.base)}/deactivate`, bearer(TOKENS.alice))
      expect(r.status).toBe(401)
      expect(message(r.text)).toMatch(/^the API server is closed/)
      expect(yield* stateOf(closed)).toEqual(Option.some("RUNNING"))
    }))

  it.scoped("a topology of another role, or of no cluster served, is not found (even with the access token)", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS, access: ACCESS }))
      yield* seed(api.sm, "wc")
      const other = yield* post(`${topologyUrl(api.base, "bob")}/deactivate`, bearer(TOKENS.bob))
      expect([other.status, message(other.text)]).toEqual([404, "topology wc does not run under local/bob/default"])
      const cluster = yield* post(`${api.base}/api/v1/topologies/prod/alice/default/wc/deactivate`, bearer(ACCESS))
      expect([cluster.status, message(cluster.text)]).toEqual([404, "this runtime does not serve cluster prod"])
      expect(yield* stateOf(api)).toEqual(Option.some("RUNNING"))
      const listed = yield* send(`${api.base}/api/v1/topologies/local/alice/default`, { headers: bearer(TOKENS.alice) })
      expect(JSON.parse(listed.text)).toEqual({ cluster: "local", role: "alice", environ: "default", topologies: ["wc"] })
      const none = yield* send(`${api.base}/api/v1/topologies/local/bob/default`, { headers: bearer(TOKENS.bob) })
      expect(JSON.parse(none.text)).toMatchObject({ topologies: [] })
    }))
})

describe("API server: requests", () => {
  it.scoped("restart goes to the scheduler, for one container or all; a container that does not exist is a 400", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS }))
      yield* seed(api.sm, "wc")
      const url = `${topologyUrl(api.base)}/restart`
      expect(JSON.parse((yield* post(`${url}?container=1`, bearer(TOKENS.alice))).text)).toMatchObject({ restarted: 1 })
      expect(JSON.parse((yield* post(url, bearer(TOKENS.alice))).text)).toMatchObject({ restarted: "all" })
      expect(JSON.parse((yield* post(`${url}?container_id=-1`, bearer(TOKENS.alice))).text)).toMatchObject({ restarted: "all" })
      const restarts = (yield* api.scheduler.calls).flatMap((c) => (c.op === "restart" ? [c.container] : []))
      expect(restarts).toEqual([Option.some(1), Option.none(), Option.none()])
      const missing = yield* post(`${url}?container=9`, bearer(TOKENS.alice))
      expect([missing.status, message(missing.text)]).toEqual([400, "topology wc has no container 9: its containers are 0 (the TManager) to 2"])
      expect((yield* post(`${url}?container=x`, bearer(TOKENS.alice))).status).toBe(400)
    }))

  it.scoped("update: malformed, oversized, unknown keys or components are 400s with the reason; a dry run writes nothing", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS }))
      const { packingPlan } = yield* seed(api.sm, "wc")
      const url = `${topologyUrl(api.base)}/update`
      const json = { ...bearer(TOKENS.alice), "content-type": "application/json" }
      const cases: ReadonlyArray<readonly [Record<string, string>, string, RegExp]> = [
        [json, "{not json", /^bad update request: malformed JSON body$/],
        [json, JSON.stringify({ component_parallelism: ["sink:2"], pad: "x".repeat(70_000) }), /over the limit of 64 KB/],
        [json, JSON.stringify({ parallelism: 3 }), /^bad update request: parallelism: is unexpected/],
        [json, JSON.stringify({ component_parallelism: ["sink"] }), /expected component:n with n >= 1/],
        [json, JSON.stringify({ component_parallelism: ["nope:2"] }), /^topology wc has no component nope; its components: numbers, sink$/],
        [json, JSON.stringify({ container_number: 20_000 }), /^container_number: at most 10000$/],
        [{ ...bearer(TOKENS.alice), "content-type": "text/plain" }, "sink:2", /expected an application\/json or application\/x-www-form-urlencoded body/]
      ]
      for (const [headers, body, reason] of cases) {
        const r = yield* post(url, headers, body)
        expect([body.slice(0, 40), r.status, message(r.text)]).toEqual([body.slice(0, 40), 400, expect.stringMatching(reason)])
      }
      // Heron's form encoding, as a dry run: the new plan is answered, nothing is written.
      const form = { ...bearer(TOKENS.alice), "content-type": "application/x-www-form-urlencoded" }
      const dry = yield* post(url, form, "component_parallelism=sink:5&container_number=3&dry_run=true")
      expect(dry.status).toBe(200)
      expect(JSON.parse(dry.text)).toMatchObject({ dryRun: true, changed: false, containers: 3, instances: 6 })
      expect(Option.map(yield* api.sm.get("packingplans", "wc"), (p) => p.containers.length)).toEqual(Option.some(packingPlan.containers.length))
    }))

  it.scoped("submit: what is not a complete form within the limits, with a package and a sound definition, is a 400", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS }))
      const url = `${api.base}/api/v1/topologies/local/alice/default`
      const pkg = yield* packageFile()
      const definition = yield* definitionText
      const submitWith = (fields: ReadonlyArray<readonly [string, string]>, file = pkg) =>
        Effect.flatMap(form(fields, file), (f) => post(url, { ...bearer(TOKENS.alice), "content-type": f.contentType }, f.body))
      const badDefinition = JSON.stringify({ ...JSON.parse(definition), components: [] })
      const cases: ReadonlyArray<readonly [Effect.Effect<{ readonly status: number; readonly text: string }>, RegExp]> = [
        [post(url, { ...bearer(TOKENS.alice), "content-type": "application/json" }, "{}"), /^expected a multipart\/form-data body/],
        [submitWith([["definition", definition]]), /^bad submit form: name: is missing/],
        [submitWith([["name", "wc"], ["definition", "x".repeat(70_000)]]), /^a form field is over the limit of 64 KB$/],
        [submitWith([["name", "wc"], ["definition", definition], ["color", "blue"]]), /^bad submit form: color: is unexpected/],
        [submitWith([["name", "wc"], ["definition", "{"]]), /^bad definition: /],
        [submitWith([["name", "wc"], ["definition", badDefinition]]), /^bad definition: declares no spout/],
        [submitWith([["name", "../wc"], ["definition", definition]]), /^invalid topology name/],
        [submitWith([["name", "wc"], ["definition", definition], ["config_property", "topology.stmgrs=50000"]]), /at most 10000 containers/],
        [submitWith([["name", "wc"], ["definition", definition]], yield* packageFile({ "other.txt": "x" })), /no topology\.mjs inside/]
      ]
      for (const [request, reason] of cases) {
        const r = yield* request
        expect([r.status, message(r.text)]).toEqual([400, expect.stringMatching(reason)])
      }
      // Content-Length over the limit is refused before the body is read.
      const oversized = yield* Effect.async<{ readonly status: number; readonly text: string }>((resume) => {
        const req = httpRequest(url, { method: "POST", headers: { ...bearer(TOKENS.alice), "content-type": "multipart/form-data; boundary=x", "content-length": String(60 * 1024 * 1024) } }, (res) => {
          let text = ""
          res.on("data", (d: Buffer) => (text += d.toString()))
          res.on("end", () => {
            req.destroy()
            resume(Effect.succeed({ status: res.statusCode ?? 0, text }))
          })
        })
        req.on("error", () => undefined)
        req.flushHeaders()
      })
      expect([oversized.status, message(oversized.text)]).toEqual([400, "the request body of 60 MB is over the limit of 51 MB"])
      expect(yield* api.sm.list("topologies")).toEqual([])
    }))

  it.scoped("submit dry run: the server packs the definition with the cluster's settings and writes nothing", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS }))
      const f = yield* form([["name", "wc2"], ["definition", yield* definitionText], ["config_property", "topology.stmgrs=3"], ["dry_run", "true"]], yield* packageFile())
      const r = yield* post(`${api.base}/api/v1/topologies/local/alice/default`, { ...bearer(TOKENS.alice), "content-type": f.contentType }, f.body)
      expect(r.status).toBe(200)
      const body: unknown = JSON.parse(r.text)
      expect(body).toMatchObject({ message: "packing plan of wc2: 3 containers", name: "wc2", packingPlan: { containers: [{ id: 1 }, { id: 2 }, { id: 3 }] } })
      expect(yield* api.sm.list("topologies")).toEqual([])
    }))

  it.scoped("no token appears in any answer or log line, at any level", () =>
    Effect.gen(function*() {
      const api = yield* serve(settingsOf({ tokens: TOKENS, access: ACCESS }))
      yield* seed(api.sm, "wc")
      const answers: Array<string> = []
      for (const token of [...Object.values(TOKENS), ACCESS, `${TOKENS.alice}x`]) {
        for (const path of ["deactivate", "activate", "restart?container=1"]) {
          answers.push((yield* post(`${topologyUrl(api.base)}/${path}`, bearer(token))).text)
        }
        answers.push((yield* post(`${topologyUrl(api.base)}/update`, { ...bearer(token), "content-type": "application/json" }, "{bad")).text)
      }
      const logs = yield* api.logs
      expect(logs.some((l) => l.includes("by=\"role alice\""))).toBe(true)
      expect(answers.some((a) => a.includes("ApiForbidden"))).toBe(true)
      for (const text of [...answers, ...logs]) {
        for (const secret of [...Object.values(TOKENS), ACCESS]) expect(text).not.toContain(secret)
      }
    }))
})
