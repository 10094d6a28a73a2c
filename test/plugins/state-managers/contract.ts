/**
 * The StateManager contract as tests, run against every state-manager plugin through
 * `makeStateManager` over its {@link NodeStore}: every kind of state round-trips through
 * set/get/list/delete and is seen by another store on the same backend; a value that does not
 * decode is a `StateError` naming its node; names that are not topology names are refused; `watch`
 * emits the current value, then each change (deduplicated), `None` on delete; `watchList` emits
 * the set of names as topologies come and go; ephemeral kinds (locations) vanish when the store
 * that wrote them closes, the others stay; `lock` excludes a second holder (a `LockError` naming
 * the lock once the timeout passes) and passes to a waiter on release or when the holder's store
 * closes; `leadership` makes exactly one of two stores leader and, when the leader's store closes,
 * hands over (the closed one says `false`, then its stream fails).
 *
 * Two stores of one subject are what two runtimes sharing a cluster are: two ZooKeeper sessions,
 * two LocalFsStores on one directory.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Cause, Duration, Effect, ExecutionStrategy, Exit, Fiber, Option, Queue, Scope, Stream, type Layer } from "effect"
import { RuntimeLocation } from "../../../core/model/Locations.js"
import { PackingPlan } from "../../../core/model/PackingPlan.js"
import { Topology } from "../../../core/model/Topology.js"
import { isEphemeralKind, LockError, StateError, stateKinds } from "../../../core/StateManager.js"
import { lockPath, makeStateManager } from "../../../core/state/makeStateManager.js"
import type { NodeStore } from "../../../core/state/NodeStore.js"
import { samples, topology } from "./samples.js"

/** A state-manager backend under test, fresh for each test (its own directory or root node). */
export interface StateContractSubject {
  /** Opens another store on this test's backend: every store opened here sees the same nodes,
   * and each is a session of its own (its ephemeral nodes, locks and candidacies are its own).
   * The store closes with the scope it is opened in. */
  readonly open: Effect.Effect<NodeStore, unknown, Scope.Scope>
}

/** Runs a stream in the background of the scope; `next` takes its next element (dies after
 * `timeout`), `quietFor` tells whether nothing arrived for a while. */
const collect = <A, E>(stream: Stream.Stream<A, E>, timeout: Duration.DurationInput = "20 seconds") =>
  Effect.gen(function* () {
    const seen = yield* Queue.unbounded<A>()
    const fiber = yield* stream.pipe(Stream.runForEach((a) => Queue.offer(seen, a)), Effect.forkScoped)
    const next = Queue.take(seen).pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => `nothing more came from the stream within ${Duration.format(timeout)}` }),
      Effect.orDie
    )
    const quietFor = (d: Duration.DurationInput) => Effect.zipRight(Effect.sleep(d), Effect.map(Queue.size(seen), (n) => n === 0))
    return { next, fiber, quietFor }
  })

const sorted = (names: ReadonlyArray<string>) => [...names].sort()
const text = (s: string) => new TextEncoder().encode(s)
const named = (name: string, state: Topology["state"] = "RUNNING") => new Topology({ ...topology, name, state })

/** Registers the contract tests for one state manager. `backend` is built once per file (a
 * ZooKeeper server, the platform); `setup` makes a fresh subject for each test. */
export const describeStateManagerContract = <R, E>(
  name: string,
  backend: Layer.Layer<R, E>,
  setup: Effect.Effect<StateContractSubject, unknown, Scope.Scope | R>,
  options: { readonly skip?: boolean; readonly timeout?: Duration.DurationInput } = {}
) =>
  describe.skipIf(options.skip === true)(`${name} state manager: the StateManager contract`, () => {
    layer(backend, { timeout: options.timeout ?? "60 seconds", excludeTestServices: true })((it) => {
      /** Two state managers on one fresh backend, with their stores, alive for the test. */
      const two = Effect.gen(function* () {
        const subject = yield* setup
        const storeA = yield* subject.open
        const storeB = yield* subject.open
        return { subject, storeA, storeB, a: makeStateManager(storeA), b: makeStateManager(storeB) }
      })

      /** A state manager whose store closes with the returned scope, not the test's. */
      const closable = (subject: StateContractSubject) =>
        Effect.gen(function* () {
          // A scope of its own, closed with the test's at the latest.
          const session = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
          const store = yield* subject.open.pipe(Scope.extend(session))
          return { sm: makeStateManager(store), close: Scope.close(session, Exit.void) }
        })

      describe("get, set, list and delete", () => {
        for (const kind of stateKinds) {
          it.scoped(`round-trip ${kind}, seen by another store`, () =>
            Effect.gen(function* () {
              const { a, b } = yield* two
              expect(yield* a.get(kind, "wc")).toEqual(Option.none())
              expect(yield* a.list(kind)).toEqual([])
              yield* a.set(kind, "wc", samples[kind])
              expect(yield* a.get(kind, "wc")).toEqual(Option.some(samples[kind]))
              expect(yield* b.get(kind, "wc")).toEqual(Option.some(samples[kind]))
              expect(yield* b.list(kind)).toEqual(["wc"])

              yield* b.delete(kind, "wc")
              expect(yield* a.get(kind, "wc")).toEqual(Option.none())
              expect(yield* a.list(kind)).toEqual([])
              // Removing an absent value succeeds.
              yield* a.delete(kind, "wc")
            }))
        }

        it.scoped("set replaces a value; list names the topologies with a value of that kind only", () =>
          Effect.gen(function* () {
            const { a, b } = yield* two
            for (const n of ["b", "a", "c"]) yield* a.set("topologies", n, named(n))
            yield* b.set("topologies", "a", named("a", "PAUSED"))
            yield* a.set("packingplans", "d", samples.packingplans)
            expect(sorted(yield* a.list("topologies"))).toEqual(["a", "b", "c"])
            expect(yield* a.list("packingplans")).toEqual(["d"])
            expect(yield* a.list("pplans")).toEqual([])
            expect(Option.map(yield* a.get("topologies", "a"), (t) => t.state)).toEqual(Option.some("PAUSED"))
          }))

        it.scoped("a value that does not decode is a StateError naming the node, from get and watch", () =>
          Effect.gen(function* () {
            const { storeA, b } = yield* two
            yield* storeA.write("/topologies/wc", text("not json"), { ephemeral: false })
            yield* storeA.write("/tmanagers/wc", text(`{"nope":1}`), { ephemeral: true })
            for (const [kind, path] of [["topologies", "/topologies/wc"], ["tmanagers", "/tmanagers/wc"]] as const) {
              const err = yield* Effect.flip(b.get(kind, "wc"))
              expect(err).toBeInstanceOf(StateError)
              expect(err).toMatchObject({ op: "decode", path })
              const watched = yield* Effect.flip(Stream.runHead(b.watch(kind, "wc")))
              expect(watched).toMatchObject({ _tag: "StateError", op: "decode", path })
            }
            // Still listed: it is there, only unreadable.
            expect(yield* b.list("topologies")).toEqual(["wc"])
          }))

        it.scoped("names that are not topology names are refused with a StateError by every operation", () =>
          Effect.gen(function* () {
            const { a } = yield* two
            for (const bad of ["../x", "a/b", "", ".hidden", "with space"]) {
              const refusals: ReadonlyArray<Effect.Effect<unknown, unknown, Scope.Scope>> = [
                a.get("topologies", bad),
                a.set("topologies", bad, topology),
                a.delete("topologies", bad),
                a.lock(bad, "1 second"),
                Stream.runHead(a.watch("topologies", bad)),
                Stream.runHead(a.leadership(bad))
              ]
              for (const op of refusals) {
                const err = yield* Effect.flip(op)
                expect(err, `"${bad}"`).toBeInstanceOf(StateError)
                expect(err, `"${bad}"`).toMatchObject({ path: bad })
              }
            }
            expect(yield* a.list("topologies")).toEqual([])
          }))
      })

      describe("watch and watchList", () => {
        it.scoped("watch emits the current value, then each change, deduplicated, and None on delete", () =>
          Effect.gen(function* () {
            const { a, b } = yield* two
            const plan = (n: number) => new PackingPlan({ ...samples.packingplans, id: `wc-${n}` })
            yield* a.set("packingplans", "wc", plan(1))
            const w = yield* collect(b.watch("packingplans", "wc"))
            expect(yield* w.next).toEqual(Option.some(plan(1)))
            yield* a.set("packingplans", "other", plan(9)) // another node: nothing
            yield* a.set("packingplans", "wc", plan(2))
            expect(yield* w.next).toEqual(Option.some(plan(2)))
            yield* a.set("packingplans", "wc", plan(2)) // the same value again: nothing
            yield* a.delete("packingplans", "wc")
            expect(yield* w.next).toEqual(Option.none())
            yield* a.set("packingplans", "wc", plan(3))
            expect(yield* w.next).toEqual(Option.some(plan(3)))
            // The watcher's own writes show too.
            yield* b.set("packingplans", "wc", plan(4))
            expect(yield* w.next).toEqual(Option.some(plan(4)))
            expect(yield* w.quietFor("300 millis")).toBe(true)
          }))

        it.scoped("watch of an absent value starts with None; it stops when interrupted", () =>
          Effect.gen(function* () {
            const { a, b } = yield* two
            const w = yield* collect(b.watch("executionstate", "wc"))
            expect(yield* w.next).toEqual(Option.none())
            yield* a.set("executionstate", "wc", samples.executionstate)
            expect(yield* w.next).toEqual(Option.some(samples.executionstate))
            yield* Fiber.interrupt(w.fiber)
            yield* a.delete("executionstate", "wc")
            expect(yield* w.quietFor("300 millis")).toBe(true)
          }))

        it.scoped("watchList emits the set of names as topologies come and go, not on rewrites", () =>
          Effect.gen(function* () {
            const { a, b } = yield* two
            const names = yield* collect(Stream.map(b.watchList("topologies"), sorted))
            // Nothing of this kind yet (its folder does not even exist): an empty set.
            expect(yield* names.next).toEqual([])
            yield* a.set("topologies", "wc", named("wc"))
            expect(yield* names.next).toEqual(["wc"])
            yield* a.set("topologies", "wc", named("wc", "PAUSED"))
            yield* a.set("topologies", "ex", named("ex"))
            expect(yield* names.next).toEqual(["ex", "wc"])
            yield* a.delete("topologies", "wc")
            expect(yield* names.next).toEqual(["ex"])
            yield* a.delete("topologies", "ex")
            expect(yield* names.next).toEqual([])
            expect(yield* names.quietFor("300 millis")).toBe(true)
          }))
      })

      describe("ephemeral kinds", () => {
        it.scoped("vanish when the store that wrote them closes, for readers and watchers; the other kinds stay", () =>
          Effect.gen(function* () {
            const { subject, b } = yield* two
            const owner = yield* closable(subject)
            for (const kind of stateKinds) yield* owner.sm.set(kind, "wc", samples[kind])
            for (const kind of stateKinds) expect(yield* b.get(kind, "wc"), kind).toEqual(Option.some(samples[kind]))
            const value = yield* collect(b.watch("tmanagers", "wc"))
            const names = yield* collect(b.watchList("schedulers"))
            expect(yield* value.next).toEqual(Option.some(samples.tmanagers))
            expect(yield* names.next).toEqual(["wc"])

            yield* owner.close
            expect(yield* value.next).toEqual(Option.none())
            expect(yield* names.next).toEqual([])
            for (const kind of stateKinds) {
              expect(yield* b.get(kind, "wc"), kind).toEqual(isEphemeralKind(kind) ? Option.none() : Option.some(samples[kind]))
              expect(yield* b.list(kind), kind).toEqual(isEphemeralKind(kind) ? [] : ["wc"])
            }
          }))

        it.scoped("belong to their last writer: a store closing leaves what another store wrote since", () =>
          Effect.gen(function* () {
            const { subject, b } = yield* two
            const first = yield* closable(subject)
            yield* first.sm.set("tmanagers", "wc", samples.tmanagers)
            yield* first.sm.set("runtimes", "cluster", samples.runtimes)
            yield* b.set("runtimes", "cluster", new RuntimeLocation({ ...samples.runtimes, pid: 4242 }))
            yield* first.close
            expect(yield* b.get("tmanagers", "wc")).toEqual(Option.none())
            expect(Option.map(yield* b.get("runtimes", "cluster"), (r) => r.pid)).toEqual(Option.some(4242))
          }))
      })

      describe("lock", () => {
        it.scoped("excludes a second holder, which fails with a LockError naming the lock after the timeout, and passes on release", () =>
          Effect.gen(function* () {
            const { a, b } = yield* two
            const held = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
            yield* a.lock("wc", "5 seconds").pipe(Scope.extend(held))

            const started = Date.now()
            const err = yield* Effect.flip(Effect.scoped(b.lock("wc", "400 millis")))
            expect(Date.now() - started).toBeGreaterThanOrEqual(390)
            expect(err).toBeInstanceOf(LockError)
            expect(err).toMatchObject({ topology: "wc" })
            expect(err.message).toContain(lockPath("wc"))
            // Not reentrant: another fiber of the holder's own store waits like anyone else.
            expect(yield* Effect.flip(Effect.scoped(a.lock("wc", "200 millis")))).toBeInstanceOf(LockError)
            // Another topology's lock is independent.
            yield* Effect.scoped(b.lock("other", "2 seconds"))

            const waiter = yield* Effect.fork(Effect.scoped(b.lock("wc", "20 seconds")))
            expect(yield* Effect.map(Fiber.poll(waiter), Option.isNone)).toBe(true)
            yield* Scope.close(held, Exit.void)
            yield* Fiber.join(waiter)
            // Released again by the waiter's scope: free for the first store.
            yield* Effect.scoped(a.lock("wc", "5 seconds"))
          }))

        it.scoped("passes to a waiter when the holder's store closes, even if the holder's scope lives on", () =>
          Effect.gen(function* () {
            const { subject, b } = yield* two
            const holder = yield* closable(subject)
            // Held for the test's scope, which outlives the holder's store.
            yield* holder.sm.lock("wc", "5 seconds")
            const waiter = yield* Effect.fork(Effect.scoped(b.lock("wc", "20 seconds")))
            expect(yield* Effect.map(Fiber.poll(waiter), Option.isNone)).toBe(true)
            yield* holder.close
            yield* Fiber.join(waiter)
          }))
      })

      describe("leadership", () => {
        it.scoped("gives true to exactly one of two stores; when the leader's store closes, it says false and the other leads", () =>
          Effect.gen(function* () {
            const subject = yield* setup
            const first = yield* closable(subject)
            const second = yield* closable(subject)
            // The streams run in the test's scope: they outlive the stores.
            const candidates = [
              { store: first, votes: yield* collect(first.sm.leadership("local"), "30 seconds") },
              { store: second, votes: yield* collect(second.sm.leadership("local"), "30 seconds") }
            ] as const
            // Whoever wins says true; the other says nothing while it waits.
            const won = yield* Effect.raceAll(candidates.map((c, i) => Effect.as(Effect.filterOrDie(c.votes.next, (v) => v, () => "false before true"), i)))
            const leader = candidates[won]
            const follower = candidates[1 - won]
            if (leader === undefined || follower === undefined) return yield* Effect.dieMessage("no candidate won")
            expect(yield* follower.votes.quietFor("1500 millis")).toBe(true)
            expect(yield* leader.votes.quietFor("0 millis")).toBe(true)

            const closedAt = Date.now()
            yield* leader.store.close
            expect(yield* follower.votes.next).toBe(true)
            expect(Date.now() - closedAt).toBeLessThan(10_000)
            // The closed store's candidate no longer leads, and its stream ends with a StateError.
            expect(yield* leader.votes.next).toBe(false)
            const ended = yield* Fiber.await(leader.votes.fiber)
            expect(Exit.isFailure(ended) && Option.exists(Cause.failureOption(ended.cause), (e) => e instanceof StateError)).toBe(true)
          }))

        it.scoped("elections of different clusters are independent", () =>
          Effect.gen(function* () {
            const subject = yield* setup
            const first = yield* closable(subject)
            const second = yield* closable(subject)
            const one = yield* collect(first.sm.leadership("c1"))
            expect(yield* one.next).toBe(true)
            const other = yield* collect(second.sm.leadership("c2"))
            expect(yield* other.next).toBe(true)
          }))
      })
    })
  })
