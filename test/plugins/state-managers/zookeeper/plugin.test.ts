import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option, Schema } from "effect"
import { SchedulerLocation } from "../../../../core/model/Locations.js"
import { StateManager } from "../../../../core/StateManager.js"
import { Config, definition, layer as zookeeperLayer, zookeeper } from "../../../../plugins/state-managers/zookeeper/index.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { rawClient, TestZooKeeper, textOf, zkLayer } from "./helpers.js"

describe("zookeeper state-manager plugin", () => {
  it.effect("is a state-manager plugin named zookeeper, loadable from its module, with a typed factory", () => Effect.sync(() => {
    expect(definition.kind).toBe("state-manager")
    expect(definition.name).toBe("zookeeper")
    expect(definition.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(definition.module).toMatch(/plugins\/state-managers\/zookeeper\/index\.(ts|js)$/)
    const chosen = zookeeper({ connectionString: "zk1:2181,zk2:2181", root: "/prod", sessionTimeoutMs: 10_000 })
    expect(chosen.definition.name).toBe("zookeeper")
    expect(chosen.options).toEqual({ connectionString: "zk1:2181,zk2:2181", root: "/prod", sessionTimeoutMs: 10_000 })
  }))

  it.effect("decodes its config and rejects bad values", () => Effect.sync(() => {
    const decode = Schema.decodeUnknownEither(Config)
    expect(decode({ connectionString: "127.0.0.1:2181" })).toEqual(Either.right({ connectionString: "127.0.0.1:2181" }))
    expect(Either.isRight(decode({ connectionString: "a:1,b:2,c:3", root: "/", sessionTimeoutMs: 4000, connectTimeoutMs: 100 }))).toBe(true)
    for (const bad of [
      {},
      { connectionString: "" },
      { connectionString: "no-port" },
      { connectionString: "zk:2181/chroot" },
      { connectionString: "zk:2181", root: "relative" },
      { connectionString: "zk:2181", root: "/heron/" },
      { connectionString: "zk:2181", root: "/a//b" },
      { connectionString: "zk:2181", sessionTimeoutMs: 0 },
      { connectionString: "zk:2181", connectTimeoutMs: 1.5 },
      { connectionString: "zk:2181", auth: { scheme: "sasl", credentials: "u:p" } }
    ]) expect(Either.isLeft(decode(bad)), JSON.stringify(bad)).toBe(true)
  }))
})

describe.skipIf(skipWithoutZooKeeper())("zookeeper state-manager plugin against a server", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("serves the StateManager under the default root /heron", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const config = yield* Schema.decodeUnknown(Config)({ connectionString: zk.connectionString, sessionTimeoutMs: 4000 })
        const sm = Context.get(yield* Layer.build(zookeeperLayer(config)), StateManager)
        const loc = new SchedulerLocation({ topologyName: "wc", httpEndpoint: "http://localhost:1", jobPageLinks: [] })
        yield* sm.set("schedulers", "wc", loc)
        expect(yield* sm.get("schedulers", "wc")).toEqual(Option.some(loc))
        const raw = yield* rawClient(zk.connectionString)
        expect(Option.map(yield* textOf(raw, "/heron/schedulers/wc"), (t) => JSON.parse(t))).toEqual(
          Option.some({ topologyName: "wc", httpEndpoint: "http://localhost:1", jobPageLinks: [] })
        )
      }))

    it.scoped("fails with a PluginError naming the ensemble when it cannot connect in time", () =>
      Effect.gen(function* () {
        const config = yield* Schema.decodeUnknown(Config)({ connectionString: "127.0.0.1:1", connectTimeoutMs: 300 })
        const started = Date.now()
        const err = yield* Effect.flip(Layer.build(zookeeperLayer(config)))
        expect(Date.now() - started).toBeLessThan(2000)
        expect(err.plugin).toBe("state-manager/zookeeper")
        expect(err.message).toContain("cannot connect to ZooKeeper at 127.0.0.1:1")
        expect(err.message).toContain("CONNECTION_LOSS (-4)")
      }))
  })
})
