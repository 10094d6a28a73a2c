import { describe, expect, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Ref, Scope } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LockError } from "../../../../core/StateManager.js"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { childrenOf, eventually, freshRoot, kill, openStore, rawClient, spawnChild, statOf, TestZooKeeper, waitForLine, zkLayer } from "./helpers.js"

const LOCK = "/locks/wc__updateTopology"

/** A temp file holding a counter, removed with the scope. */
const counterFile = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "heron-zk-lock-"))
    writeFileSync(join(dir, "counter"), "0")
    return { dir, file: join(dir, "counter") }
  }),
  ({ dir }) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

describe.skipIf(skipWithoutZooKeeper())("ZkStore.lock", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("excludes a second holder, which times out with a LockError naming the lock and the holder", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const store = yield* openStore(root)
        const other = yield* openStore(root)
        const held = yield* Scope.make()
        yield* store.lock(LOCK, "10 seconds").pipe(Scope.extend(held))

        const started = Date.now()
        const err = yield* Effect.flip(Effect.scoped(other.lock(LOCK, "300 millis")))
        expect(Date.now() - started).toBeGreaterThanOrEqual(290)
        expect(err).toBeInstanceOf(LockError)
        expect(err.message).toContain(LOCK)
        expect(err.message).toContain(`held by pid ${process.pid} on host`)
        if (err._tag === "LockError") expect(err.topology).toBe("wc")
        // The loser left the queue at once: only the holder's node is there.
        expect((yield* childrenOf(`${root}${LOCK}`)).length).toBe(1)

        // A waiter gets it as soon as the holder's scope closes.
        const waiter = yield* Effect.fork(Effect.scoped(other.lock(LOCK, "10 seconds")))
        yield* Scope.close(held, Exit.void)
        yield* Fiber.join(waiter)
        // Released and tidied: the lock node itself is gone.
        const zk = yield* TestZooKeeper
        expect(yield* statOf(yield* rawClient(zk.connectionString), `${root}${LOCK}`)).toEqual(Option.none())
      }))

    it.scoped("through the StateManager, keeps fibers of several sessions out of each other's critical section", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const managers = [makeStateManager(yield* openStore(root)), makeStateManager(yield* openStore(root)), makeStateManager(yield* openStore(root))]
        const inside = yield* Ref.make(0)
        const most = yield* Ref.make(0)
        const entries = yield* Ref.make(0)
        const critical = (sm: (typeof managers)[number]) =>
          Effect.scoped(Effect.gen(function* () {
            yield* sm.lock("wc", "20 seconds")
            const n = yield* Ref.updateAndGet(inside, (x) => x + 1)
            yield* Ref.update(most, (m) => Math.max(m, n))
            yield* Effect.sleep("3 millis")
            yield* Ref.update(inside, (x) => x - 1)
            yield* Ref.update(entries, (x) => x + 1)
          }))
        yield* Effect.all(managers.flatMap((sm) => [sm, sm].map((m) => Effect.repeatN(critical(m), 4))), { concurrency: "unbounded" })
        expect(yield* Ref.get(most)).toBe(1)
        expect(yield* Ref.get(entries)).toBe(6 * 5)
        // A different topology's lock is independent.
        const [a] = managers
        if (a !== undefined) yield* Effect.scoped(Effect.zipRight(a.lock("wc", "1 second"), Effect.scoped(a.lock("other", "1 second"))))
      }))

    it.scoped("is exclusive across processes: two processes and this one incrementing a counter end at the sum", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const { file } = yield* counterFile
        const n = 10
        const a = yield* spawnChild(["count", zk.connectionString, root, LOCK, file, String(n)])
        const b = yield* spawnChild(["count", zk.connectionString, root, LOCK, file, String(n)])
        for (let i = 0; i < n; i++) {
          yield* Effect.scoped(Effect.gen(function* () {
            yield* store.lock(LOCK, "30 seconds")
            const value = Number(readFileSync(file, "utf8"))
            yield* Effect.sleep("2 millis")
            writeFileSync(file, String(value + 1))
          }))
        }
        expect(yield* Effect.all([a.exited, b.exited], { concurrency: 2 })).toEqual([0, 0])
        expect(Number(readFileSync(file, "utf8"))).toBe(3 * n)
        expect(yield* childrenOf(`${root}${LOCK}`)).toEqual([])
      }), { timeout: 180_000 })

    it.scoped("passes to a waiter once a SIGKILLed holder's session times out", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        const holder = yield* spawnChild(["hold", zk.connectionString, root, LOCK])
        yield* waitForLine(holder, "locked")
        const err = yield* Effect.flip(Effect.scoped(store.lock(LOCK, "200 millis")))
        expect(err.message).toContain(`held by pid ${holder.pid}`)
        yield* kill(holder)
        const killedAt = Date.now()
        yield* Effect.scoped(store.lock(LOCK, "10 seconds"))
        // Not before the holder's session (2 s) could have expired.
        expect(Date.now() - killedAt).toBeGreaterThanOrEqual(1000)
      }), { timeout: 180_000 })

    it.scoped("leaves nothing behind when waiters are interrupted", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const store = yield* openStore(root)
        const release = yield* Deferred.make<void>()
        const holder = yield* Effect.fork(Effect.scoped(Effect.zipRight(store.lock(LOCK, "10 seconds"), Deferred.await(release))))
        yield* eventually(() => "the first lock", Effect.map(childrenOf(`${root}${LOCK}`), (c) => (c.length === 1 ? Option.some(true) : Option.none())))
        const waiters = yield* Effect.forEach(Array.from({ length: 4 }), () => Effect.fork(Effect.scoped(Effect.zipRight(store.lock(LOCK, "30 seconds"), Effect.never))))
        yield* eventually(() => "the waiters to queue", Effect.map(childrenOf(`${root}${LOCK}`), (c) => (c.length === 5 ? Option.some(true) : Option.none())))
        yield* Effect.forEach(waiters, Fiber.interrupt)
        expect((yield* childrenOf(`${root}${LOCK}`)).length).toBe(1)
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)
        const zk = yield* TestZooKeeper
        expect(yield* statOf(yield* rawClient(zk.connectionString), `${root}${LOCK}`)).toEqual(Option.none())
      }))
  })
})
