/**
 * Leader fail-over on ZooKeeper: a leader in a process of its own (`leader-child.ts`) and a
 * follower in this process campaign for cluster `bench` through `StateManager.leadership`; once
 * both are queued, the leader is SIGKILLed and the time until the follower says `true` is
 * measured. The dead leader cannot close its session: the server expires it after the session
 * timeout (checked on tick boundaries), which removes its candidate node and wakes the follower.
 */
import { Deferred, Duration, Effect, Stream } from "effect"
import { randomUUID } from "node:crypto"
import { fileURLToPath } from "node:url"
import { makeStateManager } from "../../core/state/makeStateManager.js"
import * as ZkStore from "../../plugins/state-managers/zookeeper/ZkStore.js"
import { killAndWait, spawnScoped, waitUntil } from "./Processes.js"

const leaderScript = fileURLToPath(new URL("./leader-child.ts", import.meta.url))

/** One fail-over, in milliseconds from the SIGKILL to the follower's `true`. */
export const failover = (connectionString: string, sessionMs: number) =>
  Effect.gen(function* () {
    const root = `/bench-failover-${randomUUID().slice(0, 8)}`
    const leader = yield* spawnScoped(process.execPath, ["--import", "tsx", leaderScript, connectionString, root, String(sessionMs)])
    const says = (line: string) => Effect.sync(() => leader.stdout().split("\n").includes(line))
    yield* waitUntil(() => `the leader process to lead (stdout: ${leader.stdout()}; stderr: ${leader.stderr()})`, says("leader true"), 90_000)

    const store = yield* ZkStore.make({ connectionString, root, sessionTimeout: Duration.millis(sessionMs) })
    const led = yield* Deferred.make<number>()
    yield* makeStateManager(store).leadership("bench").pipe(
      Stream.filter((leads) => leads),
      Stream.take(1),
      Stream.runForEach(() => Deferred.succeed(led, performance.now())),
      Effect.forkScoped
    )
    // Both candidates queued: the follower's watch on the leader's node is set.
    yield* waitUntil(() => "two candidates", Effect.map(store.children("/leaders/bench"), (c) => c.length === 2), 30_000)
    if (yield* Deferred.isDone(led)) return yield* Effect.dieMessage("the follower led before the leader was killed")

    const killedAt = performance.now()
    yield* killAndWait(leader.process)
    const at = yield* Deferred.await(led).pipe(
      Effect.timeoutFail({ duration: sessionMs * 3 + 30_000, onTimeout: () => "no take-over" as const }),
      Effect.catchAll(() => Effect.dieMessage(`the follower did not lead within ${sessionMs * 3 + 30_000} ms of the SIGKILL`))
    )
    return at - killedAt
  }).pipe(Effect.scoped)
