// The WebHDFS double itself: that it answers like WebHDFS's documentation says, and refuses what
// the real namenode and datanode refuse, so that the hdfs uploader's tests mean something.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { startWebHdfs, type WebHdfsDouble } from "../../../support/services/webhdfs.js"

const call = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const res = await fetch(url, { redirect: "manual", ...init })
    const text = await res.text()
    const isJson = res.headers.get("content-type") === "application/json"
    return { status: res.status, headers: res.headers, text, json: isJson ? JSON.parse(text) as unknown : undefined }
  })

const nn = (d: WebHdfsDouble, path: string, query: string) => `${d.namenode}/webhdfs/v1${path}?${query}`

describe("WebHDFS double", () => {
  it.scoped("CREATE is two steps: a 307 to the datanode, then 201 with a webhdfs:// Location", () =>
    Effect.gen(function* () {
      const d = yield* startWebHdfs
      d.mkdirs("/tmp", "alice")
      const first = yield* call(nn(d, "/tmp/a.txt", "op=CREATE&user.name=alice&overwrite=false"), { method: "PUT" })
      expect(first.status).toBe(307)
      expect(first.text).toBe("")
      const location = new URL(first.headers.get("location") ?? "")
      expect(location.origin).toBe(d.datanode)
      expect(location.pathname).toBe("/webhdfs/v1/tmp/a.txt")
      expect(Object.fromEntries(location.searchParams)).toMatchObject({ op: "CREATE", "user.name": "alice", overwrite: "false" })
      expect(location.searchParams.get("namenoderpcaddress")).not.toBeNull()

      const second = yield* call(location.href, { method: "PUT", body: "Hello, webhdfs user!" })
      expect(second.status).toBe(201)
      expect(second.headers.get("location")).toBe(`webhdfs://${new URL(d.namenode).host}/tmp/a.txt`)
      expect(second.headers.get("content-length")).toBe("0")
      expect(Buffer.from(d.file("/tmp/a.txt") ?? []).toString()).toBe("Hello, webhdfs user!")

      const status = yield* call(nn(d, "/tmp/a.txt", "op=GETFILESTATUS"))
      expect(status.status).toBe(200)
      expect(status.headers.get("content-type")).toBe("application/json")
      expect(Object.keys((status.json as { FileStatus: object }).FileStatus).sort()).toEqual([
        "accessTime", "blockSize", "childrenNum", "fileId", "group", "length", "modificationTime",
        "owner", "pathSuffix", "permission", "replication", "storagePolicy", "type"
      ])
      expect(status.json).toMatchObject({ FileStatus: { length: 20, owner: "alice", type: "FILE", permission: "644", pathSuffix: "" } })
    }))

  it.scoped("OPEN redirects to the datanode, which serves the bytes", () =>
    Effect.gen(function* () {
      const d = yield* startWebHdfs
      const loc = (yield* call(nn(d, "/f", "op=CREATE&user.name=hdfs"), { method: "PUT" })).headers.get("location") ?? ""
      yield* call(loc, { method: "PUT", body: "0123456789" })
      const open = yield* call(nn(d, "/f", "op=OPEN&user.name=hdfs"))
      expect(open.status).toBe(307)
      const read = yield* call(open.headers.get("location") ?? "")
      expect(read.status).toBe(200)
      expect(read.headers.get("content-type")).toBe("application/octet-stream")
      expect(read.text).toBe("0123456789")
    }))

  it.scoped("failures are RemoteExceptions with the documented statuses", () =>
    Effect.gen(function* () {
      const d = yield* startWebHdfs
      d.mkdirs("/data/x", "bob")
      const remote = (exception: string, javaClassName: string) => ({ RemoteException: { exception, javaClassName, message: expect.any(String) } })
      const cases = [
        // No such file.
        [nn(d, "/nope", "op=GETFILESTATUS"), "GET", 404, remote("FileNotFoundException", "java.io.FileNotFoundException"), "File does not exist: /nope"],
        [nn(d, "/nope", "op=OPEN"), "GET", 404, remote("FileNotFoundException", "java.io.FileNotFoundException"), "/nope"],
        // Missing op, an op of another method, data sent to the namenode.
        [nn(d, "/f", "user.name=bob"), "GET", 400, remote("UnsupportedOperationException", "java.lang.UnsupportedOperationException"), "op=NULL is not supported"],
        [nn(d, "/f", "op=CREATE"), "GET", 400, remote("IllegalArgumentException", "java.lang.IllegalArgumentException"), "GetOpParam.Op.CREATE"],
        [nn(d, "/f", "op=RENAME&destination=relative"), "PUT", 400, remote("IllegalArgumentException", "java.lang.IllegalArgumentException"), "not an absolute path"],
        [`${d.datanode}/webhdfs/v1/f?op=CREATE&user.name=bob`, "PUT", 400, remote("IllegalArgumentException", "java.lang.IllegalArgumentException"), "namenoderpcaddress"],
        // Permissions: /data/x is bob's, / is the superuser's.
        [nn(d, "/data/x/y", "op=MKDIRS&user.name=eve"), "PUT", 403, remote("AccessControlException", "org.apache.hadoop.security.AccessControlException"),
          'Permission denied: user=eve, access=WRITE, inode="/data/x":bob:supergroup:drwxr-xr-x'],
        [nn(d, "/data", "op=DELETE&user.name=hdfs"), "DELETE", 403, remote("PathIsNotEmptyDirectoryException", "org.apache.hadoop.fs.PathIsNotEmptyDirectoryException"), "is non empty"]
      ] as const
      for (const [url, method, status, body, message] of cases) {
        const r = yield* call(url, { method })
        expect([url, r.status]).toEqual([url, status])
        expect(r.headers.get("content-type")).toBe("application/json")
        expect(r.json).toEqual(body)
        expect(r.text).toContain(JSON.stringify(message).slice(1, -1))
      }
      const withData = yield* call(nn(d, "/data/x/f", "op=CREATE&user.name=bob"), { method: "PUT", body: "too early" })
      expect(withData.status).toBe(400)
      expect(withData.json).toEqual(remote("IllegalArgumentException", "java.lang.IllegalArgumentException"))
      expect(d.file("/data/x/f")).toBeUndefined()
    }))

  it.scoped("CREATE without overwrite refuses an existing file; RENAME and DELETE answer booleans", () =>
    Effect.gen(function* () {
      const d = yield* startWebHdfs
      const create = (path: string, overwrite: string) =>
        Effect.flatMap(call(nn(d, path, `op=CREATE&user.name=hdfs&overwrite=${overwrite}`), { method: "PUT" }), (r) =>
          call(r.headers.get("location") ?? "", { method: "PUT", body: overwrite }))
      expect((yield* create("/a", "false")).status).toBe(201)
      const again = yield* create("/a", "false")
      expect(again.status).toBe(403)
      expect(again.json).toMatchObject({ RemoteException: { exception: "FileAlreadyExistsException" } })
      expect((yield* create("/a", "true")).status).toBe(201)
      expect(Buffer.from(d.file("/a") ?? []).toString()).toBe("true")

      expect((yield* call(nn(d, "/a", "op=RENAME&user.name=hdfs&destination=/b"), { method: "PUT" })).json).toEqual({ boolean: true })
      expect((yield* call(nn(d, "/a", "op=RENAME&user.name=hdfs&destination=/c"), { method: "PUT" })).json).toEqual({ boolean: false })
      yield* create("/c", "false")
      expect((yield* call(nn(d, "/b", "op=RENAME&user.name=hdfs&destination=/c"), { method: "PUT" })).json).toEqual({ boolean: false })
      expect((yield* call(nn(d, "/b", "op=DELETE&user.name=hdfs"), { method: "DELETE" })).json).toEqual({ boolean: true })
      expect((yield* call(nn(d, "/b", "op=DELETE&user.name=hdfs"), { method: "DELETE" })).json).toEqual({ boolean: false })
      expect(d.list("/")).toEqual(["/c"])
    }))
})
