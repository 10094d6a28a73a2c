// Word-count shaped logical plans for the packing tests.
import type { Topology } from "../../../core/model/Topology.js"
import { TopologyBuilder, type TopologyOptions } from "../../../core/topology/index.js"
import { toLogicalPlan } from "../../../core/topology/LogicalPlan.js"
import { sentenceSpout, sinkBolt, splitBolt } from "../topology/fixtures.js"

export const MiB = 1024 * 1024
export const GiB = 1024 * MiB

/** sentence (1) → split (`split`) → count (`count`). */
export const wordCount = (split: number, count: number, options: TopologyOptions = {}, id = "wc-1"): Topology =>
  toLogicalPlan(
    new TopologyBuilder()
      .setSpout("sentence", sentenceSpout, 1)
      .setBolt("split", splitBolt, split).shuffleGrouping("sentence")
      .setBolt("count", sinkBolt, count).fieldsGrouping("split", ["word"])
      .build("word-count", options),
    id,
    "RUNNING"
  )

/** Each container as `id: component:task ...`, for compact assertions. */
export const layout = (plan: { readonly containers: ReadonlyArray<{ readonly id: number; readonly instances: ReadonlyArray<{ readonly componentName: string; readonly taskId: number }> }> }) =>
  plan.containers.map((c) => `${c.id}: ${c.instances.map((i) => `${i.componentName}:${i.taskId}`).join(" ")}`)
