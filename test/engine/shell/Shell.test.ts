// A container's shell over real HTTP, with real worker threads as instances: traversal refused at
// the HTTP level (raw, unnormalized request paths), downloads, and Node's jstack / jmap / histo /
// pid for instances that are worker threads of this process.
import { describe, expect, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import * as Shell from "../../../core/engine/shell/Shell.js"
import { repoRoot } from "../../support/processes.js"

// An instance's worker: answers the shell's heap question with the real worker-side module (the
// build in dist/, as instance-worker.js imports it), optionally retains ~40 MB, or spins forever.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads")
const retained = workerData.allocate ? [new Array(5000000).fill(0.5)] : []
function spinForever() { for (;;) {} }
import(workerData.diagnostics).then(({ isDiagnoseRequest, diagnose }) => {
  parentPort.on("message", (m) => { if (isDiagnoseRequest(m)) parentPort.postMessage(diagnose(m)) })
  parentPort.postMessage({ ready: retained.length })
  if (workerData.spin) setTimeout(spinForever, 20)
})
`
const diagnostics = pathToFileURL(join(repoRoot, "dist/core/engine/shell/WorkerDiagnostics.js")).href

const startWorker = (options: { readonly allocate?: boolean; readonly spin?: boolean }) =>
  Effect.acquireRelease(
    Effect.async<Worker>((resume) => {
      const w = new Worker(WORKER, { eval: true, workerData: { diagnostics, ...options } })
      w.once("message", () => resume(Effect.succeed(w)))
      w.once("error", (e) => resume(Effect.die(e)))
    }),
    (w) => Effect.promise(() => w.terminate())
  )

class TestShell extends Context.Tag("TestShell")<TestShell, { readonly port: number; readonly cwd: string; readonly workers: Record<string, Worker> }>() {}

const base = mkdtempSync(join(tmpdir(), "heron-shell-"))
const cwd = join(base, "container-1")
mkdirSync(cwd)
mkdirSync(join(base, "outside"))
writeFileSync(join(base, "outside", "secret.txt"), "the secret outside")
writeFileSync(join(cwd, "container.log"), "started\n")
symlinkSync(join(base, "outside"), join(cwd, "escape"))

const shellLayer = Layer.scoped(TestShell, Effect.gen(function*() {
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(base, { recursive: true, force: true })))
  const workers = {
    container_1_spout_1: yield* startWorker({ allocate: true }),
    container_1_bolt_2: yield* startWorker({}),
    container_1_spin_4: yield* startWorker({ spin: true })
  }
  const instance = (instanceId: string, component: string, taskId: number, worker: Worker | undefined) =>
    ({ instanceId, component, taskId, worker: () => worker })
  const shell = yield* Shell.serve({
    container: 1, role: "stream manager", cwd, listenHost: "127.0.0.1",
    instances: [
      instance("container_1_spout_1", "spout", 1, workers.container_1_spout_1),
      instance("container_1_bolt_2", "bolt", 2, workers.container_1_bolt_2),
      instance("container_1_gone_3", "gone", 3, undefined),
      instance("container_1_spin_4", "spin", 4, workers.container_1_spin_4)
    ]
  })
  return { port: shell.port, cwd, workers }
}))

interface Answer { readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: Buffer }

/** GET with the path sent exactly as given (node:http does not fold `..` as fetch would). */
const get = (port: number, path: string) =>
  Effect.async<Answer>((resume) => {
    const req = http.get({ host: "127.0.0.1", port, path }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })))
    })
    req.on("error", (e) => resume(Effect.die(e)))
  })

const getJson = (port: number, path: string) =>
  Effect.map(get(port, path), (a): { status: number; body: Record<string, unknown> } => ({ status: a.status, body: JSON.parse(a.body.toString("utf8")) }))

layer(shellLayer, { timeout: 60_000 })("container shell", (it) => {
  describe("files", () => {
    it.effect("refuses traversal, absolute paths and symlink escapes with 403, whatever the endpoint or encoding", () =>
      Effect.gen(function*() {
        const { port } = yield* TestShell
        const attempts = [
          "/filestats?path=..", "/filestats?path=escape", "/filestats/../outside", "/filestats/%2e%2e/outside",
          "/filedata?path=../outside/secret.txt&offset=0&length=100", "/filedata?path=escape/secret.txt",
          "/filedata?path=%2Fetc%2Fpasswd", `/filedata?path=${encodeURIComponent(join(base, "outside", "secret.txt"))}`,
          "/download?path=escape/secret.txt", "/download?path=..%2Foutside%2Fsecret.txt", "/download/%2e%2e%2foutside%2fsecret.txt",
          "/browse/../outside", "/browse/escape", "/file/..%2Foutside%2Fsecret.txt", "/file/escape/secret.txt"
        ]
        for (const path of attempts) {
          const a = yield* get(port, path)
          expect([path, a.status]).toEqual([path, 403])
          expect(a.body.toString()).not.toContain("the secret outside")
          expect(JSON.parse(a.body.toString())).toEqual({ message: expect.any(String) })
        }
      }))

    it.effect("lists, pages and downloads what is inside", () =>
      Effect.gen(function*() {
        const { port } = yield* TestShell
        const stats = yield* getJson(port, "/filestats?path=.")
        expect(stats.status).toBe(200)
        expect(stats.body["container.log"]).toMatchObject({ is_dir: false, path: "container.log", size: 8 })
        expect(stats.body["escape"]).toMatchObject({ is_dir: false })
        expect((yield* getJson(port, "/filestats")).body).toEqual(stats.body)
        expect((yield* getJson(port, "/filedata?path=container.log&offset=2&length=3")).body).toEqual({ offset: 2, length: 3, data: "art" })
        expect((yield* getJson(port, "/filedata/container.log?offset=-1")).body).toEqual({ offset: 8, length: 0, data: "" })
        expect((yield* getJson(port, "/filedata?path=container.log&offset=x")).status).toBe(400)
        expect((yield* getJson(port, "/filedata?path=nope.log")).status).toBe(404)
        const download = yield* get(port, "/download?path=container.log")
        expect(download.status).toBe(200)
        expect(download.body.toString()).toBe("started\n")
        expect(download.headers["content-type"]).toBe("application/octet-stream")
        expect(download.headers["content-length"]).toBe("8")
        expect(download.headers["content-disposition"]).toContain("attachment; filename=\"container.log\"")
        const inline = yield* get(port, "/file/container.log")
        expect([inline.status, inline.body.toString(), inline.headers["content-disposition"]?.startsWith("inline")]).toEqual([200, "started\n", true])
        const page = yield* get(port, "/browse/")
        expect(page.headers["content-type"]).toContain("text/html")
        expect(page.body.toString()).toContain("<a href=\"/file/container.log\">container.log</a>")
        expect((yield* get(port, "/nothing")).status).toBe(404)
      }))
  })

  describe("instances are worker threads of the container's process", () => {
    it.effect("pid: the process, and each instance's thread", () =>
      Effect.gen(function*() {
        const { port, workers } = yield* TestShell
        const all = yield* getJson(port, "/pid")
        expect(all.body).toMatchObject({ command: "process.pid", stdout: `${process.pid}\n`, pid: process.pid, thread_id: 0, container: 1 })
        expect(all.body["instances"]).toMatchObject({
          container_1_spout_1: { component: "spout", task_id: 1, thread_id: workers.container_1_spout_1?.threadId },
          container_1_gone_3: { thread_id: null }
        })
        const one = yield* getJson(port, "/pid/container_1_bolt_2")
        expect(one.body).toMatchObject({ stdout: `${process.pid}\n`, thread_id: workers.container_1_bolt_2?.threadId, instance: "container_1_bolt_2" })
        expect(one.body["command"]).toContain("worker thread")
        expect((yield* getJson(port, "/pid/container_9_x_1")).status).toBe(404)
      }))

    it.effect("histo: the heap of the instance's own isolate, asked of its worker", () =>
      Effect.gen(function*() {
        const { port, workers } = yield* TestShell
        const big = yield* getJson(port, "/histo/container_1_spout_1")
        const small = yield* getJson(port, "/histo/container_1_bolt_2")
        expect(big.status).toBe(200)
        expect(big.body).toMatchObject({ command: "v8.getHeapSpaceStatistics()", thread_id: workers.container_1_spout_1?.threadId })
        const used = (a: typeof big) => Number((a.body["heap"] as Record<string, number>)["used_heap_size"])
        // Only the first worker retains ~40 MB: the numbers are each isolate's own.
        expect(used(big) - used(small)).toBeGreaterThan(30 * 1024 * 1024)
        expect(big.body["spaces"]).toEqual(expect.arrayContaining([expect.objectContaining({ space_name: "old_space" })]))
        expect(String(big.body["stdout"])).toMatch(/^space\s+size\s+used\s+available\s+physical\n/)
        expect(String(big.body["stdout"])).toContain("used_heap_size:")
        expect((yield* getJson(port, "/histo")).body).toMatchObject({ thread_id: 0, container: 1 })
        expect((yield* getJson(port, "/histo/container_1_gone_3")).status).toBe(503)
      }))

    it.effect("jstack: every thread's stack from the diagnostic report, a busy worker's included, no environment", () =>
      Effect.gen(function*() {
        const { port, workers } = yield* TestShell
        process.env["HERON_SHELL_TEST_TOKEN"] = "do-not-show-me"
        const a = yield* getJson(port, "/jstack/container_1_spin_4")
        delete process.env["HERON_SHELL_TEST_TOKEN"]
        expect(a.status).toBe(200)
        const threads = a.body["threads"] as Array<{ thread_id: number; name: string; stack: Array<string> }>
        expect(threads[0]).toMatchObject({ name: "container_1_spin_4", thread_id: workers.container_1_spin_4?.threadId })
        // The worker is stuck in a loop: Node interrupts it for its stack.
        expect(threads[0]?.stack.join("\n")).toContain("spinForever")
        expect(threads.map((t) => t.name)).toEqual(expect.arrayContaining(["main", "container_1_spout_1", "container_1_bolt_2"]))
        expect(String(a.body["stdout"])).toContain("\"container_1_spin_4\" thread")
        // An idle worker has no JS stack: said in words rather than Node's bare "Unavailable.".
        expect(String(a.body["stdout"])).toContain("(no JavaScript running: idle in its event loop)")
        expect(a.body["report"]).toMatchObject({ header: expect.any(Object), workers: expect.any(Array) })
        expect(JSON.stringify(a.body)).not.toContain("do-not-show-me")
        expect(JSON.stringify(a.body)).not.toContain("environmentVariables")
      }))

    it.effect("jmap: a V8 heap snapshot of the instance, written in the container's directory and downloadable", () =>
      Effect.gen(function*() {
        const { port } = yield* TestShell
        const a = yield* getJson(port, "/jmap/container_1_bolt_2")
        expect(a.status).toBe(200)
        expect(a.body).toMatchObject({ command: "worker.getHeapSnapshot()", file: "heapdump-container_1_bolt_2.heapsnapshot", instance: "container_1_bolt_2" })
        expect(String(a.body["stdout"])).toContain("containerfiledownload?container=1&path=heapdump-container_1_bolt_2.heapsnapshot")
        const file = yield* get(port, `/download?path=${String(a.body["file"])}`)
        expect(file.body.length).toBe(a.body["size"])
        const snapshot = JSON.parse(file.body.toString("utf8")) as { snapshot?: { meta?: { node_fields?: Array<string> } } }
        expect(snapshot.snapshot?.meta?.node_fields).toContain("name")
        // Only the finished snapshot is left in the directory.
        const names = Object.keys((yield* getJson(port, "/filestats")).body)
        expect(names.filter((n) => n.includes("heapdump"))).toEqual(["heapdump-container_1_bolt_2.heapsnapshot"])
        expect((yield* getJson(port, "/jmap/container_1_gone_3")).status).toBe(503)
      }))
  })
})
