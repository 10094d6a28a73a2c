import { describe, expect, layer } from "@effect/vitest"
import { Effect, Either, Layer, Option, Redacted, Schema } from "effect"
import { createHash, randomUUID } from "node:crypto"
import type { ACL, Client } from "node-zookeeper-client"
import { Config, layer as zookeeperLayer } from "../../../../plugins/state-managers/zookeeper/index.js"
import { skipWithoutZooKeeper } from "../../../support/services/zookeeper.js"
import { freshRoot, openStore, rawClient, readText, TestZooKeeper, text, zkLayer } from "./helpers.js"

const aclOf = (client: Client, path: string) =>
  Effect.async<ReadonlyArray<ACL>, Error>((resume) =>
    client.getACL(path, (e, acls) => resume(e ? Effect.fail(new Error(String(e))) : Effect.succeed(acls))))

// The client library's ACL objects carry the permissions as `permission` (its typings say `perms`).
const plain = (acls: ReadonlyArray<ACL>) => acls.map((a) => ({ perms: Reflect.get(a, "permission"), scheme: a.id.scheme, id: a.id.id }))

describe.skipIf(skipWithoutZooKeeper())("zookeeper digest auth", () => {
  layer(zkLayer(), { timeout: "60 seconds", excludeTestServices: true })((it) => {
    it.scoped("nodes get a creator-only ACL: the same credentials read and write them, others get NO_AUTH, and the secret shows nowhere", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const password = `pw-${randomUUID()}`
        const secret = `heron:${password}`
        const store = yield* openStore(root, { digest: Redacted.make(secret) })
        yield* store.write("/topologies/wc", text("private"), { ephemeral: false })

        // ZooKeeper's digest id is user:base64(sha1(user:password)); ALL permissions, for it alone.
        // (Reading an ACL takes READ or ADMIN permission itself, hence the credentials here.)
        const raw = yield* rawClient(zk.connectionString, secret)
        const digestId = `heron:${createHash("sha1").update(secret).digest("base64")}`
        for (const path of [root, `${root}/topologies`, `${root}/topologies/wc`]) {
          expect(plain(yield* aclOf(raw, path))).toEqual([{ perms: 31, scheme: "digest", id: digestId }])
        }

        const same = yield* openStore(root, { digest: Redacted.make(secret) })
        expect(yield* readText(same, "/topologies/wc")).toEqual(Option.some("private"))
        yield* same.write("/topologies/wc", text("changed"), { ephemeral: false })
        expect(yield* readText(store, "/topologies/wc")).toEqual(Option.some("changed"))

        const anonymous = yield* openStore(root)
        const wrong = yield* openStore(root, { digest: Redacted.make("heron:not-the-password") })
        const errors = [
          yield* Effect.flip(anonymous.read("/topologies/wc")),
          yield* Effect.flip(wrong.read("/topologies/wc")),
          yield* Effect.flip(anonymous.write("/topologies/other", text("x"), { ephemeral: false }))
        ]
        for (const err of errors) {
          expect(err._tag).toBe("StateError")
          expect(err.message).toContain("NO_AUTH (-102)")
          expect(err.message).toContain(`${root}/topologies/`)
          expect(err.message).not.toContain(password)
          expect(JSON.stringify(err)).not.toContain(password)
        }
        expect(errors[0]?.path).toBe("/topologies/wc")
        expect(errors[2]?.path).toBe("/topologies/other")
      }))

    it.scoped("without auth, nodes are open to everyone", () =>
      Effect.gen(function* () {
        const zk = yield* TestZooKeeper
        const root = freshRoot()
        const store = yield* openStore(root)
        yield* store.write("/topologies/wc", text("open"), { ephemeral: false })
        const raw = yield* rawClient(zk.connectionString)
        expect(plain(yield* aclOf(raw, `${root}/topologies/wc`))).toEqual([{ perms: 31, scheme: "world", id: "anyone" }])
      }))

    it.effect("the credentials decode into a Redacted: printed or serialized configs and decode errors do not show them", () =>
      Effect.gen(function* () {
        const password = `pw-${randomUUID()}`
        const config = yield* Schema.decodeUnknown(Config)({
          connectionString: "127.0.0.1:2181",
          auth: { scheme: "digest", credentials: `heron:${password}` }
        })
        expect(Redacted.value(Option.getOrThrow(Option.fromNullable(config.auth)).credentials)).toBe(`heron:${password}`)
        expect(String(config.auth?.credentials)).not.toContain(password)
        expect(JSON.stringify(config)).not.toContain(password)
        expect(`${JSON.stringify(config.auth)}`).toContain("<redacted>")

        // A malformed value is refused without being echoed.
        const bad = yield* Effect.either(Schema.decodeUnknown(Config)({
          connectionString: "127.0.0.1:2181",
          auth: { scheme: "digest", credentials: password }
        }))
        expect(Either.isLeft(bad)).toBe(true)
        if (Either.isLeft(bad)) {
          expect(bad.left.message).toContain("user:password")
          expect(bad.left.message).not.toContain(password)
        }
      }))

    it.scoped("a failure to connect is a PluginError naming the ensemble, without the secret", () =>
      Effect.gen(function* () {
        const password = `pw-${randomUUID()}`
        const config = yield* Schema.decodeUnknown(Config)({
          connectionString: "127.0.0.1:1",
          connectTimeoutMs: 500,
          auth: { scheme: "digest", credentials: `heron:${password}` }
        })
        const err = yield* Effect.flip(Effect.scoped(Layer.build(zookeeperLayer(config))))
        expect(err._tag).toBe("PluginError")
        expect(err.plugin).toBe("state-manager/zookeeper")
        expect(err.message).toContain("127.0.0.1:1")
        expect(err.message).not.toContain(password)
      }))
  })
})
