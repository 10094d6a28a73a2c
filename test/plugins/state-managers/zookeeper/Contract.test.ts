import { Effect } from "effect"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { describeStateManagerContract } from "../contract.js"
import { freshRoot, openStore, TestZooKeeper, zkLayer } from "./helpers.js"

// One server for the file; each test its own root, each store its own session (2 s timeout).
describeStateManagerContract("zookeeper", zkLayer(), Effect.gen(function* () {
  const zk = yield* TestZooKeeper
  const root = freshRoot()
  return { open: openStore(root).pipe(Effect.provideService(TestZooKeeper, zk)) }
}), { skip: skipWithoutZooKeeper() })
