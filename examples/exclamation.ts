/**
 * Heron's ExclamationTopology: a spout emitting words → a bolt appending "!!!" → another bolt
 * appending "!!!" again, both with shuffle grouping. Two containers.
 *
 *   heron submit local examples/exclamation.ts
 */
import { bolt, spout, TopologyBuilder, type BoltCollector, type SpoutCollector } from "heron-runtime/topology"

const words = ["nathan", "mike", "jackson", "golda", "bertels"]

const wordSpout = spout({
  outputs: { default: ["word"] },
  create: () => {
    let collector: SpoutCollector | undefined
    let next = 0
    return {
      open: (context, c) => {
        collector = c
        // Tasks start at different words so that two spouts do not emit in lockstep.
        next = context.componentIndex
      },
      nextTuple: () => {
        collector?.emit([words[next % words.length] ?? ""])
        next += 1
      }
    }
  }
})

const exclaimBolt = bolt({
  outputs: { default: ["word"] },
  create: () => {
    let collector: BoltCollector | undefined
    return {
      prepare: (_context, c) => {
        collector = c
      },
      execute: (tuple) => {
        collector?.emit([`${String(tuple.get("word"))}!!!`], { anchors: [tuple] })
        collector?.ack(tuple)
      }
    }
  }
})

export default new TopologyBuilder()
  .setSpout("word", wordSpout, 2)
  .setBolt("exclaim1", exclaimBolt, 2).shuffleGrouping("word")
  .setBolt("exclaim2", exclaimBolt, 2).shuffleGrouping("exclaim1")
  .build("exclamation", { containers: 2 })
