import { Harness, sleep } from "./internal/Harness.js"
import { deploy, measure, writeControl } from "./internal/Scenarios.js"
import { join } from "node:path"
const h = new Harness(process.cwd())
process.on("SIGINT", () => void h.cleanup().then(() => process.exit(1)))
try {
  await h.startRuntime()
  const d = await deploy(h, join(process.cwd(), "bench/topologies/word-count.ts"), { name: "t1", containers: Number(process.argv[2] ?? 2), reliable: process.argv[3] === "alo", rate: "max" })
  console.log("containers", d.containers, "first", d.submitToFirstMs, "cli", d.submitCliMs)
  await sleep(3000)
  for (let i = 0; i < 3; i++) {
    const w = await measure(d, 3000)
    console.log(JSON.stringify({ ...w, threads: w.threads.slice(0, 10).map((t) => `${t.container}:${t.tid}${t.main ? "M" : ""}=${(t.load*100).toFixed(0)}`) }))
  }
  const rate = Number(process.argv[4] ?? 0)
  if (rate > 0) {
    writeControl(d, { rate, stallMs: 0, stallSeq: 0 })
    await sleep(3000)
    for (let i = 0; i < 3; i++) {
      const w = await measure(d, 3000)
      console.log("half", JSON.stringify({ ...w, threads: w.threads.slice(0, 10).map((t) => `${t.container}:${t.tid}${t.main ? "M" : ""}=${(t.load*100).toFixed(0)}`) }))
    }
  }
  await h.kill("t1")
} finally { await h.cleanup() }
