/**
 * A small WebHDFS REST client (`/webhdfs/v1/<path>?op=...&user.name=...`, simple authentication):
 * the operations the hdfs uploader uses. `CREATE` is the documented two-step write (a PUT without
 * data to the namenode, answered `307` with a datanode `Location`, then the PUT of the bytes
 * there); `OPEN` follows the namenode's redirect to a datanode. A failure carries the server's
 * `RemoteException` (exception, Java class, message) when it sent one.
 */
import { Data, Effect, Option, Schema } from "effect"
import type { IncomingMessage } from "node:http"
import { discard, readText, send, type FileBody } from "./http.js"

/** WebHDFS's error body. */
export const RemoteException = Schema.Struct({
  exception: Schema.String,
  javaClassName: Schema.String,
  message: Schema.String
})
export type RemoteException = typeof RemoteException.Type

const ErrorBody = Schema.parseJson(Schema.Struct({ RemoteException }))
const BooleanBody = Schema.parseJson(Schema.Struct({ boolean: Schema.Boolean }))
const FileStatusBody = Schema.parseJson(Schema.Struct({
  FileStatus: Schema.Struct({
    length: Schema.Number,
    type: Schema.Literal("FILE", "DIRECTORY", "SYMLINK"),
    modificationTime: Schema.optional(Schema.Number)
  })
}))
/** What `GETFILESTATUS` tells (the part used here). */
export type FileStatus = (typeof FileStatusBody.Type)["FileStatus"]

/** A failed WebHDFS call: which operation on which path, and why. */
export class WebHdfsError extends Data.TaggedError("WebHdfsError")<{
  readonly op: string
  readonly path: string
  /** The HTTP status, when the server answered. */
  readonly status?: number
  /** The server's exception, when it sent one. */
  readonly remote?: RemoteException
  readonly detail: string
}> {
  /** One line: `WebHDFS CREATE /p: HTTP 403 AccessControlException (org.apache...): Permission denied: ...`. */
  get text(): string {
    const r = this.remote
    const why = r === undefined ? this.detail : `${r.exception} (${r.javaClassName}): ${r.message}`
    return `WebHDFS ${this.op} ${this.path}: ${this.status === undefined ? "" : `HTTP ${this.status} `}${why}`
  }
}

/** Where and as whom. */
export interface WebHdfsOptions {
  /** The namenode's HTTP(S) address, e.g. `http://namenode:9870` (a gateway path is kept). */
  readonly namenode: URL
  /** Sent as `user.name`; absent: the server's default user. */
  readonly user: string | undefined
}

/** Builds the namenode URL of `op` on `path` with extra query parameters. */
export const urlOf = (o: WebHdfsOptions, path: string, op: string, params: Record<string, string> = {}): URL => {
  const base = o.namenode.href.replace(/\/+$/, "")
  const encoded = path.split("/").map(encodeURIComponent).join("/")
  const query = new URLSearchParams({ op, ...(o.user === undefined ? {} : { "user.name": o.user }), ...params })
  return new URL(`${base}/webhdfs/v1${encoded}?${query.toString()}`)
}

/** The WebHDFS operations of the hdfs uploader. */
export const makeWebHdfs = (o: WebHdfsOptions) => {
  const failure = (op: string, path: string, detail: string, status?: number, remote?: RemoteException) =>
    new WebHdfsError({ op, path, detail, ...(status === undefined ? {} : { status }), ...(remote === undefined ? {} : { remote }) })

  /** Runs one exchange; a thrown error (refused connection, reset, abort) becomes a WebHdfsError. */
  const exchange = <A>(op: string, path: string, f: (signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: (e) => failure(op, path, e instanceof Error ? e.message : String(e)) })

  /** Sends a request; the answer is dropped with the scope unless it was read to its end. */
  const request = (op: string, path: string, url: URL, method: string, body?: FileBody) =>
    Effect.acquireRelease(
      exchange(op, path, (signal) => send(url, method, signal, body)),
      (res) => Effect.sync(() => {
        if (!res.complete) res.destroy()
      })
    )

  /** Turns an unexpected answer into a WebHdfsError, with its RemoteException when there is one. */
  const unexpected = (op: string, path: string, res: IncomingMessage) =>
    Effect.flatMap(exchange(op, path, () => readText(res, 64 * 1024)), (text) => {
      const status = res.statusCode ?? 0
      return Effect.fail(Option.match(Schema.decodeUnknownOption(ErrorBody)(text), {
        onSome: (body) => failure(op, path, body.RemoteException.message, status, body.RemoteException),
        onNone: () => failure(op, path, text.trim() === "" ? "unexpected answer" : `unexpected answer: ${text.trim().slice(0, 200)}`, status)
      }))
    })

  /** A JSON operation on the namenode: the body of a 200, decoded with `schema`. */
  const jsonOp = <A, I>(method: string, op: string, path: string, schema: Schema.Schema<A, I>, params: Record<string, string> = {}) =>
    Effect.gen(function* () {
      const res = yield* request(op, path, urlOf(o, path, op, params), method)
      if (res.statusCode !== 200) return yield* unexpected(op, path, res)
      const text = yield* exchange(op, path, () => readText(res))
      return yield* Schema.decodeUnknown(schema)(text).pipe(
        Effect.mapError(() => failure(op, path, `unexpected answer: ${text.slice(0, 200)}`, 200))
      )
    }).pipe(Effect.scoped)

  /** The datanode `Location` of a `307` from the namenode. */
  const redirected = (op: string, path: string, res: IncomingMessage) =>
    Effect.gen(function* () {
      const location = res.headers.location
      if (res.statusCode !== 307 || location === undefined) return yield* unexpected(op, path, res)
      yield* exchange(op, path, () => discard(res))
      return new URL(location, o.namenode)
    })

  return {
    /** `GETFILESTATUS`; None when the path does not exist. */
    status: (path: string): Effect.Effect<Option.Option<FileStatus>, WebHdfsError> =>
      jsonOp("GET", "GETFILESTATUS", path, FileStatusBody).pipe(
        Effect.map((b) => Option.some(b.FileStatus)),
        Effect.catchIf((e) => e.status === 404 && e.remote?.exception === "FileNotFoundException", () => Effect.succeedNone)
      ),

    /** `CREATE` in two steps: the namenode's redirect, then the bytes of `file` to the datanode. */
    create: (path: string, file: string, size: number, overwrite: boolean, onSent: (sent: number) => void): Effect.Effect<void, WebHdfsError> =>
      Effect.gen(function* () {
        const first = yield* request("CREATE", path, urlOf(o, path, "CREATE", { overwrite: String(overwrite) }), "PUT")
        const datanode = yield* redirected("CREATE", path, first)
        const res = yield* request("CREATE", path, datanode, "PUT", { file, size, onSent })
        if (res.statusCode !== 201) return yield* unexpected("CREATE", path, res)
        yield* exchange("CREATE", path, () => discard(res))
      }).pipe(Effect.scoped),

    /** `OPEN`, following the redirect; `consume` reads the datanode's answer (its body and
     * `Content-Length`). */
    open: <A>(path: string, consume: (body: IncomingMessage, length: number | undefined, signal: AbortSignal) => Promise<A>): Effect.Effect<A, WebHdfsError> =>
      Effect.gen(function* () {
        const first = yield* request("OPEN", path, urlOf(o, path, "OPEN"), "GET")
        const datanode = yield* redirected("OPEN", path, first)
        const res = yield* request("OPEN", path, datanode, "GET")
        if (res.statusCode !== 200) return yield* unexpected("OPEN", path, res)
        const length = res.headers["content-length"] === undefined ? undefined : Number(res.headers["content-length"])
        return yield* exchange("OPEN", path, (signal) => consume(res, length, signal))
      }).pipe(Effect.scoped),

    /** `RENAME`: false when HDFS refuses (source missing, destination taken or its folder missing). */
    rename: (from: string, to: string): Effect.Effect<boolean, WebHdfsError> =>
      jsonOp("PUT", "RENAME", from, BooleanBody, { destination: to }).pipe(Effect.map((b) => b.boolean)),

    /** `DELETE`: false when there was nothing to delete. */
    remove: (path: string, recursive: boolean): Effect.Effect<boolean, WebHdfsError> =>
      jsonOp("DELETE", "DELETE", path, BooleanBody, { recursive: String(recursive) }).pipe(Effect.map((b) => b.boolean))
  }
}

/** The client's operations. */
export type WebHdfs = ReturnType<typeof makeWebHdfs>
