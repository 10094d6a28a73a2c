/**
 * A real ZooKeeper 3.8 server for tests: its own temp data directory and free port, started as
 * `java -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.ZooKeeperServerMain zoo.cfg`
 * and stopped by its pid (never by name). Ready when it answers `ruok` with `imok` and `srvr` with
 * its mode (it answers `imok` a moment before it serves requests). It can be
 * stopped and started again on the same port and data directory (the way to test reconnection).
 * See ../shared/BACKENDS.md for the recipe.
 *
 * `zookeeperMissing()` says why ZooKeeper cannot run here; a suite skips then, except under
 * `CI=true`, where `skipWithoutZooKeeper` throws and `startZooKeeper` fails.
 *
 * Effect users: `yield* startZooKeeper()` in a scope. Promise users (plain `beforeAll`):
 * `const zk = await launchZooKeeper()` ... `await zk.close()`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createConnection } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Data, Effect, Exit, Schedule, Scope } from "effect"
import { freePort } from "./carbon.js"

export class ZooKeeperError extends Data.TaggedError("ZooKeeperError")<{ readonly message: string }> {}

/** Debian's `zookeeper` package puts the server here; its manifest carries the dependencies. */
export const zookeeperJar = process.env.HERON_TEST_ZOOKEEPER_JAR ?? "/usr/share/java/zookeeper.jar"

const onPath = (bin: string): boolean => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0

/** Why ZooKeeper cannot run on this machine, or undefined when it can. */
export const zookeeperMissing = (): string | undefined =>
  !onPath("java")
    ? "java is not installed (apt-get install zookeeper)"
    : !existsSync(zookeeperJar)
      ? `${zookeeperJar} is missing (apt-get install zookeeper)`
      : undefined

/** True when a suite should skip for want of ZooKeeper; throws under CI=true, where it must run. */
export const skipWithoutZooKeeper = (): boolean => {
  const missing = zookeeperMissing()
  if (missing !== undefined && process.env.CI === "true") throw new Error(missing)
  return missing !== undefined
}

export interface ZooKeeperOptions {
  /** ZooKeeper's tick. Default 500 ms (BACKENDS.md says 2000; tests use a shorter one so that
   * sessions may be as short as `minSessionTimeoutMs`). */
  readonly tickTimeMs?: number
  /** The shortest session the server grants. Default 2 × tick. */
  readonly minSessionTimeoutMs?: number
}

/** A running (or stopped, then restartable) ZooKeeper server. */
export interface ZooKeeperServer {
  /** The client port; stays the same across restarts. */
  readonly port: number
  /** `127.0.0.1:<port>`, what clients and cluster files take. */
  readonly connectionString: string
  /** The data directory; stays the same across restarts. */
  readonly dataDir: string
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and waits until it has exited. */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port and data; returns once it serves. A no-op when running. */
  readonly start: Effect.Effect<void, ZooKeeperError>
  /** `stop` then `start`. */
  readonly restart: Effect.Effect<void, ZooKeeperError>
  /** The answer to a four-letter command (`ruok`, `srvr`, `cons`, `wchs`, `dump`, ...). */
  readonly fourLetter: (command: string) => Effect.Effect<string, ZooKeeperError>
  /** The server's console output so far (for failure messages). */
  readonly output: () => string
}

/** Sends a four-letter command and collects the answer until the server closes the connection. */
export const fourLetterWord = (port: number, command: string): Promise<string> =>
  new Promise((resolve, reject) => {
    let answer = ""
    const s = createConnection({ host: "127.0.0.1", port })
    s.setTimeout(5_000, () => s.destroy(new Error(`no answer to ${command} from 127.0.0.1:${port}`)))
    s.once("connect", () => s.write(command))
    s.on("data", (d: Buffer) => (answer += d.toString()))
    s.once("error", reject)
    s.once("close", () => resolve(answer))
  })

/** Starts ZooKeeper in a temp directory on a free port; stopped and removed with the scope. */
export const startZooKeeper = (options: ZooKeeperOptions = {}): Effect.Effect<ZooKeeperServer, ZooKeeperError, Scope.Scope> =>
  Effect.gen(function* () {
    const missing = zookeeperMissing()
    if (missing !== undefined) return yield* new ZooKeeperError({ message: missing })
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "heron-zookeeper-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    const port = yield* Effect.promise(freePort)
    const tick = options.tickTimeMs ?? 500
    const dataDir = join(dir, "data")
    const config = join(dir, "zoo.cfg")
    writeFileSync(config, [
      `tickTime=${tick}`,
      `minSessionTimeout=${options.minSessionTimeoutMs ?? 2 * tick}`,
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      "clientPortAddress=127.0.0.1",
      "admin.enableServer=false",
      "4lw.commands.whitelist=ruok,stat,srvr,mntr,conf,cons,dump,wchs,wchc",
      "forceSync=no",
      // Several test files run their own server at once: keep each one small and quick to start.
      "maxClientCnxns=0",
      ""
    ].join("\n"))

    let child: ChildProcess | undefined
    let exited: Promise<void> = Promise.resolve()
    let output = ""

    const stop = Effect.promise(async () => {
      const c = child
      if (c === undefined) return
      child = undefined
      if (c.exitCode === null && c.signalCode === null) {
        const killer = setTimeout(() => c.kill("SIGKILL"), 10_000)
        c.kill("SIGTERM")
        await exited
        clearTimeout(killer)
      }
    })

    const fourLetter = (command: string) =>
      Effect.tryPromise({
        try: () => fourLetterWord(port, command),
        catch: (e) => new ZooKeeperError({ message: `${command} to 127.0.0.1:${port}: ${e instanceof Error ? e.message : String(e)}` })
      })

    const start = Effect.gen(function* () {
      if (child !== undefined) return
      const c = spawn("java", [
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-cp",
        zookeeperJar,
        "org.apache.zookeeper.server.ZooKeeperServerMain",
        config
      ], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
      child = c
      exited = new Promise((resolve) => c.once("exit", () => resolve()))
      const keep = (d: Buffer) => (output = (output + d.toString()).slice(-64_000))
      c.stdout?.on("data", keep)
      c.stderr?.on("data", keep)
      // `ruok` says `imok` as soon as the port is open; `srvr` tells when it serves requests.
      yield* Effect.zipRight(fourLetter("ruok"), fourLetter("srvr"), { concurrent: false }).pipe(
        Effect.filterOrFail(
          (answer) => answer.includes("Mode:") && child === c && c.exitCode === null,
          () => new ZooKeeperError({ message: `ZooKeeper on 127.0.0.1:${port} is not ready yet; output:\n${output}` })
        ),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("30 seconds"))),
        Effect.mapError((e) => new ZooKeeperError({ message: `${e.message}\noutput:\n${output}` }))
      )
    })

    yield* Effect.addFinalizer(() => stop)
    yield* start
    return {
      port,
      connectionString: `127.0.0.1:${port}`,
      dataDir,
      stop,
      start,
      restart: Effect.zipRight(stop, start),
      fourLetter,
      output: () => output
    } satisfies ZooKeeperServer
  })

/** The same server for code outside Effect (e.g. a plain `beforeAll`). */
export interface LaunchedZooKeeper {
  readonly port: number
  readonly connectionString: string
  readonly dataDir: string
  readonly stop: () => Promise<void>
  readonly start: () => Promise<void>
  readonly restart: () => Promise<void>
  readonly fourLetter: (command: string) => Promise<string>
  readonly output: () => string
  /** Stops the server and removes its directory. */
  readonly close: () => Promise<void>
}

/** Starts ZooKeeper as {@link startZooKeeper} does; `close()` stops it and removes its files. */
export const launchZooKeeper = async (options: ZooKeeperOptions = {}): Promise<LaunchedZooKeeper> => {
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(startZooKeeper(options).pipe(Scope.extend(scope), Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))))
  return {
    port: server.port,
    connectionString: server.connectionString,
    dataDir: server.dataDir,
    stop: () => Effect.runPromise(server.stop),
    start: () => Effect.runPromise(server.start),
    restart: () => Effect.runPromise(server.restart),
    fourLetter: (command) => Effect.runPromise(server.fourLetter(command)),
    output: server.output,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
