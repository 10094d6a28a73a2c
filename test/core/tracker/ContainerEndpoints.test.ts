// The Tracker's container endpoints against real container shells (started here on temp
// directories) found through the physical plan: Heron's envelope and shapes, the raw download,
// traversal refused with 403 through the Tracker, and what happens when a shell is missing or down.
import { HttpApiBuilder, HttpClient, OpenApi } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Clusters from "../../../core/Clusters.js"
import * as Shell from "../../../core/engine/shell/Shell.js"
import { TManagerLocation } from "../../../core/model/Locations.js"
import { InstanceInfo, PhysicalPlan, StreamManagerInfo } from "../../../core/model/PhysicalPlan.js"
import * as Redactor from "../../../core/Redactor.js"
import * as Tracker from "../../../core/tracker/Tracker.js"
import { cluster, localState, prodState, SECRET, wcTopology } from "./fixtures.js"

const base = mkdtempSync(join(tmpdir(), "heron-tracker-shell-"))
const dirs = { c0: join(base, "container-0"), c1: join(base, "container-1"), outside: join(base, "outside") }
for (const d of Object.values(dirs)) mkdirSync(d)
writeFileSync(join(dirs.c0, "container.log"), "tmanager started\n")
writeFileSync(join(dirs.c1, "container.log"), `stmgr-1 started\nconnecting with ${SECRET}\n`)
writeFileSync(join(dirs.outside, "secret.txt"), "the secret outside")
symlinkSync(dirs.outside, join(dirs.c1, "escape"))

/** A port nothing listens on (bound, then released). */
const closedPort = Effect.async<number>((resume) => {
  const s = createServer()
  s.listen(0, "127.0.0.1", () => {
    const a = s.address()
    s.close(() => resume(Effect.succeed(typeof a === "object" && a !== null ? a.port : 1)))
  })
})

/** `wc` runs container 0 and container 1 with real shells; container 2's shell is down and
 * container 3 reported none. */
const state = Layer.unwrapScoped(Effect.gen(function*() {
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(base, { recursive: true, force: true })))
  const shell0 = yield* Shell.serve({ container: 0, role: "tmanager", cwd: dirs.c0, listenHost: "127.0.0.1", instances: [] })
  const shell1 = yield* Shell.serve({
    container: 1, role: "stream manager", cwd: dirs.c1, listenHost: "127.0.0.1",
    instances: [{ instanceId: "container_1_split_3", component: "split", taskId: 3, worker: () => undefined }]
  })
  const down = yield* closedPort
  const local = yield* localState
  const stmgr = (c: number, shellPort: number) => new StreamManagerInfo({
    id: `stmgr-${c}`, containerIndex: c, host: "127.0.0.1", dataPort: 6000 + c, shellPort, cwd: `/c/${c}`, pid: 100 + c, logFiles: ["container.log"]
  })
  const instance = (c: number, comp: string, task: number) =>
    new InstanceInfo({ instanceId: `container_${c}_${comp}_${task}`, stmgrId: `stmgr-${c}`, componentName: comp, taskId: task, componentIndex: 0 })
  yield* local.set("pplans", "wc", new PhysicalPlan({
    topology: wcTopology(),
    stmgrs: [stmgr(1, shell1.port), stmgr(2, down), stmgr(3, 0)],
    instances: [instance(1, "split", 3), instance(2, "split", 4), instance(3, "count", 5)]
  }))
  yield* local.set("tmanagers", "wc", new TManagerLocation({
    topologyName: "wc", topologyId: "wc-6b1f", host: "127.0.0.1", controllerPort: 1, serverPort: 1, statsPort: 0, shellPort: shell0.port
  }))
  return Layer.merge(
    Clusters.layerOf([cluster("local", local), cluster("prod", yield* prodState)]),
    Layer.effect(Redactor.Redactor, Effect.tap(Redactor.make, (r) => r.register(SECRET)))
  )
})).pipe(Layer.orDie)

const server = HttpApiBuilder.serve().pipe(Layer.provide(Tracker.layer), Layer.provide(state), Layer.provideMerge(NodeHttpServer.layerTest))

const wc = "cluster=local&environ=default&topology=wc"

const get = (path: string) =>
  Effect.gen(function*() {
    const response = yield* HttpClient.get(path)
    const bytes = new Uint8Array(yield* response.arrayBuffer)
    const text = Buffer.from(bytes).toString("utf8")
    return { status: response.status, headers: response.headers, bytes, text }
  })

const envelope = (path: string) =>
  Effect.map(get(path), (r) => {
    expect(r.text).toMatch(/"executiontime":\d+\.\d+,/)
    const body = JSON.parse(r.text) as { status: string; message: string; result: unknown }
    return { status: r.status, body }
  })

layer(server, { timeout: 30_000 })("Tracker container endpoints", (it) => {
  describe("files", () => {
    it.effect("containerfilestats lists a container's directory (container 0 too), `.` by default", () =>
      Effect.gen(function*() {
        const { status, body } = yield* envelope(`/topologies/containerfilestats?${wc}&container=1`)
        expect(status).toBe(200)
        expect(body.status).toBe("success")
        expect(body.result).toMatchObject({
          "container.log": { is_dir: false, path: "container.log", formatted_stat: expect.stringMatching(/^-rw/) },
          escape: { is_dir: false }
        })
        expect((yield* envelope(`/topologies/containerfilestats?${wc}&container=0&path=.`)).body.result).toHaveProperty(["container.log"])
      }))

    it.effect("containerfiledata pages a file in Heron's {offset, length, data}, redacted like every answer", () =>
      Effect.gen(function*() {
        expect((yield* envelope(`/topologies/containerfiledata?${wc}&container=1&path=container.log&offset=0&length=6`)).body.result)
          .toEqual({ offset: 0, length: 6, data: "stmgr-" })
        const all = yield* envelope(`/topologies/containerfiledata?${wc}&container=1&path=container.log&offset=0&length=-1`)
        expect(JSON.stringify(all.body)).not.toContain(SECRET)
        expect(all.body.result).toMatchObject({ data: expect.stringContaining("connecting with <redacted>") })
        const end = yield* envelope(`/topologies/containerfiledata?${wc}&container=0&path=container.log&offset=-1&length=-1`)
        expect(end.body.result).toEqual({ offset: 17, length: 0, data: "" })
      }))

    it.effect("containerfiledownload answers the raw bytes, no envelope", () =>
      Effect.gen(function*() {
        const r = yield* get(`/topologies/containerfiledownload?${wc}&container=0&path=container.log`)
        expect(r.status).toBe(200)
        expect(r.text).toBe("tmanager started\n")
        expect(r.headers["content-type"]).toBe("application/octet-stream")
        expect(r.headers["content-disposition"]).toContain("filename=\"container.log\"")
      }))

    it.effect("a path outside the container's directory is refused with 403 through the Tracker", () =>
      Effect.gen(function*() {
        const attempts = [
          `/topologies/containerfiledata?${wc}&container=1&path=../container-0/container.log&offset=0&length=-1`,
          `/topologies/containerfiledata?${wc}&container=1&path=escape/secret.txt`,
          `/topologies/containerfilestats?${wc}&container=1&path=escape`,
          `/topologies/containerfilestats?${wc}&container=1&path=${encodeURIComponent(dirs.outside)}`,
          `/topologies/containerfiledownload?${wc}&container=1&path=%2e%2e%2Foutside%2Fsecret.txt`,
          `/topologies/containerfiledownload?${wc}&container=1&path=escape%2Fsecret.txt`
        ]
        for (const path of attempts) {
          const r = yield* envelope(path)
          expect([path, r.status, r.body.status, r.body.result]).toEqual([path, 403, "failure", null])
          expect(r.body.message).toMatch(/^container 1: /)
          expect(JSON.stringify(r.body)).not.toContain("the secret outside")
        }
      }))

    it.effect("missing or bad parameters, unknown containers, a shell down or never reported", () =>
      Effect.gen(function*() {
        const failure = (path: string) => Effect.map(envelope(path), (r) => [r.status, r.body.message])
        expect(yield* failure(`/topologies/containerfiledata?${wc}&container=1`)).toEqual([400, "Missing argument: path"])
        expect(yield* failure(`/topologies/containerfilestats?${wc}`)).toEqual([400, "Missing argument: container"])
        expect(yield* failure(`/topologies/containerfilestats?${wc}&container=one`)).toEqual([400, "container must be an integer, got one"])
        expect(yield* failure(`/topologies/containerfiledata?${wc}&container=1&path=x&offset=1.5`)).toEqual([400, "offset must be an integer, got 1.5"])
        expect(yield* failure(`/topologies/containerfiledata?${wc}&container=1&path=nope.log`)).toEqual([404, "container 1: no such file or directory: nope.log"])
        expect(yield* failure(`/topologies/containerfilestats?${wc}&container=7`)).toEqual([404, "wc has no container 7"])
        expect(yield* failure(`/topologies/containerfilestats?cluster=local&environ=devel&topology=pending&container=1`)).toEqual([404, "pending has no physical plan yet"])
        const [status2, message2] = yield* failure(`/topologies/containerfilestats?${wc}&container=2`)
        expect(status2).toBe(502)
        expect(message2).toMatch(/^container 2's shell at 127\.0\.0\.1:\d+ cannot be reached/)
        expect((yield* failure(`/topologies/containerfilestats?${wc}&container=3`))[0]).toBe(503)
        expect((yield* get(`/topologies/containerfiledownload?${wc}&container=3&path=x`)).status).toBe(503)
      }))
  })

  describe("instances", () => {
    it.effect("pid answers the shell's {command, stdout} as a JSON string, as Heron's tracker", () =>
      Effect.gen(function*() {
        const { status, body } = yield* envelope(`/topologies/pid?${wc}&instance=container_1_split_3`)
        expect(status).toBe(200)
        expect(typeof body.result).toBe("string")
        const parsed = JSON.parse(String(body.result)) as Record<string, unknown>
        expect(parsed).toMatchObject({ stdout: `${process.pid}\n`, pid: process.pid, instance: "container_1_split_3", container: 1, thread_id: null })
        // Without an instance, `container` asks about a container's main thread (the TManager's here).
        const tm = JSON.parse(String((yield* envelope(`/topologies/pid?${wc}&container=0`)).body.result)) as Record<string, unknown>
        expect(tm).toMatchObject({ command: "process.pid", container: 0, instances: {} })
      }))

    it.effect("the shell's refusals keep their status; unknown instances are 404; instance is required", () =>
      Effect.gen(function*() {
        const r = yield* envelope(`/topologies/jstack?${wc}&instance=container_1_split_3`)
        expect([r.status, r.body.message]).toEqual([503, "container 1: instance container_1_split_3 is restarting: no worker thread to ask; try again"])
        expect((yield* envelope(`/topologies/histo?${wc}&instance=container_9_x_9`)).status).toBe(404)
        expect((yield* envelope(`/topologies/jmap?${wc}`)).body.message).toBe("Missing argument: instance")
        expect((yield* envelope(`/topologies/pid?${wc}&instance=container_3_count_5`)).status).toBe(503)
        expect((yield* envelope(`/topologies/pid?cluster=local&environ=default&topology=nope&instance=x`)).status).toBe(404)
      }))
  })

  describe("contract", () => {
    it.effect("every container endpoint is in the Tracker's OpenAPI document, with Heron's parameters", () =>
      Effect.sync(() => {
        const doc = OpenApi.fromApi(Tracker.TrackerApi)
        const paths = ["pid", "jstack", "jmap", "histo", "containerfiledata", "containerfilestats", "containerfiledownload"].map((p) => `/topologies/${p}`)
        for (const path of [...paths, "/machines"]) expect(Object.keys(doc.paths)).toContain(path)
        const params = (path: string) => (doc.paths[path]?.get?.parameters ?? []).map((p) => ("name" in p ? p.name : ""))
        expect(params("/topologies/containerfiledata")).toEqual(expect.arrayContaining(["cluster", "environ", "topology", "container", "path", "offset", "length"]))
        expect(params("/topologies/jstack")).toContain("instance")
        expect(Object.keys(doc.paths["/topologies/containerfiledownload"]?.get?.responses?.["200"]?.content ?? {})).toEqual(["application/octet-stream"])
      }))
  })

  describe("/machines", () => {
    it.effect("lists each topology's hosts by cluster and environ, with Heron's filters", () =>
      Effect.gen(function*() {
        const all = yield* envelope("/machines")
        expect(all.body.result).toEqual({
          local: { default: { wc: ["127.0.0.1"] }, devel: { pending: [] } },
          prod: { prod: { ingest: [] } }
        })
        expect((yield* envelope("/machines?cluster=local&environ=default")).body.result).toEqual({ local: { default: { wc: ["127.0.0.1"] } } })
        expect((yield* envelope("/machines?topology=ingest")).body.result).toEqual({ prod: { prod: { ingest: [] } } })
        expect((yield* envelope("/machines?role=bob")).body.result).toEqual({ local: { devel: { pending: [] } } })
        const several = yield* envelope("/machines?topology=wc&topology=ingest")
        expect([several.status, several.body.message]).toEqual([400, "Missing argument: cluster"])
      }))
  })
})
