/**
 * The in-process baseline, run in a child process of its own (fresh JIT, nothing else on its event
 * loop): the benchmark topology's own spout, split and count bolts, created with their `create()`
 * and called in a plain loop: the spout's `emit` calls split's `execute`, whose `emit` calls
 * count's `execute`. No engine, no serialization, no threads. Prints one JSON line:
 * `{ tuples, seconds, cpuSeconds, p50, p99 }` (tuples = words through the count bolt).
 *
 *   node --import tsx bench/internal/baseline-child.ts <warmupMs> <measureMs>
 */
import type { BoltCollector, SpoutCollector, TopologyContext, Tuple, Values } from "heron-runtime/topology"
import { countBolt, probes, sentenceSpout, splitBolt } from "../topologies/word-count.js"
import { quantile } from "./CountFiles.js"

const [warmupMs, measureMs] = process.argv.slice(2).map(Number)

const context = (componentName: string): TopologyContext => ({
  topologyName: "baseline",
  topologyId: "baseline",
  componentName,
  taskId: 1,
  componentIndex: 0,
  config: {},
  componentTasks: () => [1],
  registerMetric: (_name, metric) => metric
})

const tupleOf = (sourceComponent: string, fields: ReadonlyArray<string>, values: Values): Tuple => ({
  sourceComponent,
  sourceTask: 1,
  stream: "default",
  values,
  fields,
  get: (f) => values[fields.indexOf(f)],
  isTick: false
})

const SENTENCE_FIELDS = ["sentence", "at"]
const WORD_FIELDS = ["word", "at"]

const main = async () => {
  const spout = sentenceSpout.create()
  const split = splitBolt.create()
  const count = countBolt.create()
  const countCollector: BoltCollector = { emit: () => [], ack: () => {}, fail: () => {}, reportError: () => {} }
  const splitCollector: BoltCollector = {
    emit: (values) => {
      void count.execute(tupleOf("split", WORD_FIELDS, values))
      return []
    },
    ack: () => {},
    fail: () => {},
    reportError: () => {}
  }
  const spoutCollector: SpoutCollector = {
    emit: (values) => {
      void split.execute(tupleOf("sentence", SENTENCE_FIELDS, values))
      return []
    },
    reportError: () => {}
  }
  await count.prepare?.(context("count"), countCollector)
  await split.prepare?.(context("split"), splitCollector)
  await spout.open?.(context("sentence"), spoutCollector)
  const probe = probes[0]
  if (probe === undefined) throw new Error("the count bolt registered no probe")

  const run = (ms: number) => {
    const end = performance.now() + ms
    while (performance.now() < end) for (let i = 0; i < 1000; i++) void spout.nextTuple()
  }
  run(warmupMs ?? 1000)
  probe.samples.splice(0)
  const n0 = probe.executed
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  run(measureMs ?? 3000)
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const samples = probe.samples.splice(0)
  process.stdout.write(`${JSON.stringify({
    tuples: probe.executed - n0,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99)
  })}\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`)
  process.exit(1)
})
