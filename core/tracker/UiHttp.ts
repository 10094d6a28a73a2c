/**
 * The Heron UI's static files, served by the runtime beside the Tracker API (on the same router,
 * so `/topologies/...`, `/health` and `/openapi.json` keep answering as before):
 *
 * - `/assets/<name>-<hash>.<ext>`: the bundles `scripts/build-ui.mjs` writes into `dist/ui`, with
 *   their content type, cached for a year (`immutable`: a new build has new names), gzipped when
 *   the browser accepts it and the build wrote a `.gz` beside the file;
 * - any other GET a browser makes for a page (`/`, `/topology/...`, or `Accept: text/html`):
 *   `index.html`, never cached without revalidation, so that client routes survive a reload; a
 *   topology's page also names the Tracker reads it starts with as preloads (see `preloadsOf`);
 * - everything else: 404.
 *
 * The files are read on the first request and kept in memory (about 2.5 MB, the DAG layout's
 * worker being most of it), and read again when `index.html` changes (a new build). When the UI
 * was never built, pages answer 503 and say how to build it.
 */
import { createHash } from "node:crypto"
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import { FileSystem, HttpApiBuilder, HttpServerRequest, HttpServerResponse, Path } from "@effect/platform"
import { Effect, Option, SynchronizedRef } from "effect"
import { TopologiesApi } from "./TopologiesApi.js"

/** Where the UI's files are. */
export interface Options {
  /** The built UI (`index.html` and `assets/`); default {@link defaultDir}. */
  readonly dir?: string
}

/** One file of the built UI, ready to send. */
interface Asset {
  readonly body: Uint8Array
  readonly gzip: Option.Option<Uint8Array>
  readonly contentType: string
  readonly etag: string
  /** Content-hashed name: cacheable for ever. */
  readonly immutable: boolean
}

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2"
}

/**
 * `dist/ui` of this package, whether this module runs from `dist/core/tracker` (the bins) or
 * from `core/tracker` (sources under tsx).
 */
export const defaultDir = (): string => {
  const twoUp = fileURLToPath(new URL("../..", import.meta.url))
  return basename(twoUp) === "dist" ? join(twoUp, "ui") : join(twoUp, "dist", "ui")
}

/** Pages the browser may load directly: the list and every topology page below `/topology/`. */
const isPage = (pathname: string, accept: string): boolean =>
  !pathname.startsWith("/api/") && !pathname.startsWith("/assets/") &&
  (pathname === "/" || pathname === "/index.html" || pathname.startsWith("/topology/") || accept.includes("text/html"))

/** Headers of every UI answer; pages also get a content security policy (scripts from here only;
 * the DAG's layout runs in a worker from here; inline styles for the charts and highlighting). */
const baseHeaders = { "x-content-type-options": "nosniff" }
const pageHeaders = {
  ...baseHeaders,
  "content-security-policy": "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer"
}

const notBuilt = (dir: string) =>
  `<!doctype html><meta charset="utf-8"><title>Heron UI not built</title>` +
  `<p>The Heron UI has not been built: <code>${dir}</code> holds no <code>index.html</code>. ` +
  `Run <code>npm run build</code> (or <code>node scripts/build-ui.mjs</code>) and reload. ` +
  `The Tracker API answers meanwhile (<a href="/openapi.json">/openapi.json</a>).</p>`

const etagOf = (body: Uint8Array) => `"${createHash("sha1").update(body).digest("base64url").slice(0, 20)}"`

/** What a topology's page reads first, before anything else can be drawn. */
const firstReads = new Set(["logicalplan", "executionstate", "physicalplan"])
const firstReadPaths = Object.values(TopologiesApi.endpoints).filter((e) => firstReads.has(e.name)).map((e) => e.path)

/**
 * The Tracker reads a topology's page (`/topology/<cluster>/<role>/<environ>/<name>`) starts
 * with: its logical plan, execution state and physical plan. The page names them as
 * `<link rel="preload" as="fetch">`, so the browser asks for them while it still loads and runs
 * the UI's script, and the UI's client, whose requests these are to the byte (same parameters in
 * the same order as `trackerParams` of ui/src/model/Address.ts; test/ui/UiHttp.test.ts checks it),
 * is answered from the preload cache: the Tracker's time for them (the physical plan of 3,000
 * instances is 530 kB) no longer adds to the script's. Other pages: none.
 */
export const preloadsOf = (pathname: string): ReadonlyArray<string> => {
  const m = /^\/topology\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(pathname)
  if (m === null) return []
  let segments: Array<string>
  try {
    segments = m.slice(1).map(decodeURIComponent)
  } catch {
    // A malformed escape: the UI shows "not found" and reads nothing.
    return []
  }
  const [cluster = "", role = "", environ = "", topology = ""] = segments
  const query = new URLSearchParams({ cluster, environ, role, topology }).toString()
  return firstReadPaths.map((path) => `${path}?${query}`)
}

/** `index.html` with `<link rel="preload">`s for `urls`, right after its title. */
const withPreloads = (index: Asset, urls: ReadonlyArray<string>): Asset => {
  const html = new TextDecoder().decode(index.body)
  const at = html.indexOf("</title>")
  if (urls.length === 0 || at < 0) return index
  const links = urls.map((u) => `\n    <link rel="preload" as="fetch" crossorigin="anonymous" href="${u.replaceAll("&", "&amp;")}">`).join("")
  const end = at + "</title>".length
  const body = new TextEncoder().encode(`${html.slice(0, end)}${links}${html.slice(end)}`)
  return { ...index, body, gzip: Option.none(), etag: etagOf(body) }
}

/** The files of one build, and when its `index.html` was written. */
interface Build {
  readonly stamp: string
  readonly assets: ReadonlyMap<string, Asset>
}

const noBuild: Build = { stamp: "none", assets: new Map() }

/** When `index.html` was written: a new build writes a new one. */
const stampOf = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* fs.stat(path.join(dir, "index.html"))
    return `${Option.match(info.mtime, { onNone: () => 0, onSome: (d) => d.getTime() })}:${info.size}`
  }).pipe(Effect.orElseSucceed(() => noBuild.stamp))

/** Reads every file under `dir` into a map keyed by URL path (`/assets/main-XYZ.js`). */
const load = (dir: string, stamp: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const assets = new Map<string, Asset>()
    if (stamp === noBuild.stamp) return noBuild
    const names = yield* fs.readDirectory(dir, { recursive: true })
    for (const name of names) {
      const file = path.join(dir, name)
      if (name.endsWith(".gz") || (yield* fs.stat(file)).type !== "File") continue
      const body = yield* fs.readFile(file)
      const gz = `${file}.gz`
      const gzip = (yield* fs.exists(gz)) ? Option.some(yield* fs.readFile(gz)) : Option.none()
      const urlPath = `/${name.split(path.sep).join("/")}`
      assets.set(urlPath, {
        body,
        gzip,
        contentType: contentTypes[path.extname(name)] ?? "application/octet-stream",
        etag: etagOf(body),
        immutable: urlPath.startsWith("/assets/")
      })
    }
    const build: Build = { stamp, assets }
    return build
  })

/** The answer for one asset: 304 when the browser has it, gzip when it takes it. */
const send = (asset: Asset, request: HttpServerRequest.HttpServerRequest, isIndex: boolean) => {
  const headers = {
    ...(isIndex ? pageHeaders : baseHeaders),
    etag: asset.etag,
    "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    vary: "accept-encoding"
  }
  if (request.headers["if-none-match"] === asset.etag) return HttpServerResponse.empty({ status: 304, headers })
  const gzipOk = (request.headers["accept-encoding"] ?? "").includes("gzip")
  return Option.match(Option.filter(asset.gzip, () => gzipOk), {
    onNone: () => HttpServerResponse.uint8Array(asset.body, { contentType: asset.contentType, headers }),
    onSome: (gz) => HttpServerResponse.uint8Array(gz, { contentType: asset.contentType, headers: { ...headers, "content-encoding": "gzip" } })
  })
}

/**
 * Adds the UI's routes to the Tracker's router (`HttpApiBuilder.Router`): give it to
 * `HttpApiBuilder.serve` as `Tracker.serve` does. The API's own routes are exact paths and win
 * over the UI's catch-all.
 */
export const layer = (options: Options = {}) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const dir = options.dir ?? defaultDir()
      // Read on the first request (the runtime starts as fast with or without a UI), again after a rebuild.
      const current = yield* SynchronizedRef.make(noBuild)
      const files = SynchronizedRef.updateAndGetEffect(current, (build) =>
        Effect.flatMap(stampOf(dir), (stamp) =>
          stamp === build.stamp ? Effect.succeed(build) : Effect.orElseSucceed(load(dir, stamp), () => noBuild)))
      const handler = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const pathname = new URL(request.url, "http://ui.invalid").pathname
        const { assets } = yield* files
        const asset = assets.get(pathname)
        if (asset !== undefined && pathname !== "/index.html") return send(asset, request, false)
        if (!isPage(pathname, request.headers["accept"] ?? "")) {
          return HttpServerResponse.text(`Not found: ${pathname}`, { status: 404, headers: baseHeaders })
        }
        const index = assets.get("/index.html")
        return index === undefined
          ? HttpServerResponse.html(notBuilt(dir)).pipe(HttpServerResponse.setStatus(503), HttpServerResponse.setHeaders(baseHeaders))
          : send(withPreloads(index, preloadsOf(pathname)), request, true)
      })
      yield* router.get("/", handler)
      yield* router.get("/*", handler)
    }))
