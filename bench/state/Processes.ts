/**
 * The processes the state benchmark starts, each stopped with the scope that started it (also on
 * failure and Ctrl-C, `NodeRuntime.runMain` interrupting the program): by its own pid, never by
 * name.
 */
import { Effect, Schedule, type Scope } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort } from "../../test/support/services/carbon.js"

export interface Child {
  readonly process: ChildProcess
  readonly stdout: () => string
  readonly stderr: () => string
}

/** Spawns `command args`; SIGKILLed (and waited for) when the scope closes, unless gone already. */
export const spawnScoped = (command: string, args: ReadonlyArray<string>): Effect.Effect<Child, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      let err = ""
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()))
      child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-8000)))
      return { process: child, stdout: () => out, stderr: () => err }
    }),
    (c) => killAndWait(c.process)
  )

/** SIGKILL, then waits for the exit (at once when it has exited already). */
export const killAndWait = (p: ChildProcess): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (p.exitCode !== null || p.signalCode !== null) return resume(Effect.void)
    p.once("exit", () => resume(Effect.void))
    p.kill("SIGKILL")
  })

/** Polls `probe` every 20 ms until it is true; dies naming `what` after `timeoutMs`. */
export const waitUntil = <E, R>(what: () => string, probe: Effect.Effect<boolean, E, R>, timeoutMs: number): Effect.Effect<void, E, R> =>
  probe.pipe(
    Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (ok) => ok }),
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => "timeout" as const }),
    Effect.catchIf((e): e is "timeout" => e === "timeout", () => Effect.dieMessage(`timed out after ${timeoutMs} ms waiting for ${what()}`)),
    Effect.asVoid
  )

/** A temp directory, removed with the scope. */
export const tempDir = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
  )

const s3rverBin = fileURLToPath(new URL("../../node_modules/s3rver/bin/s3rver.js", import.meta.url))

/**
 * s3rver in a process of its own (its CLI, as ../../../shared/BACKENDS.md runs it), so that the
 * server's work does not share the uploader's event loop: an S3 server is another machine. Bucket
 * `heron`; ready once it answers HTTP.
 */
export const s3rverProcess: Effect.Effect<{ readonly endpoint: string }, never, Scope.Scope> = Effect.gen(function* () {
  const dir = yield* tempDir("heron-bench-s3rver-")
  const port = yield* Effect.promise(freePort)
  const child = yield* spawnScoped(process.execPath, [
    s3rverBin, "-d", dir, "-a", "127.0.0.1", "-p", String(port), "--no-vhost-buckets", "--silent", "--configure-bucket", "heron"
  ])
  const endpoint = `http://127.0.0.1:${port}`
  const answers = Effect.promise(() => fetch(`${endpoint}/heron`).then(() => true, () => false))
  yield* waitUntil(() => `s3rver on ${endpoint} (stderr: ${child.stderr()})`, answers, 30_000)
  return { endpoint }
})
