import { describe, expect, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Deferred, Effect, Fiber, Option } from "effect"
import { spawnSync } from "node:child_process"
import type * as Proc from "../../../../plugins/schedulers/local/internal/Proc.js"
import * as State from "../../../../plugins/schedulers/local/internal/State.js"

/** A container record for a process that has ended and been reaped; `exit` stands for the exit
 * event of our own child, completed by the test when it chooses. */
const endedChild = (exit: Option.Option<Deferred.Deferred<Proc.ExitInfo>>): State.Container => {
  const pid = spawnSync("true").pid ?? -1
  return {
    index: 1, argv: ["true"], env: {}, pid, startTime: 0, restarts: 0, exit,
    startedAt: 0, backoffMs: 100, downSince: Option.none()
  }
}

describe("local scheduler: checking a container's process", () => {
  it.live("reports a child's exit code even when /proc shows it gone before Node delivers its exit event", () =>
    Effect.gen(function*() {
      const exit = yield* Deferred.make<Proc.ExitInfo>()
      const checking = yield* Effect.fork(State.checkExited(endedChild(Option.some(exit))))
      yield* Effect.sleep("100 millis")
      yield* Deferred.succeed(exit, { code: 3, signal: null })
      expect(yield* Fiber.join(checking)).toEqual(Option.some("exited with code 3"))
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.live("a process that is not ours is reported from /proc alone", () =>
    Effect.gen(function*() {
      const c = endedChild(Option.none())
      expect(yield* State.checkExited(c)).toEqual(Option.some(`process ${c.pid} is gone`))
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
