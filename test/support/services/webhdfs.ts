/**
 * A protocol double of HDFS's WebHDFS REST API (no HDFS can run here): a "namenode" and a
 * "datanode" HTTP server on two free ports of 127.0.0.1 over one in-memory namespace, speaking
 * the paths, redirects and JSON bodies of Hadoop's WebHDFS REST API documentation:
 *
 * - `http://<namenode>/webhdfs/v1/<path>?op=...&user.name=...` (simple authentication: the user
 *   is `user.name`, `dr.who` without it);
 * - `CREATE` (PUT) and `OPEN` (GET) answer `307 TEMPORARY_REDIRECT` with a `Location` on the
 *   datanode carrying `namenoderpcaddress`; the datanode takes the bytes (`201 Created`, a
 *   `webhdfs://` `Location`, no body) or serves them (`application/octet-stream`);
 * - `GETFILESTATUS` → `{"FileStatus": {...}}`; `MKDIRS`, `RENAME`, `DELETE` → `{"boolean": ...}`;
 * - failures → `{"RemoteException": {exception, javaClassName, message}}` with the documented
 *   statuses (400 IllegalArgument/UnsupportedOperation, 403 AccessControl and other
 *   IOExceptions, 404 FileNotFound).
 *
 * It refuses what the real servers refuse: a missing or unknown `op`, an op sent with the wrong
 * method, data sent with the first step of `CREATE` (this double is stricter than the namenode,
 * which ignores it: a client that sends it is wasting the transfer), a datanode request without
 * `namenoderpcaddress`, a relative `destination`, a non-recursive `DELETE` of a non-empty folder,
 * writes by a user who does not own the nearest existing folder (HDFS permissions, `drwxr-xr-x`).
 *
 * Not covered: Kerberos/SPNEGO and delegation tokens, `doas`, permissions beyond owner-writes
 * (no groups, no `permission` parameter, no sticky bit), APPEND, CONCAT, LISTSTATUS, symlinks,
 * snapshots, `noredirect`, `offset`/`length` beyond simple slicing, block sizes and replication,
 * HA namenodes (StandbyException), and HTTPS (swebhdfs).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { Effect, type Scope } from "effect"

/** One request either server received. */
export interface RecordedRequest {
  readonly node: "namenode" | "datanode"
  readonly method: string
  /** The HDFS path (after `/webhdfs/v1`). */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Bytes in the request body. */
  readonly bodyBytes: number
  /** Whether the request declared a `Content-Length`. */
  readonly contentLength: boolean
}

interface Inode {
  readonly type: "FILE" | "DIRECTORY"
  readonly data: Buffer
  readonly owner: string
  readonly fileId: number
  readonly modificationTime: number
}

/** A running double. */
export interface WebHdfsDouble {
  /** `http://127.0.0.1:<port>`, the namenode's HTTP address. */
  readonly namenode: string
  /** `http://127.0.0.1:<port>`, where the namenode redirects `CREATE` and `OPEN`. */
  readonly datanode: string
  /** Every request so far, in arrival order. */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** The content of a file, if it is one. */
  readonly file: (path: string) => Uint8Array | undefined
  /** The paths of the files and folders under `folder` (not itself), sorted. */
  readonly list: (folder: string) => ReadonlyArray<string>
  /** Creates a folder (and its parents) owned by `owner`, as an administrator would. */
  readonly mkdirs: (path: string, owner: string) => void
}

/** The account HDFS runs as: it may write anywhere. */
export const superuser = "hdfs"
const group = "supergroup"
const namenodeRpc = "localhost:8020"

class Remote extends Error {
  constructor(readonly status: number, readonly exception: string, readonly javaClassName: string, message: string) {
    super(message)
  }
}
const illegal = (m: string) => new Remote(400, "IllegalArgumentException", "java.lang.IllegalArgumentException", m)
const notFound = (m: string) => new Remote(404, "FileNotFoundException", "java.io.FileNotFoundException", m)

const parentOf = (p: string) => (p.lastIndexOf("/") <= 0 ? "/" : p.slice(0, p.lastIndexOf("/")))
const childOf = (folder: string, p: string) => p !== folder && p.startsWith(folder === "/" ? "/" : `${folder}/`)

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const json = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) })
  res.end(text)
}

/** The ops each method takes, as in Hadoop's GetOpParam, PutOpParam, PostOpParam, DeleteOpParam. */
const opsByMethod: Readonly<Record<string, { readonly cls: string; readonly ops: ReadonlyArray<string> }>> = {
  GET: { cls: "GetOpParam", ops: ["OPEN", "GETFILESTATUS", "LISTSTATUS", "GETCONTENTSUMMARY", "GETFILECHECKSUM", "GETHOMEDIRECTORY"] },
  PUT: { cls: "PutOpParam", ops: ["CREATE", "MKDIRS", "RENAME", "SETREPLICATION", "SETOWNER", "SETPERMISSION", "SETTIMES"] },
  POST: { cls: "PostOpParam", ops: ["APPEND", "CONCAT", "TRUNCATE"] },
  DELETE: { cls: "DeleteOpParam", ops: ["DELETE"] }
}

/** Starts the namenode and datanode doubles; stopped with the scope. */
export const startWebHdfs: Effect.Effect<WebHdfsDouble, never, Scope.Scope> = Effect.gen(function* () {
  let nextId = 16385
  const inodes = new Map<string, Inode>()
  const put = (p: string, type: Inode["type"], owner: string, data: Buffer = Buffer.alloc(0)) =>
    inodes.set(p, { type, data, owner, fileId: nextId++, modificationTime: Date.now() })
  put("/", "DIRECTORY", superuser)
  const requests: Array<RecordedRequest> = []

  const mkdirs = (p: string, owner: string) => {
    if (p === "/" || inodes.get(p)?.type === "DIRECTORY") return
    mkdirs(parentOf(p), owner)
    if (inodes.get(p)?.type === "FILE") {
      throw new Remote(403, "FileAlreadyExistsException", "org.apache.hadoop.fs.FileAlreadyExistsException", `Path is not a directory: ${p}`)
    }
    put(p, "DIRECTORY", owner)
  }
  /** HDFS's check for writing into `folder` (or creating it): the nearest existing folder must
   * be the user's (or the user is the superuser). */
  const mayWrite = (user: string, folder: string) => {
    let p = folder
    while (!inodes.has(p)) p = parentOf(p)
    const inode = inodes.get(p)
    if (inode === undefined || user === superuser || inode.owner === user) return
    const mode = inode.type === "DIRECTORY" ? "drwxr-xr-x" : "-rw-r--r--"
    throw new Remote(403, "AccessControlException", "org.apache.hadoop.security.AccessControlException",
      `Permission denied: user=${user}, access=WRITE, inode="${p}":${inode.owner}:${group}:${mode}`)
  }
  const status = (inode: Inode) => ({
    accessTime: inode.type === "FILE" ? inode.modificationTime : 0,
    blockSize: inode.type === "FILE" ? 134217728 : 0,
    childrenNum: 0,
    fileId: inode.fileId,
    group,
    length: inode.data.length,
    modificationTime: inode.modificationTime,
    owner: inode.owner,
    pathSuffix: "",
    permission: inode.type === "FILE" ? "644" : "755",
    replication: inode.type === "FILE" ? 1 : 0,
    storagePolicy: 0,
    type: inode.type
  })

  const namenode = (req: IncomingMessage, p: string, q: URLSearchParams, body: Buffer, res: ServerResponse, datanode: string) => {
    const user = q.get("user.name") ?? "dr.who"
    const op = (q.get("op") ?? "NULL").toUpperCase()
    const inode = inodes.get(p)
    const redirect = (extra: Record<string, string>) => {
      const params = new URLSearchParams({ op, "user.name": user, namenoderpcaddress: namenodeRpc, ...extra })
      res.writeHead(307, { Location: `${datanode}/webhdfs/v1${p}?${params.toString()}`, "Content-Type": "application/octet-stream", "Content-Length": 0 })
      res.end()
    }
    switch (`${req.method ?? ""} ${op}`) {
      case "GET GETFILESTATUS":
        if (inode === undefined) throw notFound(`File does not exist: ${p}`)
        return json(res, 200, { FileStatus: status(inode) })
      case "GET OPEN":
        if (inode === undefined) throw notFound(`File ${p} not found.`)
        if (inode.type !== "FILE") throw notFound(`Path is not a file: ${p}`)
        return redirect({ offset: q.get("offset") ?? "0", ...(q.has("length") ? { length: q.get("length") ?? "" } : {}) })
      case "PUT CREATE": {
        if (body.length > 0) throw illegal(`${p}: data must not be sent with the first step of CREATE; send it to the datanode the namenode redirects to`)
        const overwrite = q.get("overwrite") ?? "false"
        if (overwrite !== "true" && overwrite !== "false") throw illegal(`Invalid value for webhdfs parameter "overwrite": Failed to parse "${overwrite}" to Boolean.`)
        return redirect({ overwrite, createparent: "true" })
      }
      case "PUT MKDIRS":
        mayWrite(user, p)
        mkdirs(p, user)
        return json(res, 200, { boolean: true })
      case "PUT RENAME": {
        const to = q.get("destination")
        if (to === null || !to.startsWith("/")) throw illegal(`Invalid parameter value: destination = "${to ?? ""}" is not an absolute path.`)
        const dest = inodes.get(to)?.type === "DIRECTORY" ? `${to === "/" ? "" : to}/${p.slice(p.lastIndexOf("/") + 1)}` : to
        // Permissions first, as HDFS checks them before it looks at what exists.
        mayWrite(user, parentOf(p))
        mayWrite(user, parentOf(dest))
        if (inode === undefined || p === "/" || inodes.has(dest) || inodes.get(parentOf(dest))?.type !== "DIRECTORY" || childOf(p, dest)) {
          return json(res, 200, { boolean: false })
        }
        for (const [k, v] of [...inodes]) {
          if (k === p || childOf(p, k)) {
            inodes.delete(k)
            inodes.set(dest + k.slice(p.length), v)
          }
        }
        return json(res, 200, { boolean: true })
      }
      case "DELETE DELETE": {
        if (p === "/") return json(res, 200, { boolean: false })
        mayWrite(user, parentOf(p))
        if (inode === undefined) return json(res, 200, { boolean: false })
        const children = [...inodes.keys()].filter((k) => childOf(p, k))
        if (children.length > 0 && q.get("recursive") !== "true") {
          throw new Remote(403, "PathIsNotEmptyDirectoryException", "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException", `\`${p} is non empty': Directory is not empty`)
        }
        for (const k of [p, ...children]) inodes.delete(k)
        return json(res, 200, { boolean: true })
      }
    }
    const allowed = opsByMethod[req.method ?? ""]
    if (op !== "NULL" && allowed !== undefined && !allowed.ops.includes(op)) {
      throw illegal(`Invalid value for webhdfs parameter "op": No enum constant org.apache.hadoop.hdfs.web.resources.${allowed.cls}.Op.${op}`)
    }
    throw new Remote(400, "UnsupportedOperationException", "java.lang.UnsupportedOperationException", `op=${op} is not supported`)
  }

  const datanode = (req: IncomingMessage, p: string, q: URLSearchParams, body: Buffer, res: ServerResponse, namenodeUrl: string) => {
    if (!q.has("namenoderpcaddress")) throw illegal("namenoderpcaddress is not specified.")
    const user = q.get("user.name") ?? "dr.who"
    const op = q.get("op") ?? ""
    const inode = inodes.get(p)
    if (req.method === "PUT" && op === "CREATE") {
      if (inode?.type === "DIRECTORY") throw new Remote(403, "FileAlreadyExistsException", "org.apache.hadoop.fs.FileAlreadyExistsException", `${p} already exists as a directory`)
      if (inode !== undefined && q.get("overwrite") !== "true") {
        throw new Remote(403, "FileAlreadyExistsException", "org.apache.hadoop.fs.FileAlreadyExistsException", `${p} for client 127.0.0.1 already exists`)
      }
      mayWrite(user, parentOf(p))
      mkdirs(parentOf(p), user)
      put(p, "FILE", user, body)
      res.writeHead(201, { Location: `webhdfs://${new URL(namenodeUrl).host}${p}`, "Content-Length": 0 })
      return res.end()
    }
    if (req.method === "GET" && op === "OPEN") {
      if (inode?.type !== "FILE") throw notFound(`File does not exist: ${p}`)
      const offset = Number(q.get("offset") ?? "0")
      const data = inode.data.subarray(offset, q.has("length") ? offset + Number(q.get("length")) : undefined)
      res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": data.length })
      return res.end(data)
    }
    throw new Remote(400, "IllegalArgumentException", "java.lang.IllegalArgumentException", `Invalid operation ${req.method ?? ""} ${op}`)
  }

  const serve = (node: RecordedRequest["node"], handle: typeof namenode, other: () => string) =>
    createServer((req, res) => {
      void readBody(req).then((body) => {
        const url = new URL(req.url ?? "/", "http://double")
        const prefix = "/webhdfs/v1"
        const raw = url.pathname.startsWith(prefix) ? decodeURIComponent(url.pathname.slice(prefix.length)) : undefined
        const p = raw === undefined ? undefined : (raw.replace(/\/+$/, "") || "/")
        requests.push({
          node, method: req.method ?? "", path: p ?? url.pathname, query: Object.fromEntries(url.searchParams),
          bodyBytes: body.length, contentLength: req.headers["content-length"] !== undefined
        })
        try {
          if (p === undefined || !p.startsWith("/")) {
            res.writeHead(404, { "Content-Type": "text/plain" })
            return res.end(`no such resource: ${url.pathname}`)
          }
          if (p.split("/").some((s) => s === "." || s === "..")) throw illegal(`Invalid path name ${p}`)
          handle(req, p, url.searchParams, body, res, other())
        } catch (e) {
          const r = e instanceof Remote ? e : new Remote(500, "RuntimeException", "java.lang.RuntimeException", String(e))
          json(res, r.status, { RemoteException: { exception: r.exception, javaClassName: r.javaClassName, message: r.message } })
        }
      })
    })

  const listen = (server: Server) =>
    Effect.acquireRelease(
      Effect.async<string>((resume) => {
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          resume(Effect.succeed(`http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`))
        })
      }),
      () => Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
    )
  const urls = { namenode: "", datanode: "" }
  urls.namenode = yield* listen(serve("namenode", namenode, () => urls.datanode))
  urls.datanode = yield* listen(serve("datanode", datanode, () => urls.namenode))

  return {
    namenode: urls.namenode,
    datanode: urls.datanode,
    requests,
    file: (p) => {
      const inode = inodes.get(p)
      return inode?.type === "FILE" ? Uint8Array.from(inode.data) : undefined
    },
    list: (folder) => [...inodes.keys()].filter((k) => childOf(folder, k)).sort(),
    mkdirs: (p, owner) => mkdirs(p, owner)
  }
})
