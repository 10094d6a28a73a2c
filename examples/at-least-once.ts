/**
 * At-least-once with a known, finite input, for tests: the spout emits ids 0..N-1 (N from
 * `HERON_EXAMPLE_COUNT`, default 10000) with `messageId = id` and emits an id again when it fails
 * or times out; a relay bolt passes each id on, anchored; a record bolt notes every id it sees.
 *
 * Where: when `HERON_EXAMPLE_OUT` names a file, one line per event is appended to it:
 * `seen <id>` (record bolt), `acked <id>` and `failed <id>` (spout). Every id must end up both
 * seen and acked, whatever container dies meanwhile. The variables are read when the instances
 * start, in the container processes (which inherit the runtime's environment);
 * `HERON_EXAMPLE_TIMEOUT_SECS` (default 10) is read at submit, for the message timeout.
 */
import { appendFileSync } from "node:fs"
import { bolt, spout, TopologyBuilder, type BoltCollector, type SpoutCollector } from "heron-runtime/topology"

const numberFrom = (raw: string | undefined, fallback: number) => {
  const n = Number(raw)
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : fallback
}

/** Appends one line to `$HERON_EXAMPLE_OUT` (a no-op without it). */
const record = (line: string) => {
  const out = process.env["HERON_EXAMPLE_OUT"]
  if (out !== undefined && out !== "") appendFileSync(out, `${line}\n`)
}

const numbersSpout = spout({
  outputs: { default: ["id"] },
  create: () => {
    let collector: SpoutCollector | undefined
    const replay: Array<number> = []
    let next = 0
    let end = 0
    let step = 1
    return {
      open: (context, c) => {
        collector = c
        end = numberFrom(process.env["HERON_EXAMPLE_COUNT"], 10_000)
        // Several spout tasks share the ids: task k of p emits k, k + p, k + 2p, ...
        next = context.componentIndex
        step = context.componentTasks(context.componentName).length
      },
      nextTuple: () => {
        let id = replay.shift()
        if (id === undefined && next < end) {
          id = next
          next += step
        }
        if (id !== undefined) collector?.emit([id], { messageId: id })
      },
      ack: (id) => record(`acked ${String(id)}`),
      fail: (id) => {
        record(`failed ${String(id)}`)
        if (typeof id === "number") replay.push(id)
      }
    }
  }
})

const relayBolt = bolt({
  outputs: { default: ["id"] },
  create: () => {
    let collector: BoltCollector | undefined
    return {
      prepare: (_context, c) => {
        collector = c
      },
      execute: (tuple) => {
        collector?.emit([tuple.get("id")], { anchors: [tuple] })
        collector?.ack(tuple)
      }
    }
  }
})

const recordBolt = bolt({
  create: () => {
    let collector: BoltCollector | undefined
    return {
      prepare: (_context, c) => {
        collector = c
      },
      execute: (tuple) => {
        if (tuple.isTick) return
        record(`seen ${String(tuple.get("id"))}`)
        collector?.ack(tuple)
      }
    }
  }
})

export default new TopologyBuilder()
  .setSpout("numbers", numbersSpout, 1)
  .setBolt("relay", relayBolt, 2).shuffleGrouping("numbers")
  .setBolt("record", recordBolt, 2).fieldsGrouping("relay", ["id"])
  .build("at-least-once", {
    containers: 2,
    reliability: "at-least-once",
    messageTimeoutSecs: numberFrom(process.env["HERON_EXAMPLE_TIMEOUT_SECS"], 10)
  })
