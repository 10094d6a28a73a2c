/**
 * A container's shell (after heron-shell): a small HTTP server every container starts on an
 * ephemeral port, reported to the TManager so that the physical plan carries it (`shell_port`),
 * through which the Tracker reaches the container's files and diagnostics without reading any
 * disk itself (containers may run on other machines: Kubernetes, Slurm).
 *
 * Endpoints (GET; JSON unless said otherwise; failures are `{"message"}` with the status):
 *
 * | path | answer |
 * |---|---|
 * | `/pid[/<instance>]` | `{command, stdout, pid, thread_id, container, instances \| instance}` |
 * | `/jstack[/<instance>]` | every thread's JS stack (`process.report`), the instance's first |
 * | `/jmap[/<instance>]` | writes a V8 heap snapshot into the container's directory, names it |
 * | `/histo[/<instance>]` | V8 heap and heap-space statistics of the instance's isolate |
 * | `/filestats?path=` | the entries of a directory (`FileStats`) |
 * | `/filedata?path=&offset=&length=` | a page of a file, `{offset, length, data}` |
 * | `/download?path=` | the file's bytes, as an attachment |
 * | `/browse/<path>`, `/file/<path>` | an HTML listing, a file inline (the plan's `joburl` and log links) |
 *
 * Paths are relative to the container's working directory; anything outside it is refused with
 * 403 (see `SafePath.ts`). The file endpoints take the path from `?path=` or, as heron-shell,
 * from the rest of the URL path.
 */
import { HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Either, type Scope } from "effect"
import { createServer } from "node:http"
import { EngineError } from "../EngineError.js"
import { type ContainerInfo, findInstance, histo, jmap, jstack, pid, type ShellInstance } from "./Diagnostics.js"
import { browsePage, fileData, fileStats, openForDownload } from "./Files.js"
import * as LogFiles from "./LogFiles.js"
import { ShellFailure } from "./ShellFailure.js"

export type { ShellInstance } from "./Diagnostics.js"

/** What a shell serves and where it listens. */
export interface ShellOptions extends ContainerInfo {
  /** The address to listen on (the port is always chosen by the system). */
  readonly listenHost: string
}

/** A running shell. */
export interface Shell {
  readonly port: number
  /** The container's log files, relative to its directory (see `LogFiles.ts`). */
  readonly logFiles: ReadonlyArray<string>
}

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })

const integer = (name: string, value: string | null, fallback: number): Effect.Effect<number, ShellFailure> => {
  if (value === null || value === "") return Effect.succeed(fallback)
  return /^-?\d+$/.test(value)
    ? Effect.succeed(Number(value))
    : Effect.fail(new ShellFailure({ status: 400, message: `${name} must be an integer, got ${value}` }))
}

/** `attachment; filename="x"` that survives any name. */
const disposition = (kind: "attachment" | "inline", name: string) =>
  `${kind}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`

const fileResponse = (c: ContainerInfo, path: string, kind: "attachment" | "inline") =>
  Effect.map(openForDownload(c.cwd, path), (f) =>
    HttpServerResponse.raw(f.stream, {
      status: 200,
      contentType: kind === "attachment" ? "application/octet-stream" : "text/plain; charset=utf-8",
      contentLength: f.size,
      headers: { "content-disposition": disposition(kind, f.name) }
    }))

/** Answers one request; `rawPath` is still percent-encoded, never normalized (no `..` folding). */
export const route = (c: ContainerInfo, rawPath: string, query: URLSearchParams): Effect.Effect<HttpServerResponse.HttpServerResponse, ShellFailure> =>
  Effect.gen(function*() {
    const slash = rawPath.indexOf("/", 1)
    const name = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash)
    const encodedRest = slash === -1 ? "" : rawPath.slice(slash + 1)
    const rest = yield* Effect.try({
      try: () => decodeURIComponent(encodedRest),
      catch: () => new ShellFailure({ status: 400, message: `bad percent-encoding in ${rawPath}` })
    })
    const instance: Effect.Effect<ShellInstance | undefined, ShellFailure> = rest === "" ? Effect.succeed(undefined) : Either.match(findInstance(c, rest), {
      onLeft: Effect.fail,
      onRight: Effect.succeed
    })
    const path = query.get("path") ?? rest
    switch (name) {
      case "pid":
        return json(pid(c, yield* instance))
      case "jstack":
        return json(yield* jstack(c, yield* instance))
      case "jmap":
        return json(yield* Effect.uninterruptible(jmap(c, yield* instance)))
      case "histo":
        return json(yield* histo(c, yield* instance))
      case "filestats":
        return json(yield* fileStats(c.cwd, path === "" ? "." : path))
      case "filedata": {
        if (path === "") return yield* new ShellFailure({ status: 400, message: "missing path" })
        const offset = yield* integer("offset", query.get("offset"), 0)
        const length = yield* integer("length", query.get("length"), -1)
        return json(yield* fileData(c.cwd, path, offset, length))
      }
      case "download":
        if (path === "") return yield* new ShellFailure({ status: 400, message: "missing path" })
        return yield* fileResponse(c, path, "attachment")
      case "file":
        return yield* fileResponse(c, path, "inline")
      case "":
      case "browse":
        return HttpServerResponse.text(yield* browsePage(c.cwd, path === "" ? "." : path), { contentType: "text/html; charset=utf-8" })
      default:
        return yield* new ShellFailure({ status: 404, message: `no such endpoint: /${name}` })
    }
  })

/** The shell as an HTTP app: GET and HEAD only, failures as `{"message"}` with their status. */
export const app = (c: ContainerInfo) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (request.method !== "GET" && request.method !== "HEAD") return json({ message: `${request.method} is not served` }, 405)
    const q = request.url.indexOf("?")
    const rawPath = q === -1 ? request.url : request.url.slice(0, q)
    const query = new URLSearchParams(q === -1 ? "" : request.url.slice(q + 1))
    return yield* route(c, rawPath, query).pipe(
      Effect.tap((r) => Effect.logDebug(`shell: ${request.method} ${request.url} -> ${r.status}`)),
      Effect.catchAll((f) => Effect.as(Effect.logDebug(`shell: ${request.method} ${request.url} -> ${f.status}: ${f.message}`), json({ message: f.message }, f.status)))
    )
  })

/** Starts the shell on `listenHost`, on a port the system picks; it stops when the scope closes. */
export const serve = (o: ShellOptions): Effect.Effect<Shell, EngineError, Scope.Scope> =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => createServer(), { port: 0, host: o.listenHost }).pipe(
      Effect.mapError((e) => new EngineError({ message: `container ${o.container}'s shell cannot listen on ${o.listenHost}: ${String(e.cause)}` }))
    )
    yield* server.serve(app(o))
    const port = server.address._tag === "TcpAddress" ? server.address.port : 0
    const logFiles = yield* LogFiles.discover(o.cwd)
    yield* Effect.logInfo(`shell of container ${o.container} on ${HttpServer.formatAddress(server.address)}${logFiles.length > 0 ? `, logs: ${logFiles.join(", ")}` : ""}`)
    return { port, logFiles }
  })
