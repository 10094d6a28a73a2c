import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Topology } from "../../../core/model/Topology.js"
import { pack, PackingError } from "../../../core/packing/index.js"
import { GiB, layout, MiB, wordCount } from "./fixtures.js"

describe("round-robin packing", () => {
  it.effect("deals word count's instances over 2 containers in task order, with resources plus padding", () =>
    Effect.gen(function* () {
      const plan = yield* pack({ topology: wordCount(2, 2, { containers: 2 }), algorithm: "round-robin" })
      expect(plan.id).toBe("wc-1")
      expect(layout(plan)).toEqual(["1: sentence:1 split:3 count:5", "2: split:2 count:4"])
      const [c1, c2] = plan.containers
      expect(c1?.instances.map((i) => i.componentIndex)).toEqual([0, 1, 1])
      expect(c1?.instances[0]?.resources).toEqual(expect.objectContaining({ cpu: 1, ram: 512 * MiB, disk: GiB }))
      // 3 instances of 1 core / 512 MiB / 1 GiB, plus 1 core / 512 MiB / 1 GiB of padding
      expect({ ...c1?.requiredResources }).toEqual({ cpu: 4, ram: 2 * GiB, disk: 4 * GiB })
      expect({ ...c2?.requiredResources }).toEqual({ cpu: 3, ram: 1536 * MiB, disk: 3 * GiB })
    }))

  it.effect("uses per-component resources and the padding keys", () =>
    Effect.gen(function* () {
      const topology = wordCount(2, 2, {
        containers: 1,
        componentResources: { count: { cpu: 0.25, ram: 100 * MiB } },
        config: { "topology.container.cpu.padding": 0.5, "topology.container.ram.padding": 0, "topology.container.disk.padding": 0 }
      })
      const plan = yield* pack({ topology, algorithm: "round-robin" })
      expect(layout(plan)).toEqual(["1: sentence:1 split:2 split:3 count:4 count:5"])
      expect({ ...plan.containers[0]?.requiredResources }).toEqual({ cpu: 4, ram: 3 * 512 * MiB + 200 * MiB, disk: 5 * GiB })
    }))

  it.effect("fails with the numbers when one instance is over the limits", () =>
    Effect.gen(function* () {
      const topology = wordCount(2, 2, { containers: 2, componentResources: { count: { ram: 4 * GiB } } })
      const e = yield* Effect.flip(pack({ topology, algorithm: "round-robin", containerLimits: { ram: 2 * GiB } }))
      expect(e).toBeInstanceOf(PackingError)
      expect(e.message).toBe(
        "instance count:4 asks ram 4294967296 bytes but a container holds at most 1610612736 bytes for instances " +
          "(limit 2147483648 minus padding 536870912)"
      )
    }))

  it.effect("fails with the numbers when a container's share is over the limits", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(pack({ topology: wordCount(2, 2, { containers: 1 }), algorithm: "round-robin", containerLimits: { cpu: 4 } }))
      expect(e.message).toMatch(/^container 1 needs cpu 6 \(5 instances plus padding 1\) but a container holds at most 4/)
    }))
})

describe("resource-compliant round-robin packing", () => {
  it.effect("without limits, packs as round-robin does", () =>
    Effect.gen(function* () {
      const plan = yield* pack({ topology: wordCount(2, 2, { containers: 2 }), algorithm: "resource-compliant-round-robin" })
      expect(layout(plan)).toEqual(["1: sentence:1 split:3 count:5", "2: split:2 count:4"])
    }))

  it.effect("adds containers while the limits are hit, keeping instances spread round-robin", () =>
    Effect.gen(function* () {
      // 1.5 GiB holds 2 instances of 512 MiB plus 512 MiB of padding: 5 instances need 3 containers
      const plan = yield* pack({ topology: wordCount(2, 2), algorithm: "resource-compliant-round-robin", containerLimits: { ram: 1536 * MiB } })
      expect(layout(plan)).toEqual(["1: sentence:1 count:4", "2: split:2 count:5", "3: split:3"])
      for (const c of plan.containers) expect(c.requiredResources.ram).toBeLessThanOrEqual(1536 * MiB)
    }))

  it.effect("takes the smaller of the cluster limit and the topology's max hint", () =>
    Effect.gen(function* () {
      const topology = wordCount(2, 2, { containers: 1, config: { "topology.container.max.cpu.hint": 3 } })
      const plan = yield* pack({ topology, algorithm: "resource-compliant-round-robin", containerLimits: { cpu: 10 } })
      expect(plan.containers.map((c) => c.instances.length)).toEqual([2, 2, 1])
      const looser = yield* pack({ topology: wordCount(2, 2, { containers: 1, config: { "topology.container.max.cpu.hint": 30 } }), algorithm: "resource-compliant-round-robin", containerLimits: { cpu: 4 } })
      expect(looser.containers.map((c) => c.instances.length)).toEqual([3, 2])
    }))

  it.effect("fails with the numbers when an instance cannot fit an empty container", () =>
    Effect.gen(function* () {
      const topology = wordCount(2, 2, { componentResources: { split: { disk: 20 * GiB } } })
      const e = yield* Effect.flip(pack({ topology, algorithm: "resource-compliant-round-robin", containerLimits: { disk: 10 * GiB } }))
      expect(e._tag).toBe("PackingError")
      expect(e.message).toBe(
        `instance split:2 asks disk ${20 * GiB} bytes but a container holds at most ${9 * GiB} bytes for instances ` +
          `(limit ${10 * GiB} minus padding ${GiB})`
      )
    }))

  it.effect("reports a malformed packing key (e.g. from --config-property)", () =>
    Effect.gen(function* () {
      const built = wordCount(1, 1)
      const topology = new Topology({ ...built, config: { ...built.config, "topology.container.ram.padding": "lots" } })
      const e = yield* Effect.flip(pack({ topology, algorithm: "round-robin" }))
      expect(e.message).toBe(`topology.container.ram.padding must be a number >= 0, got "lots"`)
    }))
})
