/**
 * Word count: a spout emitting sentences from a fixed list forever → a bolt splitting them into
 * words (shuffle grouping) → a bolt counting words (fields grouping on "word", so each word is
 * always counted by the same task). Two containers.
 *
 *   heron submit local examples/word-count.ts
 *
 * At-most-once by default; with `--config-property topology.reliability.mode=ATLEAST_ONCE` the
 * spout tracks each sentence and the bolts anchor and ack, so the same file measures both modes.
 */
import {
  bolt,
  configKeys,
  CountMetric,
  GaugeMetric,
  spout,
  TopologyBuilder,
  type BoltCollector,
  type SpoutCollector
} from "heron-runtime/topology"

const sentences = [
  "the cow jumped over the moon",
  "an apple a day keeps the doctor away",
  "four score and seven years ago",
  "snow white and the seven dwarfs",
  "i am at two with nature"
]

const sentenceSpout = spout({
  outputs: { default: ["sentence"] },
  create: () => {
    let collector: SpoutCollector | undefined
    let tracked = false
    let next = 0
    return {
      open: (context, c) => {
        collector = c
        tracked = context.config[configKeys.reliability] === "ATLEAST_ONCE"
      },
      nextTuple: () => {
        const sentence = sentences[next % sentences.length] ?? ""
        collector?.emit([sentence], tracked ? { messageId: next } : {})
        next += 1
      }
    }
  }
})

const splitBolt = bolt({
  outputs: { default: ["word"] },
  create: () => {
    let collector: BoltCollector | undefined
    return {
      prepare: (_context, c) => {
        collector = c
      },
      execute: (tuple) => {
        for (const word of String(tuple.get("sentence")).split(" ")) collector?.emit([word], { anchors: [tuple] })
        collector?.ack(tuple)
      }
    }
  }
})

const countBolt = bolt({
  create: () => {
    let collector: BoltCollector | undefined
    const counts = new Map<string, number>()
    const counted = new CountMetric()
    const distinct = new GaugeMetric(0)
    return {
      prepare: (context, c) => {
        collector = c
        context.registerMetric("words-counted", counted)
        context.registerMetric("distinct-words", distinct)
      },
      execute: (tuple) => {
        if (tuple.isTick) return
        const word = String(tuple.get("word"))
        counts.set(word, (counts.get(word) ?? 0) + 1)
        counted.incr()
        distinct.set(counts.size)
        collector?.ack(tuple)
      }
    }
  }
})

export default new TopologyBuilder()
  .setSpout("sentence", sentenceSpout, 1)
  .setBolt("split", splitBolt, 2).shuffleGrouping("sentence")
  .setBolt("count", countBolt, 2).fieldsGrouping("split", ["word"])
  .build("word-count", { containers: 2 })
