import { describe, expect, layer } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Scope } from "effect"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { childrenOf, collect, eventually, expireSession, freshRoot, kill, openStore, spawnChild, TestZooKeeper, waitForLine, zkLayer } from "./helpers.js"

const ELECTION = "/leader"

/** Waits until `n` candidates are queued at the znode. */
const inLine = (zkPath: string, n: number) =>
  eventually(() => `${n} candidates at ${zkPath}`, Effect.map(childrenOf(zkPath), (names) => (names.length === n ? Option.some(names) : Option.none())))

describe.skipIf(skipWithoutZooKeeper())("ZkStore.leadership", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("elects one leader of two; interrupting the leader's stream withdraws it and the other leads", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const first = yield* openStore(root)
        const second = yield* openStore(root)
        const a = yield* collect(first.leadership(ELECTION))
        expect(yield* a.next).toBe(true)
        const b = yield* collect(second.leadership(ELECTION))
        yield* inLine(`${root}${ELECTION}`, 2)
        // The follower says nothing while it waits.
        expect(yield* b.quietFor("400 millis")).toBe(true)

        yield* Fiber.interrupt(a.fiber)
        expect(yield* b.next).toBe(true)
        expect((yield* childrenOf(`${root}${ELECTION}`)).length).toBe(1)
        expect(yield* a.quietFor("100 millis")).toBe(true)
      }))

    it.scoped("hands over at once when the leader's store closes its session", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const session = yield* Scope.make()
        // A session far longer than the hand-over may take: closing, not timing out, must do it.
        const first = yield* openStore(root, { sessionTimeout: "10 seconds" }).pipe(Scope.extend(session))
        const second = yield* openStore(root)
        const a = yield* collect(first.leadership(ELECTION))
        expect(yield* a.next).toBe(true)
        const b = yield* collect(second.leadership(ELECTION))
        expect(yield* b.quietFor("300 millis")).toBe(true)
        const closedAt = Date.now()
        yield* Scope.close(session, Exit.void)
        expect(yield* b.next).toBe(true)
        // The closed store's stream says it no longer leads, then ends with a StateError.
        expect(yield* a.next).toBe(false)
        const ended = yield* Fiber.await(a.fiber)
        expect(Exit.isFailure(ended)).toBe(true)
        expect(Date.now() - closedAt).toBeLessThan(8000)
      }))

    it.scoped("takes over from a SIGKILLed leader once its session times out", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const leader = yield* spawnChild(["lead", zk.connectionString, root, ELECTION])
        yield* waitForLine(leader, "leader true")
        const store = yield* openStore(root)
        const mine = yield* collect(store.leadership(ELECTION), "20 seconds")
        expect(yield* mine.quietFor("300 millis")).toBe(true)
        yield* kill(leader)
        const killedAt = Date.now()
        expect(yield* mine.next).toBe(true)
        const took = Date.now() - killedAt
        expect(took).toBeGreaterThanOrEqual(1000)
        expect(took).toBeLessThan(15_000)
      }), { timeout: 180_000 })

    it.scoped("a leader whose session expires steps down, the other leads, and it rejoins and leads again later", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const first = yield* openStore(root)
        const second = yield* openStore(root)
        const a = yield* collect(first.leadership(ELECTION))
        expect(yield* a.next).toBe(true)
        const b = yield* collect(second.leadership(ELECTION))
        expect(yield* b.quietFor("300 millis")).toBe(true)

        yield* expireSession(first)
        expect(yield* a.next).toBe(false)
        expect(yield* b.next).toBe(true)
        // The expired one queued again in its new session, behind the new leader.
        yield* inLine(`${root}${ELECTION}`, 2)
        expect(yield* a.quietFor("200 millis")).toBe(true)

        yield* Fiber.interrupt(b.fiber)
        expect(yield* a.next).toBe(true)
      }))

    it.scoped("a leader cut off from ZooKeeper for longer than half its session steps down, and leads again once back", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        // Step-down bound: half the 4 s session (the operation bound being longer).
        const store = yield* openStore(root, { sessionTimeout: "4 seconds", operationTimeout: "30 seconds" })
        const a = yield* collect(store.leadership(ELECTION), "60 seconds")
        expect(yield* a.next).toBe(true)
        yield* zk.stop
        const stoppedAt = Date.now()
        expect(yield* a.next).toBe(false)
        expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(1800)
        yield* zk.start
        // Back (in the same session, or a new one if it expired meanwhile): the only candidate leads.
        expect(yield* a.next).toBe(true)
      }), { timeout: 120_000 })
  })
})
