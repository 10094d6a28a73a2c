import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { pack, repack } from "../../../core/packing/index.js"
import { taskAssignment } from "../../../core/topology/LogicalPlan.js"
import { GiB, layout, wordCount } from "./fixtures.js"

const current = pack({ topology: wordCount(2, 2, { containers: 2 }), algorithm: "round-robin" })

describe("repack", () => {
  it.effect("keeps existing instances in their containers and adds new ones to the least loaded", () =>
    Effect.gen(function* () {
      const before = yield* current
      expect(layout(before)).toEqual(["1: sentence:1 split:3 count:5", "2: split:2 count:4"])
      const topology = wordCount(4, 2, { containers: 2 }, "wc-2")
      const after = yield* repack(before, topology)
      expect(after.id).toBe("wc-2")
      // split#0 stays on 2, split#1 on 1, count#0 on 2, count#1 on 1; split#2 → 2 (fewer), split#3 → 1 (tie: lowest id)
      const where = (p: typeof after) =>
        p.containers.flatMap((c) => c.instances.map((i) => `${i.componentName}#${i.componentIndex}@${c.id}`)).sort()
      expect(where(after)).toEqual([
        "count#0@2", "count#1@1", "sentence#0@1", "split#0@2", "split#1@1", "split#2@2", "split#3@1"
      ])
      for (const kept of where(before)) expect(where(after)).toContain(kept)
      // task ids follow the new topology's numbering
      expect(layout(after)).toEqual(["1: sentence:1 split:3 split:5 count:7", "2: split:2 split:4 count:6"])
      const ids = after.containers.flatMap((c) => c.instances.map((i) => i.taskId)).sort((a, b) => a - b)
      expect(ids).toEqual([...taskAssignment(topology).values()].flat().sort((a, b) => a - b))
      expect(after.containers[0]?.requiredResources.cpu).toBe(5)
    }))

  it.effect("removes dropped instances and leaves the others in place", () =>
    Effect.gen(function* () {
      const after = yield* repack(yield* current, wordCount(1, 1, { containers: 2 }))
      expect(layout(after)).toEqual(["1: sentence:1", "2: split:2 count:3"])
    }))

  it.effect("a new number of containers packs afresh over that number", () =>
    Effect.gen(function* () {
      const after = yield* repack(yield* current, wordCount(2, 2), 3)
      expect(layout(after)).toEqual(["1: sentence:1 count:4", "2: split:2 count:5", "3: split:3"])
      const same = yield* repack(yield* current, wordCount(2, 2), 2)
      expect(layout(same)).toEqual(layout(yield* current))
      const bad = yield* Effect.flip(repack(yield* current, wordCount(2, 2), 0))
      expect(bad.message).toMatch(/must be an integer >= 1, got 0/)
    }))

  it.effect("resource-compliant repack adds a container when the new instances fit none", () =>
    Effect.gen(function* () {
      const limits = { ram: 2 * GiB } // 3 instances of 512 MiB plus 512 MiB of padding
      const before = yield* pack({ topology: wordCount(2, 2, { containers: 2 }), algorithm: "resource-compliant-round-robin", containerLimits: limits })
      expect(layout(before)).toEqual(["1: sentence:1 split:3 count:5", "2: split:2 count:4"])
      const after = yield* repack(before, wordCount(4, 2, { containers: 2 }), undefined, {
        algorithm: "resource-compliant-round-robin",
        containerLimits: limits
      })
      expect(layout(after)).toEqual(["1: sentence:1 split:3 count:7", "2: split:2 split:4 count:6", "3: split:5"])
    }))

  it.effect("round-robin repack fails with the numbers when the new instances do not fit", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(repack(yield* current, wordCount(4, 2, { containers: 2 }), undefined, { containerLimits: { cpu: 4 } }))
      expect(e.message).toMatch(/^container 1 needs cpu 5 \(4 instances plus padding 1\) but a container holds at most 4/)
    }))
})
