/**
 * The leader of the fail-over measurement, in a process of its own so that it can be SIGKILLed:
 * `node --import tsx leader-child.ts <connectionString> <root> <sessionTimeoutMs>`. Opens a
 * ZooKeeper store, campaigns for cluster `bench` through the StateManager, and prints
 * `leader true|false` on each change.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Duration, Effect, Stream } from "effect"
import { makeStateManager } from "../../core/state/makeStateManager.js"
import * as ZkStore from "../../plugins/state-managers/zookeeper/ZkStore.js"

const [connectionString = "", root = "", sessionMs = "4000"] = process.argv.slice(2)
const say = (line: string) => Effect.sync(() => process.stdout.write(`${line}\n`))

const program = Effect.gen(function* () {
  const store = yield* ZkStore.make({ connectionString, root, sessionTimeout: Duration.millis(Number(sessionMs)) })
  yield* say("ready")
  yield* makeStateManager(store).leadership("bench").pipe(Stream.runForEach((leads) => say(`leader ${leads}`)))
})

NodeRuntime.runMain(program.pipe(Effect.scoped))
