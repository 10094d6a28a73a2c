import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { stateKinds } from "../../../../core/StateManager.js"
import { makeStateManager } from "../../../../core/state/makeStateManager.js"
import { samples } from "../samples.js"
import { tempStore } from "./helpers.js"

layer(NodeContext.layer, { excludeTestServices: true })("localfs through makeStateManager", (it) => {
  describe("every kind of state", () => {
    for (const kind of stateKinds) {
      it.scoped(`round-trips ${kind}`, () =>
        Effect.gen(function* () {
          const { root, store } = yield* tempStore()
          const sm = makeStateManager(store)
          expect(yield* sm.get(kind, "wc")).toEqual(Option.none())
          yield* sm.set(kind, "wc", samples[kind])
          expect(yield* sm.get(kind, "wc")).toEqual(Option.some(samples[kind]))
          expect(yield* sm.list(kind)).toEqual(["wc"])

          // Heron's layout: one file per topology in the kind's folder, header line + JSON value.
          const [header, ...value] = readFileSync(join(root, kind, "wc"), "utf8").split("\n")
          const parsed: unknown = JSON.parse(header ?? "")
          expect(parsed).toMatchObject({ heron: "localfs/1" })
          expect(typeof parsed === "object" && parsed !== null && "owner" in parsed).toBe(["tmanagers", "metricscaches", "schedulers", "runtimes"].includes(kind))
          expect(() => JSON.parse(value.join("\n"))).not.toThrow()

          yield* sm.delete(kind, "wc")
          expect(yield* sm.get(kind, "wc")).toEqual(Option.none())
          expect(yield* sm.list(kind)).toEqual([])
          // Deleting what is absent succeeds.
          yield* sm.delete(kind, "wc")
        }))
    }
  })
})
