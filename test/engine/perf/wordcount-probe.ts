/**
 * Where the CPU of word count goes, engine side (not a test: nothing is asserted). The real
 * runners (SpoutRunner, BoltRunner), emitters, outboxes and stream manager data planes run in ONE
 * thread, wired as the executor wires them but with a turn of the event loop for each hop instead
 * of a worker message or a socket: the CPU it takes per word is the CPU the engine spends per word
 * across all its threads, without the messaging. A CPU profile of it (`--cpu-prof`) shows every
 * piece side by side.
 *
 *   node --import tsx test/engine/perf/wordcount-probe.ts [--seconds 3] [--containers 2]
 *     [--split 2] [--count 2] [--pending 1000] [--modes amo,alo]
 *
 * sentences → split (shuffle) → count (fields on "word"); tasks are spread round-robin over the
 * containers, which talk through their data planes as stream managers do (FrameReader on a copy
 * of each batch, as a socket gives it).
 */
import { DataPlane } from "../../../core/engine/internal/DataPlane.js"
import { BoltRunner } from "../../../core/engine/internal/BoltRunner.js"
import { FrameReader } from "../../../core/engine/internal/FrameReader.js"
import type { InstanceBase, InstanceIO } from "../../../core/engine/internal/InstanceBase.js"
import { SpoutRunner } from "../../../core/engine/internal/SpoutRunner.js"
import { watermarksOf } from "../../../core/engine/internal/StmgrConfig.js"
import type { PlanMessage } from "../../../core/engine/internal/WorkerProtocol.js"
import { bolt, spout, type BoltCollector, type SpoutCollector } from "../../../core/topology/Api.js"
import { TopologyBuilder } from "../../../core/topology/TopologyBuilder.js"

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] ?? fallback : fallback
}

const SENTENCES = ["the cow jumped over the moon", "an apple a day keeps the doctor away", "four score and seven years ago",
  "snow white and the seven dwarfs", "i am at two with nature"]

let counted = 0

const topology = (split: number, count: number) =>
  new TopologyBuilder()
    .setSpout("sentences", spout({
      outputs: { default: ["sentence"] },
      create: () => {
        let c: SpoutCollector | undefined
        let i = 0
        let tracked = false
        return {
          open: (ctx, collector) => {
            c = collector
            tracked = ctx.config["topology.reliability.mode"] === "ATLEAST_ONCE"
          },
          nextTuple: () => {
            i++
            c?.emit([SENTENCES[i % SENTENCES.length]!], tracked ? { messageId: i } : undefined)
          }
        }
      }
    }), 1)
    .setBolt("split", bolt({
      outputs: { default: ["word"] },
      create: () => {
        let c: BoltCollector | undefined
        return {
          prepare: (_ctx, collector) => void (c = collector),
          execute: (t) => {
            for (const w of String(t.values[0]).split(" ")) c?.emit([w], { anchors: [t] })
            c?.ack(t)
          }
        }
      }
    }), split).shuffleGrouping("sentences")
    .setBolt("count", bolt({
      create: () => {
        let c: BoltCollector | undefined
        const counts = new Map<string, number>()
        return {
          prepare: (_ctx, collector) => void (c = collector),
          execute: (t) => {
            const w = String(t.values[0])
            counts.set(w, (counts.get(w) ?? 0) + 1)
            counted++
            c?.ack(t)
          }
        }
      }
    }), count).fieldsGrouping("split", ["word"])
    .build("wordcount-probe")

const run = async (reliable: boolean, seconds: number, containers: number, split: number, count: number, pending: number) => {
  const built = topology(split, count)
  const tasks: Record<string, Array<number>> = {}
  const containerOf: Record<string, number> = {}
  const specs: Array<{ readonly task: number; readonly c: number; readonly component: number; readonly index: number }> = []
  let task = 1
  built.components.forEach((comp, component) => {
    const n = comp.name === "sentences" ? 1 : comp.name === "split" ? split : count
    for (let index = 0; index < n; index++, task++) {
      const c = 1 + ((task - 1) % containers)
      ;(tasks[comp.name] ??= []).push(task)
      containerOf[String(task)] = c
      specs.push({ task, c, component, index })
    }
  })
  const config: Record<string, string> = {
    "topology.reliability.mode": reliable ? "ATLEAST_ONCE" : "ATMOST_ONCE",
    "topology.max.spout.pending": String(pending),
    "topology.metrics.interval.secs": "3600"
  }
  const planes = new Map<number, DataPlane>()
  const runners: Array<InstanceBase> = []
  for (let c = 1; c <= containers; c++) {
    planes.set(c, new DataPlane({
      container: c, localTasks: specs.filter((s) => s.c === c).map((s) => s.task), watermarks: watermarksOf({}), messageTimeoutMs: 30_000,
      onPaused: (p) => {
        for (const r of runners) r.onThrottle(p)
      }
    }))
  }
  for (const [c, plane] of planes) {
    plane.setPlan(new Map(specs.filter((s) => s.c !== c).map((s) => [s.task, s.c])))
    for (const [d, other] of planes) {
      if (d === c) continue
      // A socket: the receiver reads a copy, cut wherever; nothing is queued in this one.
      const reader = new FrameReader((buf, start, end, owned) => other.fromPeer(buf, start, end, owned), undefined, (n) => other.pool.take(n))
      plane.attachPeer(d, { send: (b) => void setImmediate(() => reader.push(Buffer.from(b))), queued: () => 0 })
    }
  }
  for (const s of specs) {
    const plane = planes.get(s.c)!
    const comp = built.components[s.component]!
    const io: InstanceIO = {
      send: (b) => void setImmediate(() => plane.fromInstance(Buffer.from(b.buffer, b.byteOffset, b.byteLength), true)),
      control: (m) => {
        if (m.t === "consumed") plane.consumed(s.task, m.bytes, m.buffer)
      },
      die: (e) => {
        throw e
      }
    }
    const id = { topology: built, component: comp, taskId: s.task, componentIndex: s.index }
    const r = comp.spec.kind === "spout" ? new SpoutRunner(id, io, comp.spec.create()) : new BoltRunner(id, io, comp.spec.create())
    runners.push(r)
    const plan: PlanMessage = { t: "plan", tasks, containers: containerOf, self: s.c, active: true, config, topologyId: "probe" }
    r.onPlan(plan)
    plane.attachInstance(s.task, { send: (b) => void setImmediate(() => r.onFrames(Buffer.from(b.buffer, b.byteOffset, b.byteLength))) })
  }
  await new Promise((r) => setTimeout(r, 1000))
  const n0 = counted
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const cpu = process.cpuUsage(c0)
  const n = counted - n0
  const wall = (performance.now() - t0) / 1000
  for (const r of runners) await r.stop()
  const acked = [...planes.values()].reduce((a, p) => a + p.stats.acked, 0)
  return { perSec: n / wall, perCpuSec: n / ((cpu.user + cpu.system) / 1e6), acked }
}

const main = async () => {
  const seconds = Number(arg("seconds", "3"))
  const containers = Number(arg("containers", "2"))
  const split = Number(arg("split", "2"))
  const count = Number(arg("count", "2"))
  const pending = Number(arg("pending", "1000"))
  console.log(`word count in one thread: ${containers} container(s), split ${split}, count ${count}, max.spout.pending ${pending}`)
  const results = new Map<string, number>()
  for (const mode of arg("modes", "amo,alo").split(",")) {
    const r = await run(mode === "alo", seconds, containers, split, count, pending)
    results.set(mode, r.perCpuSec)
    console.log(`${mode}  ${Math.round(r.perSec).toLocaleString("en").padStart(12)} words/s  ${Math.round(r.perCpuSec).toLocaleString("en").padStart(12)} words/CPU-s${mode === "alo" ? `  (${r.acked.toLocaleString("en")} sentences acked)` : ""}`)
  }
  const amo = results.get("amo")
  const alo = results.get("alo")
  if (amo !== undefined && alo !== undefined) console.log(`at-least-once / at-most-once, per CPU-second: ${((100 * alo) / amo).toFixed(0)}%`)
  process.exit(0)
}

void main()
