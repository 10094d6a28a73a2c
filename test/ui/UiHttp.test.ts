// The runtime serves the UI beside the Tracker (core/tracker/UiHttp.ts, mounted by Tracker.serve):
// content types, cache headers, gzip, SPA fallback for client routes, 404s, a topology page's
// preloads (the very requests the UI's client makes first), a rebuild picked up without a
// restart, a clear 503 when the UI was never built, and the API answering as before.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { FetchHttpClient, HttpApiClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Tracker from "../../core/tracker/Tracker.js"
import { BrowserTrackerApi } from "../../ui/src/api/BrowserTrackerApi.js"
import { parseRoute, trackerParams } from "../../ui/src/model/Address.js"
import { TestState } from "../core/tracker/fixtures.js"

const INDEX = `<!doctype html><title>Heron</title><script type="module" src="/assets/main-abc123.js"></script>`
const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))})`

/** A built UI in a temp dir (what scripts/build-ui.mjs writes), removed with the scope. */
const builtUi = (withIndex: boolean) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = mkdtempSync(join(tmpdir(), "heron-ui-"))
      mkdirSync(join(dir, "assets"))
      if (withIndex) writeFileSync(join(dir, "index.html"), INDEX)
      writeFileSync(join(dir, "assets", "main-abc123.js"), SCRIPT)
      writeFileSync(join(dir, "assets", "main-abc123.js.gz"), gzipSync(SCRIPT))
      writeFileSync(join(dir, "assets", "main-abc123.css"), "body{margin:0}")
      writeFileSync(join(dir, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>")
      return dir
    }),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** The preload links UiHttp adds to a topology's page. */
const PRELOADS = /\s*<link rel="preload" as="fetch" crossorigin="anonymous" href="[^"]+">/g
const preloadsIn = (html: string) => [...html.matchAll(PRELOADS)].map((m) => (m[0].match(/href="([^"]+)"/)?.[1] ?? "").replaceAll("&amp;", "&"))

const serve = (uiDir: string) =>
  Effect.flatMap(Layer.build(Tracker.serve({ port: 0, host: "127.0.0.1", uiDir }).pipe(Layer.provide(TestState))), Tracker.boundAddress)

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const res = await fetch(url, { headers })
    return { status: res.status, headers: res.headers, text: await res.text() }
  })

describe("the UI served by the runtime", () => {
  it.live("serves index.html at / and for client routes, never cached unvalidated, with a content security policy", () =>
    Effect.gen(function*() {
      const base = yield* serve(yield* builtUi(true))
      for (const path of ["/", "/topology/local/alice/default/wc", "/topology/local/alice/default/wc/instance/container_1_split_3?tab=logs"]) {
        const r = yield* get(`${base}${path}`)
        expect([path, r.status, r.text.replace(PRELOADS, "")]).toEqual([path, 200, INDEX])
        expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8")
        expect(r.headers.get("cache-control")).toBe("no-cache")
        expect(r.headers.get("content-security-policy")).toContain("script-src 'self'")
        expect(r.headers.get("x-content-type-options")).toBe("nosniff")
      }
      // Any other page a browser asks for gets the app (which shows "not found"); other clients a 404.
      expect((yield* get(`${base}/somewhere/else`, { accept: "text/html,application/xhtml+xml" })).text).toBe(INDEX)
      const plain = yield* get(`${base}/somewhere/else`, { accept: "application/json" })
      expect(plain.status).toBe(404)
      expect(plain.text).not.toContain("<!doctype")
    }).pipe(Effect.scoped))

  it.live("serves hashed assets with their type, for a year, gzipped when accepted, 304 when unchanged", () =>
    Effect.gen(function*() {
      const base = yield* serve(yield* builtUi(true))
      const js = yield* get(`${base}/assets/main-abc123.js`, { "accept-encoding": "gzip" })
      expect(js.status).toBe(200)
      expect(js.text).toBe(SCRIPT)
      expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8")
      expect(js.headers.get("content-encoding")).toBe("gzip")
      expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
      const identity = yield* get(`${base}/assets/main-abc123.js`, { "accept-encoding": "identity" })
      expect(identity.headers.get("content-encoding")).toBeNull()
      expect(identity.text).toBe(SCRIPT)
      const etag = js.headers.get("etag") ?? ""
      expect(etag).toMatch(/^".+"$/)
      expect((yield* get(`${base}/assets/main-abc123.js`, { "if-none-match": etag })).status).toBe(304)
      expect((yield* get(`${base}/assets/main-abc123.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8")
      expect((yield* get(`${base}/favicon.svg`)).headers.get("content-type")).toBe("image/svg+xml")
      // A missing asset is a 404, even for a browser: never the app in place of a script.
      const missing = yield* get(`${base}/assets/main-old999.js`, { accept: "text/html,*/*" })
      expect(missing.status).toBe(404)
    }).pipe(Effect.scoped))

  it.live("keeps every API path working beside the UI", () =>
    Effect.gen(function*() {
      const base = yield* serve(yield* builtUi(true))
      const health = yield* get(`${base}/health`)
      expect(JSON.parse(health.text)).toEqual({ status: "ok", clusters: ["local", "prod"] })
      const states = yield* get(`${base}/topologies/states`, { accept: "text/html,*/*" })
      expect(states.text).toMatch(/^\{"status":"success","executiontime":\d+\.\d+/)
      const missing = yield* get(`${base}/topologies/info?cluster=local&environ=default`)
      expect(missing.status).toBe(400)
      expect(JSON.parse(missing.text)).toMatchObject({ status: "failure", message: "Missing argument: topology" })
      const openapi = JSON.parse((yield* get(`${base}${Tracker.OPENAPI_PATH}`)).text) as { paths: Record<string, unknown> }
      expect(Object.keys(openapi.paths)).toContain("/topologies/metrics")
    }).pipe(Effect.scoped))

  it.live("a topology's page preloads exactly the requests the UI's client makes first; other pages none", () =>
    Effect.gen(function*() {
      const base = yield* serve(yield* builtUi(true))
      // Escapes in the path (a space, a plus, a slash) must come out as the client writes them.
      const path = "/topology/local/alice%20b/default/word%2Bcount%2Fv2"
      const page = yield* get(`${base}${path}`)
      const preloads = preloadsIn(page.text)
      expect(preloads).toHaveLength(3)
      expect(page.text.indexOf("rel=\"preload\"")).toBeLessThan(page.text.indexOf("<script"))
      expect(page.headers.get("etag")).not.toBe((yield* get(`${base}/`)).headers.get("etag"))

      // What the UI's client asks for on that page, through the browser's fetch (recorded here).
      const route = parseRoute(new URL(path, base).pathname)
      if (route.page !== "topology") throw new Error(`not a topology page: ${path}`)
      const asked: Array<string> = []
      const recording: typeof fetch = (input) => {
        asked.push(String(input))
        return Promise.resolve(new Response("{}", { status: 500 }))
      }
      const urlParams = trackerParams(route.address)
      yield* Effect.flatMap(HttpApiClient.make(BrowserTrackerApi, { baseUrl: base }), (client) =>
        Effect.all([
          Effect.either(client.topologies.logicalplan({ urlParams })),
          Effect.either(client.topologies.executionstate({ urlParams })),
          Effect.either(client.topologies.physicalplan({ urlParams }))
        ])).pipe(Effect.provide(FetchHttpClient.layer), Effect.provide(Layer.succeed(FetchHttpClient.Fetch, recording)))
      expect(preloads.sort()).toEqual(asked.map((u) => `${new URL(u).pathname}${new URL(u).search}`).sort())
      expect(preloads[0]).toContain("role=alice+b&topology=word%2Bcount%2Fv2")

      for (const other of ["/", "/topology/local/alice/default/wc/container/1", "/topology/local/alice/default/wc/instance/container_1_split_3", "/topology/local/%E0%A4%A/default/wc"]) {
        expect([other, preloadsIn((yield* get(`${base}${other}`)).text)]).toEqual([other, []])
      }
    }).pipe(Effect.scoped))

  it.live("picks up a rebuild without a restart", () =>
    Effect.gen(function*() {
      const dir = yield* builtUi(true)
      const base = yield* serve(dir)
      expect((yield* get(`${base}/`)).text).toBe(INDEX)
      const next = INDEX.replace("main-abc123", "main-def456")
      writeFileSync(join(dir, "assets", "main-def456.js"), SCRIPT)
      writeFileSync(join(dir, "index.html"), next)
      const later = new Date(Date.now() + 5000)
      utimesSync(join(dir, "index.html"), later, later)
      expect((yield* get(`${base}/`)).text).toBe(next)
      expect((yield* get(`${base}/assets/main-def456.js`)).status).toBe(200)
    }).pipe(Effect.scoped))

  it.live("says how to build the UI when it was never built, and the API still answers", () =>
    Effect.gen(function*() {
      const base = yield* serve(yield* builtUi(false))
      const page = yield* get(`${base}/`)
      expect(page.status).toBe(503)
      expect(page.text).toContain("npm run build")
      expect((yield* get(`${base}/health`)).status).toBe(200)
    }).pipe(Effect.scoped))
})
