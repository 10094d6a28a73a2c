import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import * as Control from "../../core/cli/heron/Control.js"
import * as Planning from "../../core/cli/heron/Planning.js"
import * as Progress from "../../core/cli/heron/Progress.js"
import * as Submit from "../../core/cli/heron/Submit.js"
import type { StateManagerService } from "../../core/StateManager.js"
import type { UploaderService } from "../../core/Uploader.js"
import { StateError } from "../../core/StateManager.js"
import * as Supervisor from "../../core/supervisor/Supervisor.js"
import { clocked, clusterOf, makeScheduler, makeStateManagerService, makeUploader, stateOf } from "../supervisor/fakes.js"
import { built, launch } from "../supervisor/seed.js"

const target = { cluster: "local", role: "alice", environ: "default" }

const request = (overrides: Partial<Submit.SubmitRequest> = {}): Submit.SubmitRequest => ({
  target,
  file: "examples/tiny.ts",
  name: Option.none(),
  properties: {},
  clusterDefaults: {},
  deployDeactivated: false,
  timeout: "5 seconds",
  cleanupTimeout: "3 seconds",
  user: "alice",
  workDir: "/tmp/heron-submit-test",
  ...overrides
})

/** A bundler that "builds" `built("wc")` without esbuild. */
const bundle: Submit.Bundler = (_file, outDir, options) =>
  Effect.succeed({
    file: `${outDir}/topology.tar.gz`,
    bundle: `${outDir}/topology.mjs`,
    metadata: { name: options.name ?? "wc", builtAt: "2024-01-01T00:00:00.000Z", heronRuntimeVersion: "0.1.0" },
    topology: built("wc", 2, 3)
  })

/** State manager, fake scheduler (acting as the TManager too) and uploader; a supervisor when asked. */
const setup = (options: { readonly runtime: boolean; readonly stateManager?: (sm: StateManagerService) => StateManagerService }) =>
  Effect.gen(function*() {
    const base = yield* makeStateManagerService
    const sm = options.stateManager?.(base) ?? base
    const scheduler = yield* makeScheduler({ tmanager: base })
    const uploader = yield* makeUploader
    const scope = yield* Scope.make()
    if (options.runtime) {
      yield* Supervisor.start(clusterOf(base, scheduler.service, uploader.service), { launch, httpEndpoint: "http://rt", pollInterval: "100 millis" }).pipe(
        Scope.extend(scope)
      )
    }
    const collected = yield* Progress.collect
    const env: Submit.SubmitEnv = {
      stateManager: sm,
      uploader: uploader.service,
      bundle,
      plan: Planning.planner({ packing: { algorithm: "round-robin" } }),
      progress: collected.progress
    }
    return { sm: base, scheduler, uploader, env, lines: collected.lines, scope }
  })

describe("heron submit", () => {
  it.effect("writes the desired state in Heron's order and waits until the topology runs", () =>
    Effect.gen(function*() {
      const { env, lines, sm, uploader } = yield* setup({ runtime: true })
      const submitted = yield* clocked(Submit.submit(request({ properties: { "topology.stmgrs": "3" } }), env))
      expect(submitted).toMatchObject({ name: "wc", state: "RUNNING", packageUri: "mem://wc/topology.tar.gz", containers: 3, instances: 4 })
      expect(submitted.id).toMatch(/^wc-[0-9a-f]{12}$/)
      expect((yield* lines).filter((l) => l.startsWith("["))).toEqual([
        "[1/8] validating and bundling examples/tiny.ts",
        "[2/8] packing wc",
        "[3/8] taking the lock of wc",
        "[4/8] uploading the package of wc",
        "[5/8] writing the topology (RUNNING)",
        "[6/8] writing the packing plan (3 containers)",
        "[7/8] writing the execution state",
        "[8/8] waiting for wc to run (up to 5s)"
      ])
      const topology = yield* Effect.flatten(sm.get("topologies", "wc"))
      expect(topology.config["topology.stmgrs"]).toBe("3")
      const execution = yield* Effect.flatten(sm.get("executionstate", "wc"))
      expect(execution).toMatchObject({ cluster: "local", role: "alice", environ: "default", submissionUser: "alice", packageUri: "mem://wc/topology.tar.gz" })
      expect((yield* uploader.packages).get("wc")).toBe("mem://wc/topology.tar.gz")
    }))

  it.effect("--name and --deploy-deactivated", () =>
    Effect.gen(function*() {
      const { env, sm } = yield* setup({ runtime: true })
      const submitted = yield* clocked(Submit.submit(request({ name: Option.some("wc2"), deployDeactivated: true }), env))
      expect(submitted).toMatchObject({ name: "wc2", state: "PAUSED" })
      expect(Option.map(yield* sm.get("topologies", "wc2"), (t) => t.state)).toEqual(Option.some("PAUSED"))
      expect(Option.isNone(yield* sm.get("topologies", "wc"))).toBe(true)
    }))

  it.effect("a failing upload leaves nothing behind, and the same name can be submitted again at once", () =>
    Effect.gen(function*() {
      const { env, sm, uploader } = yield* setup({ runtime: true })
      yield* uploader.failUploads(true)
      const error = yield* Effect.flip(clocked(Submit.submit(request(), env)))
      expect(error.message).toBe("uploading the package: disk full")
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect((yield* uploader.packages).size).toBe(0)
      yield* uploader.failUploads(false)
      expect((yield* clocked(Submit.submit(request(), env))).name).toBe("wc")
    }))

  it.effect("a failing state write rolls back the upload and the state already written", () =>
    Effect.gen(function*() {
      const failing = (sm: StateManagerService): StateManagerService => ({
        ...sm,
        set: (kind, topology, value) =>
          kind === "executionstate"
            ? Effect.fail(new StateError({ op: "set", path: `/executionstate/${topology}`, message: "no space left" }))
            : sm.set(kind, topology, value)
      })
      const { env, lines, sm, uploader } = yield* setup({ runtime: true, stateManager: failing })
      const error = yield* Effect.flip(clocked(Submit.submit(request(), env)))
      expect(error.message).toBe("writing the execution state: no space left (rolled back)")
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect(yield* uploader.ops).toEqual(["upload wc", "undo wc"])
      expect((yield* lines).filter((l) => l.startsWith("rolling back"))).toEqual([
        "rolling back: deleting the packing plan",
        "rolling back: deleting the topology",
        "rolling back: restoring the previous upload"
      ])
    }))

  it.effect("a topology that never runs (the scheduler keeps failing) is killed and removed by the runtime; resubmit works", () =>
    Effect.gen(function*() {
      const { env, scheduler, sm, uploader } = yield* setup({ runtime: true })
      yield* scheduler.failNext(1000)
      const error = yield* Effect.flip(clocked(Submit.submit(request({ timeout: "3 seconds" }), env)))
      expect(error.message).toMatch(/^gave up waiting for wc to run after 3s: waiting for the runtime to schedule the containers \(rolled back\)$/)
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect((yield* uploader.packages).size).toBe(0)
      expect((yield* scheduler.calls).some((c) => c.op === "kill")).toBe(true)
      yield* scheduler.failNext(0)
      expect((yield* clocked(Submit.submit(request(), env))).name).toBe("wc")
    }))

  it.effect("without a runtime to remove it, the rollback removes the state itself", () =>
    Effect.gen(function*() {
      const { env, sm, uploader } = yield* setup({ runtime: false })
      const error = yield* Effect.flip(clocked(Submit.submit(request({ timeout: "1 second", cleanupTimeout: "1 second" }), env)))
      expect(error.message).toMatch(/^gave up waiting for wc to run after 1s: .*; rollback incomplete: stopping the containers: gave up waiting for the runtime to remove wc/)
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect(yield* uploader.ops).toEqual(["upload wc", "undo wc"])
    }))

  it.effect("a name that already runs is refused and left as it is", () =>
    Effect.gen(function*() {
      const { env, sm, uploader } = yield* setup({ runtime: true })
      const first = yield* clocked(Submit.submit(request(), env))
      const error = yield* Effect.flip(clocked(Submit.submit(request(), env)))
      expect(error.message).toBe(`topology wc already runs on cluster local (id ${first.id}): kill it first, or submit under another --name`)
      expect(Option.map(yield* sm.get("topologies", "wc"), (t) => t.id)).toEqual(Option.some(first.id))
      expect(yield* uploader.ops).toEqual(["upload wc"])
    }))

  it.effect("a packing failure writes nothing", () =>
    Effect.gen(function*() {
      const { env, sm, uploader } = yield* setup({ runtime: true })
      const error = yield* Effect.flip(clocked(Submit.submit(request({ properties: { "topology.stmgrs": "zero" } }), env)))
      expect(error.message).toBe('cannot pack wc: topology.stmgrs must be an integer >= 1, got "zero"')
      expect(yield* stateOf(sm, "wc")).toEqual([])
      expect(yield* uploader.ops).toEqual([])
    }))
})

describe("heron submit: upload progress", () => {
  const MiB = 1024 * 1024
  /** The fake uploader, reporting `reports` (bytes sent of `total`) as an uploader of a multipart
   * upload does: 0 first, then after each part. */
  const reporting = (uploader: UploaderService, total: number, reports: ReadonlyArray<number>): UploaderService => ({
    ...uploader,
    upload: (topology, localPath, options) =>
      Effect.sync(() => {
        for (const sent of reports) options?.onProgress?.(sent, total)
      }).pipe(Effect.zipRight(uploader.upload(topology, localPath, options)))
  })
  /** The progress notes printed between the upload step and the next one. */
  const uploadLines = (lines: ReadonlyArray<string>) =>
    lines.slice(lines.indexOf("[4/8] uploading the package of wc") + 1, lines.indexOf("[5/8] writing the topology (RUNNING)")).filter((l) => l.endsWith("%)"))

  it.effect("a large package's upload prints bytes and percent under the upload step, in order", () =>
    Effect.gen(function*() {
      const { env, lines } = yield* setup({ runtime: true })
      const total = Math.round(20.3 * MiB)
      const parts = [0, 8 * MiB, 8 * MiB, 16 * MiB, total, total]
      yield* clocked(Submit.submit(request(), { ...env, uploader: reporting(env.uploader, total, parts) }))
      // The 0 and the repeated counts print nothing; the last line is 100%.
      expect(uploadLines(yield* lines)).toEqual([
        "8.0 MiB of 20.3 MiB sent (39%)",
        "16.0 MiB of 20.3 MiB sent (78%)",
        "20.3 MiB of 20.3 MiB sent (100%)"
      ])
    }))

  it.effect("a small package's upload prints no progress", () =>
    Effect.gen(function*() {
      const { env, lines } = yield* setup({ runtime: true })
      yield* clocked(Submit.submit(request(), { ...env, uploader: reporting(env.uploader, 300 * 1024, [0, 300 * 1024]) }))
      expect(uploadLines(yield* lines)).toEqual([])
    }))

  it.effect("a failed upload still prints what was sent before it failed", () =>
    Effect.gen(function*() {
      const { env, lines, uploader } = yield* setup({ runtime: true })
      yield* uploader.failUploads(true)
      const error = yield* Effect.flip(clocked(Submit.submit(request(), { ...env, uploader: reporting(env.uploader, 12 * MiB, [0, 5 * MiB]) })))
      expect(error.message).toBe("uploading the package: disk full")
      const all = yield* lines
      expect(all.slice(all.indexOf("[4/8] uploading the package of wc") + 1, all.indexOf("[4/8] uploading the package of wc") + 2)).toEqual([
        "5.0 MiB of 12.0 MiB sent (41%)"
      ])
    }))
})

describe("no runtime", () => {
  it.effect("every verb but version, config and dry runs fails in one line when no runtime serves the cluster", () =>
    Effect.gen(function*() {
      const sm = yield* makeStateManagerService
      const error = yield* Effect.flip(Control.requireRuntime(sm, "local"))
      expect(error.message).toBe("no heron-runtime serves cluster local: start it with `heron-runtime --cluster local`")
      const scheduler = yield* makeScheduler()
      const uploader = yield* makeUploader
      const scope = yield* Scope.make()
      yield* Supervisor.start(clusterOf(sm, scheduler.service, uploader.service), { launch, httpEndpoint: "http://rt:1" }).pipe(Scope.extend(scope))
      expect((yield* Control.requireRuntime(sm, "local")).httpEndpoint).toBe("http://rt:1")
      yield* Scope.close(scope, Exit.void)
      expect((yield* Effect.flip(Control.requireRuntime(sm, "local")))._tag).toBe("NoRuntimeError")
    }))
})
