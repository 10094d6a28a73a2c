// The UI's typed clients stay in step with the server's definitions: the browser's Tracker API is
// TrackerApi made of the very same group values (minus the API server's group, which it mirrors),
// and the control verbs the UI calls have the API server's methods, paths and query parameters.
import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { HttpApi, type HttpApiGroup } from "@effect/platform"
import { Option, SchemaAST } from "effect"
import { describe, expect, it } from "vitest"
import { ApiServerApi } from "../../core/api/ApiServerApi.js"
import { TrackerApi } from "../../core/tracker/TrackerApi.js"
import { ControlApi } from "../../ui/src/api/ControlApi.js"
import { BrowserTrackerApi, serverOnlyGroups } from "../../ui/src/api/BrowserTrackerApi.js"
import { repoRoot } from "../support/processes.js"

interface Route {
  readonly group: string
  readonly name: string
  readonly method: string
  readonly path: string
  readonly query: ReadonlyArray<string>
}

/** The keys of an endpoint's query (its URL parameters' struct). */
const queryKeys = (schema: Option.Option<{ readonly ast: SchemaAST.AST }>): ReadonlyArray<string> =>
  Option.match(schema, {
    onNone: () => [],
    onSome: (schema) => (SchemaAST.isTypeLiteral(schema.ast) ? schema.ast.propertySignatures.map((p) => String(p.name)).sort() : [])
  })

const routes = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(api: HttpApi.HttpApi<Id, Groups, E, R>): Array<Route> => {
  const out: Array<Route> = []
  HttpApi.reflect(api, {
    onGroup: () => undefined,
    onEndpoint: ({ group, endpoint }) =>
      void out.push({ group: group.identifier, name: endpoint.name, method: endpoint.method, path: endpoint.path, query: queryKeys(endpoint.urlParamsSchema) })
  })
  return out
}

describe("the UI's clients and the server's API", () => {
  it("the browser's Tracker API is TrackerApi's groups, the same values, minus the server-only ones", () => {
    const server = Object.entries(TrackerApi.groups).filter(([id]) => !serverOnlyGroups.includes(id))
    expect(Object.keys(BrowserTrackerApi.groups).sort()).toEqual(server.map(([id]) => id).sort())
    for (const [id, group] of server) expect([id, BrowserTrackerApi.groups[id] === group]).toEqual([id, true])
    expect(routes(BrowserTrackerApi).length).toBeGreaterThan(20)
  })

  it("every control verb the UI calls is an API server endpoint with the same method, path and query", () => {
    const server = new Map(routes(HttpApi.make("server").add(ApiServerApi)).map((r) => [r.name, r]))
    const ui = routes(ControlApi)
    expect(ui.map((r) => r.name).sort()).toEqual(["activate", "deactivate", "kill", "restart"])
    expect(ui.find((r) => r.name === "restart")?.query).toEqual(["container"])
    for (const r of ui) {
      const s = server.get(r.name)
      expect(s, `the API server has no ${r.name}`).toBeDefined()
      expect({ name: r.name, method: r.method, path: r.path }).toEqual({ name: s?.name, method: s?.method, path: s?.path })
      // The UI may send fewer query parameters, never one the server does not know.
      for (const key of r.query) expect(s?.query, `${r.name}?${key}`).toContain(key)
    }
  })

  it("the UI makes no request of its own: no fetch, XMLHttpRequest, EventSource, WebSocket or beacon outside the typed clients", () => {
    const src = join(repoRoot, "ui/src")
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => /\.tsx?$/.test(f))
    expect(files.length).toBeGreaterThan(20)
    const own = /\bfetch\s*\(|\bXMLHttpRequest\b|\bEventSource\b|\bWebSocket\b|\bsendBeacon\b/
    const offenders = files.flatMap((f) => {
      const lines = readFileSync(join(src, f), "utf8").split("\n")
      return lines.flatMap((line, k) => (own.test(line) ? [`${relative(repoRoot, join(src, f))}:${k + 1}: ${line.trim()}`] : []))
    })
    expect(offenders).toEqual([])
  })
})
