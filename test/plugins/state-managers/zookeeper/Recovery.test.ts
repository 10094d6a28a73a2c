import { describe, expect, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Schedule, Stream } from "effect"
import { connect, createServer, type Server, type Socket } from "node:net"
import * as ZkStore from "../../../../plugins/state-managers/zookeeper/ZkStore.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { childrenWith, collect, eventually, expireSession, freshRoot, openStore, rawClient, readText, statOf, TestZooKeeper, text, zkLayer } from "./helpers.js"

const decoder = new TextDecoder()
const asText = Option.map((b: Uint8Array) => decoder.decode(b))

describe.skipIf(skipWithoutZooKeeper())("zookeeper: surviving connection loss and session expiry", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("a server restart mid-run: operations wait and resume, the session and its watches carry on", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        // Sessions long enough to outlive the restart, and a bound on waiting longer than it takes
        // (a JVM starting on a busy machine).
        const store = yield* openStore(root, { sessionTimeout: "10 seconds", operationTimeout: "40 seconds" })
        const other = yield* openStore(root, { sessionTimeout: "10 seconds", operationTimeout: "40 seconds" })
        yield* store.write("/tmanagers/wc", text("here"), { ephemeral: true })
        yield* other.write("/topologies/wc", text("v1"), { ephemeral: false })
        const value = yield* collect(Stream.map(store.watch("/topologies/wc"), asText), "30 seconds")
        const names = yield* collect(store.watchChildren("/topologies"), "30 seconds")
        expect(yield* value.next).toEqual(Option.some("v1"))
        expect(yield* names.next).toEqual(["wc"])
        const session = Option.getOrThrow(yield* store.sessionCredentials).id.toString("hex")

        yield* zk.stop
        // Issued while the server is down: they wait for it.
        const write = yield* Effect.fork(other.write("/topologies/wc", text("v2"), { ephemeral: false }))
        const read = yield* Effect.fork(readText(store, "/tmanagers/wc"))
        yield* Effect.sleep("500 millis")
        expect(Option.isNone(yield* Fiber.poll(write))).toBe(true)
        yield* zk.start
        yield* Fiber.join(write)
        expect(yield* Fiber.join(read)).toEqual(Option.some("here"))

        // The watches still fire: the write made during the outage, then one made after it.
        expect(yield* value.next).toEqual(Option.some("v2"))
        yield* other.write("/topologies/wc", text("v3"), { ephemeral: false })
        expect(yield* value.next).toEqual(Option.some("v3"))
        yield* other.write("/topologies/ex", text("x"), { ephemeral: false })
        expect(yield* names.next).toEqual(["ex", "wc"])
        // Same session: the ephemeral node never went.
        expect(Option.getOrThrow(yield* store.sessionCredentials).id.toString("hex")).toBe(session)
        const raw = yield* rawClient(zk.connectionString)
        const stat = Option.getOrThrow(yield* statOf(raw, `${root}/tmanagers/wc`))
        expect(stat.ephemeralOwner.toString("hex")).toBe(session)
      }), { timeout: 90_000 })

    it.scoped("fails after the operation bound with a StateError naming the path and ZooKeeper's code", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root, { operationTimeout: "1 second" })
        yield* zk.stop
        const started = Date.now()
        const err = yield* Effect.flip(store.read("/topologies/wc"))
        const waited = Date.now() - started
        yield* zk.start
        expect(waited).toBeGreaterThanOrEqual(900)
        expect(waited).toBeLessThan(5000)
        expect(err.op).toBe("read")
        expect(err.path).toBe("/topologies/wc")
        expect(err.message).toContain(`${root}/topologies/wc`)
        expect(err.message).toContain("CONNECTION_LOSS (-4)")
        expect(err.message).toContain(zk.connectionString)
        // Once the server is back (and the client has found it), the same store works again.
        yield* store.write("/topologies/wc", text("back"), { ephemeral: false }).pipe(
          Effect.retry(Schedule.spaced("100 millis").pipe(Schedule.upTo("20 seconds")))
        )
        expect(yield* readText(store, "/topologies/wc")).toEqual(Option.some("back"))
      }), { timeout: 40_000 })

    it.scoped("after a session expiry: its ephemeral nodes are re-created with their last data, and its watches keep emitting", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const other = yield* openStore(root)
        const raw = yield* rawClient(zk.connectionString)
        yield* store.write("/tmanagers/wc", text("first"), { ephemeral: true })
        yield* store.write("/tmanagers/wc", text("last"), { ephemeral: true })
        yield* store.write("/schedulers/wc", text("scheduler"), { ephemeral: true })
        yield* store.write("/schedulers/gone", text("removed"), { ephemeral: true })
        yield* store.remove("/schedulers/gone")
        const value = yield* collect(Stream.map(store.watch("/topologies/wc"), asText))
        const locations = yield* collect(other.watchChildren("/tmanagers"))
        expect(yield* value.next).toEqual(Option.none())
        expect(yield* locations.next).toEqual(["wc"])
        const before = Option.getOrThrow(yield* store.sessionCredentials).id.toString("hex")

        yield* expireSession(store)
        // The other client sees the location go with the old session, and come back with the new one.
        expect(yield* locations.next).toEqual([])
        expect(yield* locations.next).toEqual(["wc"])
        const after = Option.getOrThrow(yield* store.sessionCredentials).id.toString("hex")
        expect(after).not.toBe(before)
        const stat = Option.getOrThrow(yield* statOf(raw, `${root}/tmanagers/wc`))
        expect(stat.ephemeralOwner.toString("hex")).toBe(after)
        expect(yield* readText(other, "/tmanagers/wc")).toEqual(Option.some("last"))
        expect(yield* readText(other, "/schedulers/wc")).toEqual(Option.some("scheduler"))
        expect(yield* readText(other, "/schedulers/gone")).toEqual(Option.none())

        // The watch of the expired session was registered again in the new one.
        yield* other.write("/topologies/wc", text("after expiry"), { ephemeral: false })
        expect(yield* value.next).toEqual(Option.some("after expiry"))
        yield* other.write("/topologies/wc", text("and again"), { ephemeral: false })
        expect(yield* value.next).toEqual(Option.some("and again"))
      }), { timeout: 40_000 })

    it.scoped("after a session expiry, a lock waiter queues again and still gets the lock", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const lock = "/locks/wc__updateTopology"
        const holder = yield* openStore(root)
        const waiter = yield* openStore(root)
        const locked = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const held = yield* Effect.fork(Effect.scoped(Effect.gen(function* () {
          yield* holder.lock(lock, "30 seconds")
          yield* Deferred.succeed(locked, undefined)
          yield* Deferred.await(release)
        })))
        yield* Deferred.await(locked)
        const waiting = yield* Effect.fork(Effect.scoped(waiter.lock(lock, "60 seconds")))
        const observer = yield* rawClient((yield* TestZooKeeper).connectionString)
        const inLine = (n: number, unlike: ReadonlyArray<string> = []) =>
          eventually(() => `${n} in line`, Effect.map(childrenWith(observer, `${root}${lock}`), (names) =>
            names.length === n && !names.every((x) => unlike.includes(x)) ? Option.some(names) : Option.none()))
        const before = yield* inLine(2)

        yield* expireSession(waiter)
        // The waiter's node went with its session; it queued again in the new one.
        const after = yield* inLine(2, before)
        expect(after.filter((n) => !before.includes(n))).toHaveLength(1)
        expect(Option.isNone(yield* Fiber.poll(waiting))).toBe(true)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(held)
        yield* Fiber.join(waiting)
      }), { timeout: 90_000 })

    it.scoped("abandons a handshake the server never answers and connects on the next try", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        // A proxy that swallows the first connection (what a server still starting up may do) and
        // passes the next ones through to the real server.
        const proxy = yield* Effect.acquireRelease(
          Effect.async<{ readonly server: Server; readonly port: number }>((resume) => {
            let accepted = 0
            const sockets: Array<Socket> = []
            const server = createServer((client) => {
              sockets.push(client)
              client.on("error", () => undefined)
              if (accepted++ === 0) return client.on("data", () => undefined)
              const upstream = connect(zk.port, "127.0.0.1")
              sockets.push(upstream)
              upstream.on("error", () => client.destroy())
              client.pipe(upstream).pipe(client)
            })
            server.on("close", () => sockets.forEach((s) => s.destroy()))
            server.listen(0, "127.0.0.1", () => {
              const address = server.address()
              resume(Effect.succeed({ server, port: typeof address === "object" && address !== null ? address.port : 0 }))
            })
          }),
          ({ server }) => Effect.sync(() => server.close())
        )
        const started = Date.now()
        const store = yield* ZkStore.make({ connectionString: `127.0.0.1:${proxy.port}`, root: freshRoot(), sessionTimeout: "2 seconds", operationTimeout: "20 seconds" })
        // The swallowed handshake was given up after a second or two, not after the 20 s bound.
        expect(Date.now() - started).toBeGreaterThanOrEqual(900)
        expect(Date.now() - started).toBeLessThan(15_000)
        yield* store.write("/topologies/wc", text("through the proxy"), { ephemeral: false })
        expect(yield* readText(store, "/topologies/wc")).toEqual(Option.some("through the proxy"))
      }), { timeout: 60_000 })
  })
})
