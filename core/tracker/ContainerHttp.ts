/**
 * Handlers of {@link ContainerApi}: find the container's shell in the topology's physical plan
 * (or the TManager's location, for container 0), ask it over HTTP, and answer in Heron's shape.
 * The shell's own refusals keep their status (a traversal attempt is a 403 here too); a shell that
 * cannot be reached is a 502, one that does not answer in time a 504.
 */
import { FetchHttpClient, HttpApiBuilder, HttpClient, type HttpClientResponse, HttpServerResponse } from "@effect/platform"
import { Duration, Effect, Either, Layer, ParseResult, Schema } from "effect"
import { Clusters } from "../Clusters.js"
import { Redactor } from "../Redactor.js"
import { CommandAnswer, FileData, FileStats, ShellProblem } from "../engine/shell/ShellWire.js"
import type { ContainerParams } from "./ContainerApi.js"
import { respond, TrackerFailure } from "./Envelope.js"
import { find, listAll } from "./Snapshots.js"
import { address, single, values } from "./TopologiesHttp.js"
import { TrackerApi } from "./TrackerApi.js"
import { machinesTree } from "./wire/Machines.js"
import { containerShell, instanceShell, type ShellAddress } from "./wire/Shells.js"

/** How long the shell has to answer: a heap snapshot takes seconds, the rest much less. */
const TIMEOUTS = { jmap: Duration.minutes(2), jstack: Duration.seconds(30), other: Duration.seconds(15) } as const

const missing = (name: string) => new TrackerFailure({ status: 400, message: `Missing argument: ${name}` })

const required = (value: string | undefined, name: string): Effect.Effect<string, TrackerFailure> =>
  value === undefined ? Effect.fail(missing(name)) : Effect.succeed(value)

/** An integer parameter; `fallback` when absent. */
const integer = (q: ContainerParams, name: "container" | "offset" | "length", fallback?: number): Effect.Effect<number, TrackerFailure> => {
  const raw = single(q[name])
  if (raw === undefined) return fallback === undefined ? Effect.fail(missing(name)) : Effect.succeed(fallback)
  return /^-?\d+$/.test(raw.trim())
    ? Effect.succeed(Number(raw.trim()))
    : Effect.fail(new TrackerFailure({ status: 400, message: `${name} must be an integer, got ${raw}` }))
}

const hostPort = (s: ShellAddress) => `${s.host.includes(":") ? `[${s.host}]` : s.host}:${s.port}`

const fromEither = <A>(e: Either.Either<A, TrackerFailure>): Effect.Effect<A, TrackerFailure> => Either.match(e, { onLeft: Effect.fail, onRight: Effect.succeed })

/** What a shell's failure becomes: its own status for the caller's mistakes, 502 otherwise. */
const shellFailure = (shell: ShellAddress, response: HttpClientResponse.HttpClientResponse) =>
  Effect.gen(function*() {
    const text = yield* Effect.orElseSucceed(response.text, () => "")
    const problem = Schema.decodeUnknownEither(Schema.parseJson(ShellProblem))(text)
    const message = Either.isRight(problem) ? problem.right.message : text.slice(0, 200)
    const s = response.status
    const status = s === 400 || s === 403 || s === 404 || s === 503 || s === 504 ? s : 502
    return new TrackerFailure({ status, message: `container ${shell.container}: ${status === 502 ? `its shell answered ${s}: ` : ""}${message}` })
  })

export const ContainerHttp = HttpApiBuilder.group(TrackerApi, "container", (handlers) =>
  Effect.gen(function*() {
    const clusters = yield* Clusters
    const redactor = yield* Redactor
    const client = yield* HttpClient.HttpClient
    const answer = respond(redactor.redact)

    /** GETs `path` (with `query`) from a shell; fails unless it answers 200. */
    const ask = (shell: ShellAddress, path: string, query: Record<string, string>, timeout: Duration.Duration) =>
      Effect.gen(function*() {
        const search = new URLSearchParams(query).toString()
        const url = `http://${hostPort(shell)}${path}${search === "" ? "" : `?${search}`}`
        const response = yield* client.get(url).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new TrackerFailure({ status: 504, message: `container ${shell.container}'s shell at ${hostPort(shell)} did not answer within ${Duration.format(timeout)}` })
          }),
          Effect.catchTag("RequestError", (e) =>
            Effect.fail(new TrackerFailure({ status: 502, message: `container ${shell.container}'s shell at ${hostPort(shell)} cannot be reached: ${String(e.cause)}` }))),
          Effect.catchTag("ResponseError", (e) => Effect.fail(new TrackerFailure({ status: 502, message: `container ${shell.container}'s shell: ${e.message}` })))
        )
        if (response.status !== 200) return yield* Effect.flatMap(shellFailure(shell, response), Effect.fail)
        return response
      })

    /** The shell's JSON answer, checked against `schema`; also returns the text as received. */
    const askJson = <A, I>(schema: Schema.Schema<A, I>, shell: ShellAddress, path: string, query: Record<string, string>, timeout: Duration.Duration) =>
      Effect.gen(function*() {
        const response = yield* ask(shell, path, query, timeout)
        const text = yield* response.text.pipe(Effect.mapError((e) => new TrackerFailure({ status: 502, message: `container ${shell.container}'s shell: ${e.message}` })))
        const value = yield* Schema.decodeUnknown(Schema.parseJson(schema))(text).pipe(
          Effect.mapError((e) => new TrackerFailure({ status: 502, message: `container ${shell.container}'s shell answered unexpectedly: ${ParseResult.TreeFormatter.formatErrorSync(e)}` }))
        )
        return { value, text }
      })

    const topology = (q: ContainerParams) => Effect.flatMap(address(q), (a) => find(clusters, a))

    /** The shell of the container the query names. */
    const containerOf = (q: ContainerParams) =>
      Effect.gen(function*() {
        const s = yield* topology(q)
        const container = yield* integer(q, "container")
        if (container < 0) return yield* new TrackerFailure({ status: 400, message: `container must be 0 or more, got ${container}` })
        return yield* fromEither(containerShell(s, container))
      })

    /**
     * pid / jstack / jmap / histo of the instance the query names: the shell's JSON, as a string.
     * Without `instance`, `container` names a container's main thread (container 0, the TManager,
     * has no instance), which Heron's tracker does not offer.
     */
    const aboutInstance = (what: "pid" | "jstack" | "jmap" | "histo") => ({ urlParams }: { readonly urlParams: ContainerParams }) =>
      answer(Effect.gen(function*() {
        const instance = single(urlParams.instance)
        if (instance === undefined && single(urlParams.container) === undefined) return yield* missing("instance")
        const shell = instance === undefined
          ? yield* containerOf(urlParams)
          : yield* fromEither(instanceShell(yield* topology(urlParams), instance))
        const timeout = what === "jmap" ? TIMEOUTS.jmap : what === "jstack" ? TIMEOUTS.jstack : TIMEOUTS.other
        const path = instance === undefined ? `/${what}` : `/${what}/${encodeURIComponent(instance)}`
        return (yield* askJson(CommandAnswer, shell, path, {}, timeout)).text
      }))

    return handlers
      .handle("pid", aboutInstance("pid"))
      .handle("jstack", aboutInstance("jstack"))
      .handle("jmap", aboutInstance("jmap"))
      .handle("histo", aboutInstance("histo"))
      .handle("containerfilestats", ({ urlParams }) =>
        answer(Effect.gen(function*() {
          const shell = yield* containerOf(urlParams)
          const path = single(urlParams.path) ?? "."
          return (yield* askJson(FileStats, shell, "/filestats", { path }, TIMEOUTS.other)).value
        })))
      .handle("containerfiledata", ({ urlParams }) =>
        answer(Effect.gen(function*() {
          const shell = yield* containerOf(urlParams)
          const path = yield* required(single(urlParams.path), "path")
          const offset = yield* integer(urlParams, "offset", 0)
          const length = yield* integer(urlParams, "length", -1)
          return (yield* askJson(FileData, shell, "/filedata", { path, offset: String(offset), length: String(length) }, TIMEOUTS.other)).value
        })))
      .handle("containerfiledownload", ({ urlParams }) =>
        Effect.gen(function*() {
          const shell = yield* containerOf(urlParams)
          const path = yield* required(single(urlParams.path), "path")
          const response = yield* ask(shell, "/download", { path }, TIMEOUTS.other)
          const length = Number(response.headers["content-length"])
          return HttpServerResponse.stream(response.stream, {
            contentType: "application/octet-stream",
            ...(Number.isSafeInteger(length) ? { contentLength: length } : {}),
            headers: {
              "access-control-allow-origin": "*",
              "content-disposition": response.headers["content-disposition"] ?? "attachment"
            }
          })
        }).pipe(Effect.catchAll((failure) => answer(Effect.fail(failure)))))
      .handle("machines", ({ urlParams }) =>
        answer(Effect.gen(function*() {
          const filter = { clusters: values(urlParams.cluster), environs: values(urlParams.environ), topologies: values(urlParams.topology), role: single(urlParams.role) }
          // As Heron: several topologies only within one cluster and environ.
          if (filter.topologies.length > 1 && filter.clusters.length === 0) return yield* missing("cluster")
          if (filter.topologies.length > 1 && filter.environs.length === 0) return yield* missing("environ")
          return machinesTree(filter, yield* listAll(clusters, filter.clusters))
        })))
  })).pipe(Layer.provide(FetchHttpClient.layer))
