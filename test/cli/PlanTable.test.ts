import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { planJson, renderPlan, table } from "../../core/cli/heron/PlanTable.js"
import { pack } from "../../core/packing/index.js"
import { toLogicalPlan } from "../../core/topology/LogicalPlan.js"
import { built } from "../supervisor/seed.js"

describe("dry-run output", () => {
  it("a bordered table sized to its cells", () => {
    expect(table(["a", "long header"], [["xyz", "1"]])).toBe([
      "+-----+-------------+",
      "| a   | long header |",
      "+-----+-------------+",
      "| xyz | 1           |",
      "+-----+-------------+"
    ].join("\n"))
  })

  it.effect("the packing plan as tables: containers, then each container's instances", () =>
    Effect.gen(function*() {
      const topology = toLogicalPlan(built("wc", 2, 3), "wc-1", "RUNNING")
      const plan = yield* pack({ topology, algorithm: "round-robin" })
      const text = renderPlan("wc", plan)
      expect(text.split("\n")[0]).toBe("packing plan of wc (id wc-1): 2 containers, 4 instances; container 0 (TManager) not included")
      expect(text).toContain("| container | instances | cpu | ram (MB) | disk (MB) |")
      expect(text).toMatch(/\| 1 +\| 2 +\| 3 +\| 1536 +\| 3072 +\|/)
      expect(text).toContain("container 2\n+")
      expect(text).toMatch(/\| numbers +\| 1 +\| 0 +\| 1 +\| 512 +\| 1024 +\|/)
      expect(planJson("wc", plan)).toMatchObject({
        topology: "wc",
        id: "wc-1",
        containers: [
          { id: 1, instances: [{ componentName: "numbers", taskId: 1, componentIndex: 0, resources: { cpu: 1, ram: 536870912, disk: 1073741824 } }, {}] },
          { id: 2, instances: [{}, {}] }
        ]
      })
    }))
})
