/**
 * The state benchmark of issue 6: one command, one table.
 *
 *   npm run bench:state             # ~1 minute on 2 cores
 *   npm run bench:state -- --quick  # ~20 s: 1 s passes, one round of transfer and of fail-over (2 s session)
 *
 * (a) `get` and `set` of a physical plan of 30 containers / 300 instances through the
 * StateManager (`makeStateManager`, JSON + schema on every call) on localfs (a temp directory) and
 * on a real ZooKeeper 3.8 started here (test/support/services/zookeeper.ts: one server, its own
 * temp directory and port, `forceSync=no` as the tests run it), each op from 1 fiber and from 8
 * at once (each fiber on a topology of its own) for a fixed time: operations per second and the
 * p50/p99 latency of single calls (`state/Ops.ts`). Same-run baselines: the codec alone (what
 * every call pays before any I/O) for localfs, localfs for ZooKeeper.
 * (b) upload and fetch of a 50 MB package of random bytes through the s3 uploader plugin to a
 * real s3rver started here in a process of its own, against the localfs uploader on this disk
 * (`state/Transfer.ts`); every fetched copy is checked byte for byte outside the timing.
 * (c) leader fail-over on ZooKeeper: a leader process (`state/leader-child.ts`) and a follower in
 * this process campaign through `StateManager.leadership`; the leader is SIGKILLed and the time
 * to the follower's `true` is measured, next to the session timeout that bounds it
 * (`state/Failover.ts`).
 *
 * The load average at the start is printed above the table: other work on the machine lowers
 * every figure. Whatever this run started (ZooKeeper, s3rver, the leader processes, temp
 * directories) is stopped and removed on exit, on failure and on Ctrl-C.
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Logger, LogLevel, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { join } from "node:path"
import { PhysicalPlan } from "../core/model/PhysicalPlan.js"
import { makeStateManager } from "../core/state/makeStateManager.js"
import type { NodeStore } from "../core/state/NodeStore.js"
import * as LocalFsStore from "../plugins/state-managers/localfs/LocalFsStore.js"
import * as ZkStore from "../plugins/state-managers/zookeeper/ZkStore.js"
import { startZooKeeper } from "../test/support/services/zookeeper.js"
import { quantile } from "./internal/CountFiles.js"
import { mbps, ms, perSec, type Row, render, secs } from "./internal/Table.js"
import { failover } from "./state/Failover.js"
import { benchPlan, measure, measureCodec, type Op, type OpsPass, seed } from "./state/Ops.js"
import { s3rverProcess, tempDir } from "./state/Processes.js"
import { localfsUploader, measureTransfer, s3Uploader, type TransferRound } from "./state/Transfer.js"

const argv = process.argv.slice(2)
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write("usage: npm run bench:state -- [--quick]\n")
  process.exit(0)
}
const quick = argv.includes("--quick")
/** Seconds per ops pass (and of warm-up), fibers of the concurrent passes, package bytes, rounds
 * of transfer and fail-over, and the ZooKeeper session timeout of the fail-over stores. */
const T = quick
  ? { pass: 1, warm: 0.3, fibers: 8, packageBytes: 50_000_000, transferRounds: 1, failoverRounds: 1, sessionMs: 2000 }
  : { pass: 3, warm: 0.5, fibers: 8, packageBytes: 50_000_000, transferRounds: 3, failoverRounds: 3, sessionMs: 4000 }
/** The test server's tick (test/support/services/zookeeper.ts): sessions expire on its boundaries. */
const TICK_MS = 500

const t0 = Date.now()
const log = (m: string) => Effect.sync(() => process.stderr.write(`[bench:state ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}\n`))
const loadAtStart = loadavg()

const backends = ["localfs", "zookeeper"] as const
type Backend = (typeof backends)[number]

/** Every ops pass of one store: warm-up, then get and set from 1 and from `T.fibers` fibers. */
const opsPasses = (backend: Backend, store: NodeStore, plan: PhysicalPlan) =>
  Effect.gen(function* () {
    const sm = makeStateManager(store)
    yield* seed(sm, plan, T.fibers)
    yield* measure(sm, plan, "set", 1, T.warm)
    yield* measure(sm, plan, "get", 1, T.warm)
    const passes: Array<OpsPass> = []
    for (const op of ["get", "set"] as const) {
      for (const fibers of [1, T.fibers]) {
        const p = yield* measure(sm, plan, op, fibers, T.pass)
        yield* log(`${backend} ${op} × ${fibers}: ${perSec(p.perSec)}, p50 ${ms(p.p50)}, p99 ${ms(p.p99)} (${p.ops} ops)`)
        passes.push(p)
      }
    }
    return passes
  })

const median = (xs: ReadonlyArray<number>) => quantile(xs, 0.5)
const rate = (rounds: ReadonlyArray<TransferRound>, pick: (r: TransferRound) => number) =>
  median(rounds.map((r) => T.packageBytes / (pick(r) / 1000)))

const program = Effect.gen(function* () {
  yield* log(`${cpus().length} cores, load average ${loadAtStart.map((x) => x.toFixed(2)).join(" ")}${quick ? " (--quick)" : ""}`)
  const plan = benchPlan()
  const planBytes = JSON.stringify(yield* Schema.encode(PhysicalPlan)(plan)).length

  // (a) state operations.
  const zk = yield* startZooKeeper()
  yield* log(`ZooKeeper on ${zk.connectionString}`)
  const stores: Record<Backend, NodeStore> = {
    localfs: yield* LocalFsStore.make({ root: yield* tempDir("heron-bench-state-") }),
    zookeeper: yield* ZkStore.make({ connectionString: zk.connectionString, root: "/heron-bench", sessionTimeout: "10 seconds" })
  }
  const codec: Partial<Record<Op, OpsPass>> = {}
  for (const op of ["get", "set"] as const) {
    yield* measureCodec(plan, op, T.warm)
    const p = yield* measureCodec(plan, op, T.pass)
    yield* log(`codec alone, ${op}: ${perSec(p.perSec)}, p50 ${ms(p.p50)}, p99 ${ms(p.p99)}`)
    codec[op] = p
  }
  const ops: Partial<Record<Backend, ReadonlyArray<OpsPass>>> = {}
  for (const backend of backends) ops[backend] = yield* opsPasses(backend, stores[backend], plan)

  // (b) upload and fetch.
  const work = yield* tempDir("heron-bench-upload-")
  const pkg = join(work, "package.tar.gz")
  writeFileSync(pkg, randomBytes(T.packageBytes))
  const s3rver = yield* s3rverProcess
  yield* log(`s3rver on ${s3rver.endpoint}`)
  const viaS3 = yield* measureTransfer("s3", yield* s3Uploader(s3rver.endpoint), pkg, work, T.transferRounds)
  const viaLocal = yield* measureTransfer("localfs", yield* localfsUploader(join(work, "packages")), pkg, work, T.transferRounds)
  for (const [name, rounds] of [["s3", viaS3], ["localfs", viaLocal]] as const) {
    yield* log(`${name}: upload ${rounds.map((r) => secs(r.uploadMs)).join(", ")}; fetch ${rounds.map((r) => secs(r.fetchMs)).join(", ")}`)
  }

  // (c) fail-over.
  const failovers: Array<number> = []
  for (let i = 0; i < T.failoverRounds; i++) {
    const took = yield* failover(zk.connectionString, T.sessionMs)
    yield* log(`fail-over ${i + 1}: ${secs(took)}`)
    failovers.push(took)
  }

  // The table.
  const pass = (b: Backend, op: Op, fibers: number) => ops[b]?.find((p) => p.op === op && p.concurrency === fibers)
  const opsText = (p: OpsPass | undefined) => (p === undefined ? "n/a" : `${perSec(p.perSec)} (p50 ${ms(p.p50)}, p99 ${ms(p.p99)})`)
  const opsNote: Record<Backend, Record<Op, string>> = {
    localfs: {
      get: "open + read + owner check, then the codec",
      set: "the codec, then scratch file, fsync, rename, fsync of the folder"
    },
    zookeeper: {
      get: "one getData round trip (loopback) + the codec",
      set: "one setData round trip (loopback) + the codec; server forceSync=no: no fsync of its log"
    }
  }
  const rows: Array<Row> = []
  const opsRow = (id: string, metric: string, p: OpsPass | undefined, base: OpsPass | undefined, baseName: string, note: string): Row => ({
    id,
    metric,
    measured: opsText(p),
    measuredValue: p?.perSec,
    baseline: base === undefined ? "—" : `${perSec(base.perSec)} ${baseName}`,
    baselineValue: base?.perSec,
    ratio: p !== undefined && base !== undefined ? p.perSec / base.perSec : undefined,
    target: "—",
    outcome: "info",
    note
  })
  let n = 0
  for (const op of ["get", "set"] as const) {
    rows.push(opsRow(`a${++n}`, `${op} pplan: the codec alone, no I/O`, codec[op], undefined, "", op === "get" ? "JSON.parse + schema decode (CPU)" : "schema encode + JSON.stringify (CPU)"))
    for (const fibers of [1, T.fibers]) {
      for (const backend of backends) {
        const isZk = backend === "zookeeper"
        rows.push(opsRow(
          `a${++n}`,
          `${op} pplan, ${backend}, ${fibers === 1 ? "sequential" : `${fibers} fibers`}`,
          pass(backend, op, fibers),
          isZk ? pass("localfs", op, fibers) : codec[op],
          isZk ? "localfs" : "codec",
          opsNote[backend][op]
        ))
      }
    }
  }
  const transferRow = (id: string, what: "upload" | "fetch", pick: (r: TransferRound) => number, note: string): Row => {
    const s3 = rate(viaS3, pick)
    const local = rate(viaLocal, pick)
    return {
      id,
      metric: `${what} ${T.packageBytes / 1e6} MB package, s3 (s3rver)`,
      measured: `${mbps(s3)}${T.transferRounds > 1 ? ` (median of ${T.transferRounds})` : ""}`,
      measuredValue: s3,
      baseline: `${mbps(local)} localfs uploader`,
      baselineValue: local,
      ratio: s3 / local,
      target: "—",
      outcome: "info",
      note
    }
  }
  rows.push(
    transferRow("b1", "upload", (r) => r.uploadMs, "multipart, 8 MiB parts × 4; s3rver (its own process) writes each part, then joins them; localfs: copyFile to a scratch file, rename"),
    transferRow("b2", "fetch", (r) => r.fetchMs, "one streamed GET to a temp file, then rename; localfs: copyFile within the page cache")
  )
  rows.push({
    id: "c1",
    metric: "leader fail-over after SIGKILL, zookeeper",
    measured: `${secs(median(failovers))}${failovers.length > 1 ? ` (${secs(Math.min(...failovers))}–${secs(Math.max(...failovers))}, ${failovers.length} rounds)` : ""}`,
    measuredValue: median(failovers),
    baseline: `session timeout ${secs(T.sessionMs)}`,
    baselineValue: T.sessionMs,
    ratio: median(failovers) / T.sessionMs,
    target: "—",
    outcome: "info",
    note: `the dead leader's session expires after its timeout (server tick ${TICK_MS} ms), then the follower's watch fires; the plugin's default session is 30 s`
  })

  const header = `\nState benchmark: pplan of 30 containers / 300 instances (${(planBytes / 1024).toFixed(0)} KB of JSON), ${T.pass} s passes; ` +
    `${cpus().length} cores, load average at start ${loadAtStart.map((x) => x.toFixed(2)).join(" ")}, node ${process.version}\n\n`
  yield* Effect.sync(() => process.stdout.write(`${header}${render(rows)}\n`))
  yield* log(`done; load average now ${loadavg().map((x) => x.toFixed(2)).join(" ")}`)
})

NodeRuntime.runMain(
  program.pipe(
    Effect.scoped,
    Effect.provide(NodeContext.layer),
    // The stores' own warnings go to stderr, next to the progress lines, not into the table.
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )
)
