import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Context, Effect } from "effect"
import * as LocalFsStore from "../../../../plugins/state-managers/localfs/LocalFsStore.js"
import { describeStateManagerContract } from "../contract.js"
import { tempRoot } from "./helpers.js"

// Every store of a test shares one temp directory, as runtimes of one host share HERON_HOME. The
// poll is short: a dead owner shows by it, not by an fs event.
describeStateManagerContract("localfs", NodeContext.layer, Effect.gen(function* () {
  const root = yield* tempRoot
  // Only the platform: the store's scope must stay the one it is opened in.
  const platform = Context.pick(FileSystem.FileSystem, Path.Path)(yield* Effect.context<FileSystem.FileSystem | Path.Path>())
  return { open: LocalFsStore.make({ root, pollInterval: "50 millis" }).pipe(Effect.provide(platform)) }
}))
