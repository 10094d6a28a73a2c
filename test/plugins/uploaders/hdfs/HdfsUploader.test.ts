// The hdfs uploader against the WebHDFS double (test/support/services/webhdfs.ts): no HDFS can run
// on these machines, so these tests show the protocol as the documentation describes it.
import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schema } from "effect"
import { userInfo } from "node:os"
import { PluginHost } from "../../../../core/Plugin.js"
import { Uploader } from "../../../../core/Uploader.js"
import * as HdfsUploader from "../../../../plugins/uploaders/hdfs/HdfsUploader.js"
import { definition, hdfs } from "../../../../plugins/uploaders/hdfs/index.js"
import { startWebHdfs, type WebHdfsDouble } from "../../../support/services/webhdfs.js"
import { describeUploaderContract, packageBytes } from "../contract.js"

const host = Layer.succeed(PluginHost, { cluster: "test", home: "/nonexistent" })

/** The uploader built from `options` (decoded as the plugin loader does), alive for the scope. */
const uploaderFrom = (options: typeof HdfsUploader.HdfsConfig.Encoded) =>
  Effect.gen(function* () {
    const config = yield* Schema.decodeUnknown(definition.config)(options)
    return Context.get(yield* Layer.build(definition.layer(config).pipe(Layer.provide(host))), Uploader)
  })

/** A double whose `/heron` belongs to `heron`, and an uploader writing there as `heron`. */
const started = Effect.gen(function* () {
  const double = yield* startWebHdfs
  double.mkdirs("/heron", "heron")
  const uploader = yield* uploaderFrom({ namenode: double.namenode, user: "heron" })
  return { double, uploader }
})

/** The files of a topology's folder in the double, by name. */
const filesOf = (double: WebHdfsDouble, folder: string) =>
  new Map(double.list(folder).flatMap((p) => {
    const bytes = double.file(p)
    return bytes === undefined ? [] : [[p.slice(folder.length + 1), bytes] as const]
  }))

describeUploaderContract("hdfs", Effect.gen(function* () {
  const { double, uploader } = yield* started
  const nn = new URL(double.namenode).host
  return {
    uploader,
    stored: (topology: string) => Effect.sync(() => filesOf(double, `/heron/topologies/test/${topology}`)),
    foreignUris: [
      "webhdfs://127.0.0.1:1/heron/topologies/test/wc/topology.tar.gz",
      `swebhdfs://${nn}/heron/topologies/test/wc/topology.tar.gz`,
      `hdfs://${nn}/heron/topologies/test/wc/topology.tar.gz`,
      `webhdfs://${nn}/elsewhere/wc/topology.tar.gz`,
      `webhdfs://${nn}/heron/topologies/test/wc/notes.txt`,
      `webhdfs://${nn}/heron/topologies/test/../wc/topology.tar.gz`,
      "not a uri"
    ]
  }
}))

describe("hdfs uploader", () => {
  layer(NodeContext.layer)((it) => {
    const work = Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "heron-hdfs-" })
      const write = (name: string, bytes: Uint8Array) => fs.writeFile(path.join(dir, name), bytes).pipe(Effect.as(path.join(dir, name)))
      return { fs, path, dir, write }
    })

    it("is declared as the uploader plugin `hdfs`, loadable from its module", () => {
      expect(definition.kind).toBe("uploader")
      expect(definition.name).toBe("hdfs")
      expect(definition.module).toMatch(/plugins\/uploaders\/hdfs\/index\.(ts|js)$/)
      expect(hdfs({ namenode: "http://nn:9870" }).options).toEqual({ namenode: "http://nn:9870" })
    })

    it.effect("refuses bad options, naming them", () =>
      Effect.gen(function* () {
        const decode = Schema.decodeUnknown(definition.config, { errors: "all", onExcessProperty: "error" })
        for (const [options, key] of [
          [{}, "namenode"],
          [{ namenode: "nn:9870" }, "namenode"],
          [{ namenode: "http://nn:9870", root: "heron/pkgs" }, "root"],
          [{ namenode: "http://nn:9870", root: "/heron/../x" }, "root"],
          [{ namenode: "http://nn:9870", user: "" }, "user"]
        ] as const) {
          expect((yield* Effect.flip(decode(options))).message).toContain(key)
        }
      }))

    it.effect("defaults: root /heron/topologies/<cluster>, user from HADOOP_USER_NAME, else the process's user", () =>
      Effect.gen(function* () {
        const saved = process.env.HADOOP_USER_NAME
        const settings = (o: HdfsUploader.HdfsConfig) => HdfsUploader.resolveSettings(o).pipe(Effect.provide(host))
        try {
          delete process.env.HADOOP_USER_NAME
          const plain = yield* settings({ namenode: "http://nn:9870" })
          expect(plain.root).toBe("/heron/topologies/test")
          expect(plain.user).toBe(userInfo().username)
          process.env.HADOOP_USER_NAME = "hadoop-user"
          expect((yield* settings({ namenode: "http://nn:9870" })).user).toBe("hadoop-user")
          expect(yield* settings({ namenode: "http://nn:9870", root: "/pkgs/", user: "heron" })).toMatchObject({ root: "/pkgs", user: "heron" })
        } finally {
          if (saved === undefined) delete process.env.HADOOP_USER_NAME
          else process.env.HADOOP_USER_NAME = saved
        }
      }))

    it.scoped("speaks WebHDFS: two-step CREATE with the bytes only on the datanode, RENAME into place, user.name everywhere", () =>
      Effect.gen(function* () {
        const { double, uploader } = yield* started
        const { write, path, dir } = yield* work
        const uri = yield* uploader.upload("wc", yield* write("p", packageBytes(1, 10_000)))
        expect(uri).toBe(`webhdfs://${new URL(double.namenode).host}/heron/topologies/test/wc/topology.tar.gz`)
        const creates = double.requests.filter((r) => r.query.op === "CREATE")
        expect(creates.map((r) => [r.node, r.method, r.bodyBytes])).toEqual([["namenode", "PUT", 0], ["datanode", "PUT", 10_000]])
        expect(creates[1]?.contentLength).toBe(true)
        expect(creates[0]?.path).toMatch(/^\/heron\/topologies\/test\/wc\/\.topology\.tar\.gz\.[0-9a-f-]+\.tmp$/)
        expect(creates[0]?.query.overwrite).toBe("false")
        const renames = double.requests.filter((r) => r.query.op === "RENAME")
        expect(renames.map((r) => [r.path, r.query.destination])).toEqual([[creates[0]?.path, "/heron/topologies/test/wc/topology.tar.gz"]])
        expect(double.requests.filter((r) => r.node === "namenode").every((r) => r.query["user.name"] === "heron")).toBe(true)

        const before = double.requests.length
        yield* uploader.fetch(uri, path.join(dir, "dest"))
        expect(double.requests.slice(before).map((r) => [r.node, r.method, r.query.op])).toEqual([["namenode", "GET", "OPEN"], ["datanode", "GET", "OPEN"]])
        expect(double.list("/heron/topologies/test/wc")).toEqual(["/heron/topologies/test/wc/topology.tar.gz"])
      }))

    it.scoped("a RemoteException reaches the error: a user without write permission", () =>
      Effect.gen(function* () {
        const { double } = yield* started
        const { write } = yield* work
        const mallory = yield* uploaderFrom({ namenode: double.namenode, user: "mallory", root: "/heron/pkgs" })
        const err = yield* Effect.flip(mallory.upload("wc", yield* write("p", packageBytes(1))))
        expect(err).toMatchObject({ _tag: "UploadError", op: "upload", topology: "wc" })
        expect(err.message).toContain("/heron/pkgs/wc/topology.tar.gz")
        expect(err.message).toContain("HTTP 403 AccessControlException (org.apache.hadoop.security.AccessControlException)")
        expect(err.message).toContain('Permission denied: user=mallory, access=WRITE, inode="/heron":heron:supergroup:drwxr-xr-x')
        expect(double.list("/heron")).toEqual([])
        const undo = yield* Effect.flip(mallory.delete("wc"))
        expect(undo.message).toContain("WebHDFS DELETE /heron/pkgs/wc")
      }))

    it.scoped("fetch of a missing package carries HDFS's FileNotFoundException", () =>
      Effect.gen(function* () {
        const { double, uploader } = yield* started
        const { fs, path, dir } = yield* work
        const uri = `webhdfs://${new URL(double.namenode).host}/heron/topologies/test/gone/topology.tar.gz`
        const err = yield* Effect.flip(uploader.fetch(uri, path.join(dir, "dest")))
        expect(err.message).toContain(uri)
        expect(err.message).toContain("no such package (WebHDFS OPEN /heron/topologies/test/gone/topology.tar.gz: HTTP 404 FileNotFoundException (java.io.FileNotFoundException)")
        expect(yield* fs.readDirectory(dir)).toEqual([])
      }))

    it.scoped("an unreachable namenode gives an error naming the operation, the path and the cause", () =>
      Effect.gen(function* () {
        const { write } = yield* work
        const uploader = yield* uploaderFrom({ namenode: "http://127.0.0.1:1", user: "heron" })
        const err = yield* Effect.flip(uploader.upload("wc", yield* write("p", packageBytes(1))))
        expect(err.message).toContain("webhdfs://127.0.0.1:1/heron/topologies/test/wc/topology.tar.gz")
        expect(err.message).toContain("WebHDFS CREATE")
        expect(err.message).toContain("ECONNREFUSED")
      }))
  })
})
