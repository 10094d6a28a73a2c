import { Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Ref, Scope, Stream } from "effect"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { LockError } from "../../../../core/StateManager.js"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { guardName } from "../../../../plugins/state-managers/localfs/internal/FileLock.js"
import { eventually, kill, spawnChild, tempStore, waitForLine } from "./helpers.js"

const LOCK = "/locks/wc__updateTopology"

/** The pid recorded in a lock file's header. */
const holderPid = (file: string): number => {
  const header: unknown = JSON.parse(readFileSync(file, "utf8").split("\n")[0] ?? "")
  if (typeof header === "object" && header !== null && "owner" in header && typeof header.owner === "object" && header.owner !== null && "pid" in header.owner && typeof header.owner.pid === "number") return header.owner.pid
  throw new Error(`no owner pid in ${file}`)
}

layer(NodeContext.layer, { excludeTestServices: true })("LocalFsStore.lock", (it) => {
  it.scoped("is exclusive within one process: a second taker times out with a LockError naming the lock", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const held = yield* Scope.make()
      yield* store.lock(LOCK, "1 second").pipe(Scope.extend(held))
      const file = join(root, "locks", "wc__updateTopology")
      expect(holderPid(file)).toBe(process.pid)

      const err = yield* Effect.flip(Effect.scoped(store.lock(LOCK, "300 millis")))
      expect(err).toBeInstanceOf(LockError)
      expect(err.message).toContain(LOCK)
      expect(err.message).toContain(`held by pid ${process.pid}`)
      if (err._tag === "LockError") expect(err.topology).toBe("wc")

      // A waiter gets it as soon as the holder's scope closes, which removes the file.
      const waiter = yield* Effect.fork(Effect.scoped(store.lock(LOCK, "10 seconds")))
      yield* Scope.close(held, Exit.void)
      yield* Fiber.join(waiter)
      expect(existsSync(file)).toBe(false)
      expect(readdirSync(join(root, "locks"))).toEqual([]) // no scratch or guard files left either
    }))

  it.scoped("through the StateManager, keeps concurrent fibers out of each other's critical section", () =>
    Effect.gen(function* () {
      const { store } = yield* tempStore()
      const sm = makeStateManager(store)
      const inside = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const critical = Effect.scoped(
        Effect.gen(function* () {
          yield* sm.lock("wc", "20 seconds")
          const n = yield* Ref.updateAndGet(inside, (x) => x + 1)
          yield* Ref.update(most, (m) => Math.max(m, n))
          yield* Effect.sleep("3 millis")
          yield* Ref.update(inside, (x) => x - 1)
        })
      )
      yield* Effect.all(Array.from({ length: 8 }, () => Effect.repeatN(critical, 4)), { concurrency: "unbounded" })
      expect(yield* Ref.get(most)).toBe(1)
      // A different topology's lock is independent.
      yield* Effect.scoped(Effect.zipRight(sm.lock("wc", "1 second"), Effect.scoped(sm.lock("other", "1 second"))))
    }))

  it.scoped("is exclusive across processes: two processes incrementing a counter N times each end at 2N", () =>
    Effect.gen(function* () {
      const { root } = yield* tempStore()
      const counter = join(root, "counter")
      writeFileSync(counter, "0")
      const n = 40
      const a = yield* spawnChild(["count", root, LOCK, counter, String(n)])
      const b = yield* spawnChild(["count", root, LOCK, counter, String(n)])
      expect(yield* Effect.all([a.exited, b.exited], { concurrency: 2 })).toEqual([0, 0])
      expect(Number(readFileSync(counter, "utf8"))).toBe(2 * n)
      expect(existsSync(join(root, "locks", "wc__updateTopology"))).toBe(false)
    }), { timeout: 60_000 })

  it.scoped("takes over the lock of a killed holder, and only one of several waiters gets it at a time", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const holder = yield* spawnChild(["hold", root, LOCK])
      yield* waitForLine(holder, "locked")
      const file = join(root, "locks", "wc__updateTopology")
      expect(holderPid(file)).toBe(holder.pid)
      expect((yield* Effect.flip(Effect.scoped(store.lock(LOCK, "200 millis"))))._tag).toBe("LockError")
      yield* kill(holder)

      // Two other processes and this one all race for the stale lock.
      const counter = join(root, "counter")
      writeFileSync(counter, "0")
      const n = 20
      const a = yield* spawnChild(["count", root, LOCK, counter, String(n)])
      const b = yield* spawnChild(["count", root, LOCK, counter, String(n)])
      for (let i = 0; i < n; i++) {
        yield* Effect.scoped(Effect.gen(function* () {
          yield* store.lock(LOCK, "30 seconds")
          const value = Number(readFileSync(counter, "utf8"))
          yield* Effect.sleep("2 millis")
          writeFileSync(counter, String(value + 1))
        }))
      }
      expect(yield* Effect.all([a.exited, b.exited], { concurrency: 2 })).toEqual([0, 0])
      expect(Number(readFileSync(counter, "utf8"))).toBe(3 * n)
    }), { timeout: 60_000 })

  it.scoped("lets exactly one of many racing waiters break a stale lock", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      // The record of a process that is gone, as a holder killed mid-update leaves it.
      const dead = yield* spawnChild(["ephemeral", root, "/unused/x", ""])
      yield* waitForLine(dead, "written")
      yield* kill(dead)
      mkdirSync(join(root, "locks"))
      const file = join(root, "locks", "wc__updateTopology")
      const inside = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const critical = Effect.scoped(
        Effect.gen(function* () {
          yield* store.lock(LOCK, "20 seconds")
          const n = yield* Ref.updateAndGet(inside, (x) => x + 1)
          yield* Ref.update(most, (m) => Math.max(m, n))
          yield* Effect.sleep("5 millis")
          yield* Ref.update(inside, (x) => x - 1)
        })
      )
      for (let round = 0; round < 20; round++) {
        writeFileSync(file, `${JSON.stringify({ heron: "localfs/1", owner: { pid: dead.pid, start: null, host: hostname(), token: `r${round}` } })}\n`)
        yield* Effect.all(Array.from({ length: 6 }, () => critical), { concurrency: "unbounded" })
      }
      expect(yield* Ref.get(most)).toBe(1)
      expect(readdirSync(join(root, "locks"))).toEqual([])
    }), { timeout: 60_000 })

  it.scoped("breaks a stale lock even when a breaker died holding its guard", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const path = yield* Path.Path
      const holder = yield* spawnChild(["hold", root, LOCK])
      yield* waitForLine(holder, "locked")
      const breaker = yield* spawnChild(["ephemeral", root, "/unused/x", ""])
      yield* waitForLine(breaker, "written")
      const file = join(root, "locks", "wc__updateTopology")
      const stale = readFileSync(file)
      // What a breaker that died mid-break leaves: its guard for this stale content.
      const guard = guardName({ path }, file, stale)
      writeFileSync(guard, `${JSON.stringify({ heron: "localfs/1", owner: { pid: breaker.pid, start: null, host: hostname(), token: "t" } })}\n`)
      yield* kill(holder)
      yield* kill(breaker)

      yield* Effect.scoped(Effect.gen(function* () {
        yield* store.lock(LOCK, "5 seconds")
        expect(holderPid(file)).toBe(process.pid)
      }))
      expect(readdirSync(join(root, "locks"))).toEqual([])
    }), { timeout: 30_000 })

  it.scoped("leaves no lock behind when a waiter is interrupted", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(Effect.scoped(Effect.zipRight(store.lock(LOCK, "1 second"), Deferred.await(release))))
      const file = join(root, "locks", "wc__updateTopology")
      yield* eventually(() => "the first lock", Effect.sync(() => (existsSync(file) ? Option.some(true) : Option.none())))
      const waiters = yield* Effect.forEach(Array.from({ length: 4 }), () => Effect.fork(Effect.scoped(Effect.zipRight(store.lock(LOCK, "30 seconds"), Effect.never))))
      yield* Effect.sleep("50 millis") // let the waiters start polling
      yield* Effect.forEach(waiters, Fiber.interrupt)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      expect(existsSync(file)).toBe(false)
      expect(readdirSync(join(root, "locks"))).toEqual([])
    }))

  it.scoped("leadership: one leader per cluster; when the leader process dies, a waiting candidate leads", () =>
    Effect.gen(function* () {
      const { root, store } = yield* tempStore()
      const leader = yield* spawnChild(["lead", root, "local"])
      yield* waitForLine(leader, "leading")
      const leads = yield* Ref.make<ReadonlyArray<boolean>>([])
      yield* makeStateManager(store).leadership("local").pipe(
        Stream.runForEach((b) => Ref.update(leads, (l) => [...l, b])),
        Effect.forkScoped
      )
      yield* Effect.sleep("1500 millis")
      expect(yield* Ref.get(leads)).toEqual([]) // the other process leads
      yield* kill(leader)
      yield* eventually(() => "the candidate to lead", Effect.map(Ref.get(leads), (l) => (l.length > 0 ? Option.some(l) : Option.none())))
      expect(yield* Ref.get(leads)).toEqual([true])
    }), { timeout: 30_000 })
})
