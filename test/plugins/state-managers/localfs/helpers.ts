/**
 * Shared pieces of the localfs tests: temp roots, child processes running `fixtures/child.ts`,
 * and polling with a deadline instead of fixed sleeps.
 */
import { FileSystem } from "@effect/platform"
import { Duration, Effect, Option, Schedule, type Scope } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as LocalFsStore from "../../../../plugins/state-managers/localfs/LocalFsStore.js"
import type { NodeStore } from "../../../../core/state/NodeStore.js"

const childScript = fileURLToPath(new URL("./fixtures/child.ts", import.meta.url))

/** A fresh directory under the OS temp dir, removed when the scope closes. */
export const tempRoot: Effect.Effect<string, never, FileSystem.FileSystem | Scope.Scope> = Effect.flatMap(
  FileSystem.FileSystem,
  (fs) => fs.makeTempDirectoryScoped({ prefix: "heron-localfs-" })
).pipe(Effect.orDie)

/** A store over a fresh temp root, with a fast poll. */
export const tempStore = (pollInterval: Duration.DurationInput = "50 millis") =>
  Effect.flatMap(tempRoot, (root) => Effect.map(LocalFsStore.make({ root, pollInterval }), (store) => ({ root, store })))

export interface Child {
  readonly process: ChildProcess
  readonly pid: number
  readonly stdout: () => string
  readonly stderr: () => string
  /** Completes with the exit code, or the signal's name, when the process has exited and been reaped. */
  readonly exited: Effect.Effect<number | string>
}

/** Runs `fixtures/child.ts <args>` in a new Node process; it is killed when the scope closes. */
export const spawnChild = (args: ReadonlyArray<string>): Effect.Effect<Child, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, ["--import", "tsx", childScript, ...args], { stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      let err = ""
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()))
      child.stderr?.on("data", (d: Buffer) => (err += d.toString()))
      const exit = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")))
      const pid = child.pid
      if (pid === undefined) throw new Error(`could not start ${childScript}`)
      return { process: child, pid, stdout: () => out, stderr: () => err, exited: Effect.promise(() => exit) } satisfies Child
    }),
    (c) => Effect.suspend(() => (c.process.exitCode === null && c.process.signalCode === null ? (c.process.kill("SIGKILL"), c.exited) : Effect.void))
  )

/** Kills the child with SIGKILL and waits until it is gone. */
export const kill = (c: Child): Effect.Effect<number | string> => Effect.zipRight(Effect.sync(() => c.process.kill("SIGKILL")), c.exited)

class NotYet {
  readonly _tag = "NotYet"
}

/** Polls `probe` every 20 ms until it yields a value; dies naming `what` after `timeout`. A failure
 * of the probe itself is not retried. */
export const eventually = <A, E, R>(
  what: () => string,
  probe: Effect.Effect<Option.Option<A>, E, R>,
  timeout: Duration.DurationInput = "20 seconds"
): Effect.Effect<A, E, R> =>
  probe.pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new NotYet()), onSome: Effect.succeed })),
    Effect.retry({ schedule: Schedule.spaced("20 millis"), while: (e) => e instanceof NotYet }),
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new NotYet() }),
    Effect.catchIf((e): e is NotYet => e instanceof NotYet, () => Effect.dieMessage(`timed out waiting for ${what()}`))
  )

/** Waits until the child printed `line` on stdout. */
export const waitForLine = (c: Child, line: string) =>
  eventually(
    () => `child ${c.pid} to print "${line}" (stderr: ${c.stderr()})`,
    Effect.sync(() => (c.stdout().split("\n").includes(line) ? Option.some(true) : Option.none()))
  )

const decoder = new TextDecoder()
/** The node's payload as text, `None` when absent. */
export const readText = (store: NodeStore, path: string) => Effect.map(store.read(path), Option.map((b) => decoder.decode(b)))
