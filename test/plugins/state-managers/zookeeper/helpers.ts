/**
 * Shared pieces of the zookeeper tests: one real server per test file (`zkLayer`), a fresh root
 * per test so that tests sharing a server never see each other's nodes, stores and raw clients on
 * it, child processes running `fixtures/child.ts`, and polling with a deadline instead of sleeps.
 */
import { Context, Duration, Effect, Layer, Option, Queue, Schedule, type Scope, Stream } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { createConnection } from "node:net"
import { createClient, type Client, type Stat } from "node-zookeeper-client"
import * as ZkStore from "../../../../plugins/state-managers/zookeeper/ZkStore.js"
import { startZooKeeper, type ZooKeeperOptions, type ZooKeeperServer } from "../../../support/services/zookeeper.js"

const childScript = fileURLToPath(new URL("./fixtures/child.ts", import.meta.url))

/** The ZooKeeper server of the current test file. */
export class TestZooKeeper extends Context.Tag("test/TestZooKeeper")<TestZooKeeper, ZooKeeperServer>() {}

/** Starts one server for a test file (use with `layer(zkLayer())`); stopped when the file ends. */
export const zkLayer = (options?: ZooKeeperOptions) => Layer.scoped(TestZooKeeper, startZooKeeper(options)).pipe(Layer.orDie)

/** A root of its own for one test, e.g. `/t-1a2b3c4d`. */
export const freshRoot = (): string => `/t-${randomUUID().slice(0, 8)}`

/** Session timeout of the test stores: short, so that expiries and dead owners show quickly. */
export const SESSION_TIMEOUT = "2 seconds"

/** A store on the test server, closed with the scope. */
export const openStore = (root: string, options: Partial<ZkStore.ZkStoreOptions> = {}) =>
  Effect.flatMap(TestZooKeeper, (zk) =>
    ZkStore.make({ connectionString: zk.connectionString, root, sessionTimeout: SESSION_TIMEOUT, operationTimeout: "10 seconds", ...options }))

/** A plain node-zookeeper-client client, connected; closed with the scope. */
export const rawClient = (connectionString: string, auth?: string): Effect.Effect<Client, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Client>((resume) => {
      const client = createClient(connectionString, { sessionTimeout: 4000 })
      if (auth !== undefined) client.addAuthInfo("digest", Buffer.from(auth))
      client.once("connected", () => resume(Effect.succeed(client)))
      client.connect()
    }),
    (client) => Effect.sync(() => client.close())
  )

/** `exists` of a raw client: the stat, or `None`. */
export const statOf = (client: Client, path: string): Effect.Effect<Option.Option<Stat>, Error> =>
  Effect.async((resume) =>
    client.exists(path, (e, stat) => resume(e ? Effect.fail(new Error(String(e))) : Effect.succeed(Option.fromNullable(stat)))))

/** The children of a znode, through a raw client of its own (none when absent). */
export const childrenOf = (zkPath: string) =>
  Effect.gen(function* () {
    const zk = yield* TestZooKeeper
    return yield* childrenWith(yield* rawClient(zk.connectionString), zkPath)
  }).pipe(Effect.scoped)

/** The children of a znode through `client` (none when absent): for polling, where a client per
 * probe would open and close a session every few milliseconds. */
export const childrenWith = (client: Client, zkPath: string): Effect.Effect<ReadonlyArray<string>> =>
  Effect.async<ReadonlyArray<string>>((resume) =>
    client.getChildren(zkPath, (e, names) => resume(Effect.succeed(e ? [] : [...names].sort()))))

/** `getData` of a raw client as text, or `None` when absent. */
export const textOf = (client: Client, path: string): Effect.Effect<Option.Option<string>, Error> =>
  Effect.async((resume) =>
    client.getData(path, (e, data) => {
      if (e && "code" in e && e.code === -101) return resume(Effect.succeed(Option.none()))
      resume(e ? Effect.fail(new Error(String(e))) : Effect.succeed(Option.some(data.toString())))
    }))

/**
 * Ends a session on the server the way a second client would: a ConnectRequest carrying the
 * session's id and password (which moves the session to this connection), then CloseSession, in
 * one write, so that the session's own client cannot take it back in between.
 */
const closeSessionOnServer = (port: number, id: Buffer, password: Buffer) =>
  Effect.async<void>((resume) => {
    const connect = Buffer.alloc(4 + 4 + 8 + 4 + 8 + 4 + password.length + 1)
    let o = connect.writeInt32BE(connect.length - 4, 0)
    o = connect.writeInt32BE(0, o) // protocol version
    o += 8 // last zxid seen: 0
    o = connect.writeInt32BE(4000, o) // session timeout
    o += id.copy(connect, o)
    o = connect.writeInt32BE(password.length, o)
    o += password.copy(connect, o)
    connect.writeUInt8(0, o) // not read-only
    const close = Buffer.alloc(12)
    close.writeInt32BE(8, 0) // length
    close.writeInt32BE(1, 4) // xid
    close.writeInt32BE(-11, 8) // OpCode.closeSession
    const socket = createConnection({ host: "127.0.0.1", port })
    socket.once("connect", () => socket.write(Buffer.concat([connect, close])))
    socket.on("data", () => undefined)
    socket.once("close", () => resume(Effect.void))
    socket.once("error", () => resume(Effect.void))
    return Effect.sync(() => socket.destroy())
  })

/** What tells a session's id and password: a store, or a bare session in the tests of internals. */
export type SessionHolder = Pick<ZkStore.ZkNodeStore, "sessionCredentials">

/** The store's session id (hex), `None` while it is not connected. */
export const sessionIdOf = (store: SessionHolder) => Effect.map(store.sessionCredentials, Option.map((c) => c.id.toString("hex")))

/**
 * Expires the store's session: closes it on the server (see above) and waits until the store runs
 * on a new session. The store's client may still win the race for its session now and then (it
 * reconnects within milliseconds), so this tries again, up to ten times.
 */
export const expireSession = (store: SessionHolder) =>
  Effect.gen(function* () {
    const zk = yield* TestZooKeeper
    const credentials = Option.getOrThrow(yield* store.sessionCredentials)
    const before = credentials.id.toString("hex")
    const renewed = sessionIdOf(store).pipe(
      Effect.filterOrFail((id) => Option.isSome(id) && id.value !== before),
      Effect.retry(Schedule.spaced("20 millis")),
      Effect.timeout("1500 millis"),
      Effect.option
    )
    for (let attempt = 0; attempt < 10; attempt++) {
      yield* closeSessionOnServer(zk.port, credentials.id, credentials.password)
      if (Option.isSome(yield* renewed)) return
    }
    return yield* Effect.dieMessage(`session ${before} did not expire after ten attempts`)
  })

class NotYet {
  readonly _tag = "NotYet"
}

/** Polls `probe` every 20 ms until it yields a value; dies naming `what` after `timeout`. */
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

/** Runs a stream in the background; `next` takes its next element (or dies after `timeout`). */
export const collect = <A, E>(stream: Stream.Stream<A, E>, timeout: Duration.DurationInput = "30 seconds") =>
  Effect.gen(function* () {
    const seen = yield* Queue.unbounded<A>()
    const fiber = yield* stream.pipe(Stream.runForEach((a) => Queue.offer(seen, a)), Effect.forkScoped)
    const next = Queue.take(seen).pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => "nothing more came from the stream" }),
      Effect.orDie
    )
    /** Nothing arrives for `d`: `true` when quiet. */
    const quietFor = (d: Duration.DurationInput) => Effect.zipRight(Effect.sleep(d), Effect.map(Queue.size(seen), (n) => n === 0))
    return { next, fiber, quietFor }
  })

const encoder = new TextEncoder()
const decoder = new TextDecoder()
export const text = (s: string): Uint8Array => encoder.encode(s)
export const readText = (store: ZkStore.ZkNodeStore, path: string) => Effect.map(store.read(path), Option.map((b) => decoder.decode(b)))

export interface Child {
  readonly process: ChildProcess
  readonly pid: number
  readonly stdout: () => string
  readonly stderr: () => string
  /** Completes with the exit code, or the signal's name, once the process has exited. */
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

/** Waits until the child printed `line` on stdout (generously: a Node process with tsx starts
 * slowly on a busy machine). */
export const waitForLine = (c: Child, line: string) =>
  eventually(
    () => `child ${c.pid} to print "${line}" (stdout: ${c.stdout()}; stderr: ${c.stderr()})`,
    Effect.sync(() => (c.stdout().split("\n").includes(line) ? Option.some(true) : Option.none())),
    "90 seconds"
  )

/** The session id as ZooKeeper's four-letter commands print it (`0x` + hex, no leading zeros). */
const sid = (store: ZkStore.ZkNodeStore) =>
  Effect.map(store.sessionCredentials, (c) => `0x${BigInt(`0x${Option.getOrThrow(c).id.toString("hex")}`).toString(16)}`)

/** How many requests (pings included) the server has received on the store's connection (`cons`). */
export const requestsFrom = (store: ZkStore.ZkNodeStore) =>
  Effect.gen(function* () {
    const zk = yield* TestZooKeeper
    const id = yield* sid(store)
    const line = (yield* zk.fourLetter("cons")).split("\n").find((l) => l.includes(`sid=${id},`))
    const recved = /recved=(\d+)/.exec(line ?? "")?.[1]
    if (recved === undefined) return yield* Effect.dieMessage(`no connection of session ${id} in cons`)
    return Number(recved)
  })

/** The paths the server holds watches on for the store's session (`wchc`). */
export const watchesOf = (store: ZkStore.ZkNodeStore) =>
  Effect.gen(function* () {
    const zk = yield* TestZooKeeper
    const id = yield* sid(store)
    const lines = (yield* zk.fourLetter("wchc")).split("\n")
    const at = lines.findIndex((l) => l.trim() === id)
    if (at < 0) return []
    const paths: Array<string> = []
    for (const l of lines.slice(at + 1)) {
      if (!l.startsWith("\t")) break
      paths.push(l.trim())
    }
    return paths.sort()
  })
