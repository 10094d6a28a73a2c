import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, Option, Ref } from "effect"
import * as Candidates from "../../../../plugins/state-managers/zookeeper/internal/Candidates.js"
import type { Ctx } from "../../../../plugins/state-managers/zookeeper/internal/Nodes.js"
import * as Session from "../../../../plugins/state-managers/zookeeper/internal/Session.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { expireSession, freshRoot, SESSION_TIMEOUT, TestZooKeeper, zkLayer } from "./helpers.js"

/** A bare session on the test server and the context the recipes run in, under `root`. */
const openCtx = (root: string) =>
  Effect.gen(function* () {
    const zk = yield* TestZooKeeper
    const session = yield* Session.make({
      connectionString: zk.connectionString,
      sessionTimeout: Duration.decode(SESSION_TIMEOUT),
      operationTimeout: Duration.seconds(10),
      digest: Option.none()
    })
    const ctx: Ctx = { session, acl: "open", prefix: root }
    const sessionCredentials = Effect.map(Ref.get(session.state), (s) =>
      Option.map(s.connected, (c) => ({ id: c.client.getSessionId(), password: c.client.getSessionPassword() })))
    return { ctx, sessionCredentials }
  })

describe.skipIf(skipWithoutZooKeeper())("zookeeper queues (Candidates)", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("watchOne does not wait on behalf of a contender whose session has expired: its node is gone, the caller must look again", () =>
      Effect.gen(function* () {
        const root = freshRoot()
        const queue = `${root}/locks/wc__updateTopology`
        const first = yield* openCtx(root)
        const second = yield* openCtx(root)
        const holder = yield* Candidates.join(first.ctx, "lock", "/locks/wc", queue, "lock", Candidates.newToken())
        const mine = yield* Candidates.join(second.ctx, "lock", "/locks/wc", queue, "lock", Candidates.newToken())
        // In line behind the holder: the watch is set and waits.
        const watching = yield* Candidates.watchOne(second.ctx, "lock", "/locks/wc", `${queue}/${holder.name}`, mine)
        expect(Option.isSome(watching)).toBe(true)

        // The line was read in the old session; the watch is asked for in the new one, where the
        // holder is still there but `mine` is not. Waiting on the holder would wait forever.
        yield* expireSession(second)
        expect(yield* Candidates.line(second.ctx, "lock", "/locks/wc", queue, "lock")).toEqual([holder.name])
        const late = yield* Candidates.watchOne(second.ctx, "lock", "/locks/wc", `${queue}/${holder.name}`, mine)
        expect(Option.isNone(late)).toBe(true)
      }), { timeout: 40_000 })
  })
})
