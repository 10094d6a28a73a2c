// The shipped cluster clusters/zk-s3.heron.ts on real services started by the test: a ZooKeeper 3.8
// server (state, leader election) and s3rver (packages), the local scheduler running the
// containers. The real bins (`heron-runtime --cluster zk-s3`, `heron submit zk-s3 ...`) are
// configured only through the variables the cluster file reads (HERON_ZK_*, HERON_S3_*, AWS_*).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import { randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createClient, type Client } from "node-zookeeper-client"
import { groupMembers, isRecord, processesUnder, result } from "../support/localCluster.js"
import { polling } from "../support/polling.js"
import { logLines, repoRoot, run, start, stopAll, tempHome, trackerUrl, type Running } from "../support/processes.js"
import { launchS3rver, s3rverCredentials, skipWithoutS3rver, type S3rverServer } from "../support/services/s3.js"
import { launchZooKeeper, skipWithoutZooKeeper, type LaunchedZooKeeper } from "../support/services/zookeeper.js"
import { haScenario } from "./support/ha.js"

// Both throw under CI=true when the service is missing: there the suite must run.
const skip = skipWithoutZooKeeper() || skipWithoutS3rver()

let zk: LaunchedZooKeeper | undefined
let s3: (S3rverServer & { readonly close: () => Promise<void> }) | undefined
let client: S3Client | undefined
let observer: Client | undefined

beforeAll(async () => {
  if (skip) return
  zk = await launchZooKeeper()
  s3 = await launchS3rver(["heron"])
  client = new S3Client(s3.clientOptions)
  const c = createClient(zk.connectionString, { sessionTimeout: 4000 })
  await new Promise<void>((resolve) => {
    c.once("connected", () => resolve())
    c.connect()
  })
  observer = c
}, 60_000)

afterAll(async () => {
  await stopAll()
  observer?.close()
  client?.destroy()
  await s3?.close()
  await zk?.close()
}, 60_000)

/** s3rver checks the access key id, not the secret: a distinctive secret shows whether it leaks. */
const SECRET = `zk-s3-e2e-secret-${randomUUID()}`

/** The environment of every bin: what clusters/zk-s3.heron.ts reads, and nothing else. */
const clusterEnv = (home: string, root: string, extra: Record<string, string> = {}): Record<string, string> => {
  if (zk === undefined || s3 === undefined) throw new Error("ZooKeeper or s3rver did not start")
  return {
    HERON_HOME: home,
    HERON_ZK_CONNECT: zk.connectionString,
    HERON_ZK_ROOT: root,
    HERON_S3_ENDPOINT: s3.endpoint,
    HERON_S3_BUCKET: "heron",
    HERON_S3_PREFIX: "packages",
    AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_REGION: "us-east-1",
    ...extra
  }
}

/** Polls every 250 ms, for up to 30 s. */
const until = polling({ timeoutMs: 30_000, everyMs: 250 })

/** Every znode under `root` (itself included), depth first. */
const zkTree = async (root: string): Promise<Array<string>> => {
  const c = observer
  if (c === undefined) throw new Error("no ZooKeeper client")
  const children = (path: string) =>
    new Promise<Array<string>>((resolve, reject) =>
      c.getChildren(path, (e, names) => (e ? ("code" in e && e.code === -101 ? resolve([]) : reject(e)) : resolve([...names].sort()))))
  const walk = async (path: string): Promise<Array<string>> => {
    const below = await Promise.all((await children(path)).map((n) => walk(`${path === "/" ? "" : path}/${n}`)))
    return [path, ...below.flat()]
  }
  return walk(root)
}

/** The keys of the bucket under `prefix`. */
const bucketKeys = async (prefix: string): Promise<Array<string>> => {
  if (client === undefined) throw new Error("no S3 client")
  const page = await client.send(new ListObjectsV2Command({ Bucket: "heron", Prefix: prefix }))
  return (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key])).sort()
}

/** Kills what a failed run left of the containers under `home` (their process groups). */
const killContainersUnder = (home: string) => {
  for (const pid of processesUnder(home)) {
    try {
      process.kill(-pid, "SIGKILL")
    } catch {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
  }
}

/** Stream manager id → pid, from the Tracker's physical plan. */
const stmgrPids = async (base: string, topology: string) => {
  const plan = await result(`${base}/topologies/physicalplan?cluster=zk-s3&environ=default&topology=${topology}`)
  if (!isRecord(plan) || !isRecord(plan["stmgrs"])) return undefined
  const pids = Object.fromEntries(Object.entries(plan["stmgrs"]).flatMap(([id, s]) => (isRecord(s) && typeof s["pid"] === "number" ? [[id, s["pid"]]] : [])))
  return Object.keys(pids).length > 0 ? pids : undefined
}

/** The words the count bolt's instances executed, per the Tracker's metrics. */
const executed = async (base: string, topology: string) => {
  const name = "__execute-count/split/default"
  const r = await result(`${base}/topologies/metrics?cluster=zk-s3&environ=default&topology=${topology}&component=count&metricname=${encodeURIComponent(name)}&interval=-1`)
  const values = isRecord(r) && isRecord(r["metrics"]) && isRecord(r["metrics"][name]) ? Object.values(r["metrics"][name]).map(Number) : []
  return values.length === 2 ? values.reduce((a, b) => a + b, 0) : undefined
}

const said = (r: Running, text: string) => logLines(r).some((l) => typeof l["message"] === "string" && l["message"].startsWith(text))

/** A topology whose bundle carries `bytes` of incompressible text: a package of many MiB. */
const bigTopology = (dir: string, bytes: number): string => {
  const file = join(dir, "big.ts")
  writeFileSync(file, [
    `import { bolt, spout, TopologyBuilder } from "heron-runtime/topology"`,
    `const blob = "${randomBytes(Math.ceil((bytes * 3) / 4)).toString("base64")}"`,
    `const source = spout({ outputs: { default: ["n"] }, create: () => ({ open: () => { if (blob.length === 0) throw new Error("empty") }, nextTuple: () => {} }) })`,
    `const sink = bolt({ outputs: {}, create: () => ({ execute: () => {} }) })`,
    `export default new TopologyBuilder().setSpout("source", source, 1).setBolt("sink", sink, 1).shuffleGrouping("source").build("big", { containers: 1 })`,
    ""
  ].join("\n"))
  return file
}

describe("clusters/zk-s3.heron.ts", () => {
  it("--list-clusters shows the zookeeper state manager, the s3 uploader and HA, configured from the environment, without a secret", async () => {
    const env = {
      HERON_ZK_CONNECT: "zk1:2181,zk2:2181",
      HERON_ZK_ROOT: "/heron-prod",
      HERON_ZK_SESSION_TIMEOUT_MS: "10000",
      HERON_ZK_AUTH: `heron:${SECRET}-zk`,
      HERON_S3_ENDPOINT: "http://minio:9000",
      HERON_S3_BUCKET: "packages",
      HERON_S3_PREFIX: "heron/pkgs",
      AWS_ACCESS_KEY_ID: "AKIA-E2E",
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_REGION: "eu-west-1"
    }
    const listed = await run("heron-runtime", ["--list-clusters", "--json"], env)
    expect(listed.code, listed.stderr).toBe(0)
    const all: unknown = JSON.parse(listed.stdout)
    const c = Array.isArray(all) ? all.find((x: unknown) => isRecord(x) && x["name"] === "zk-s3") : undefined
    expect(c).toMatchObject({
      file: join(repoRoot, "clusters", "zk-s3.heron.ts"),
      scheduler: { plugin: "scheduler/local" },
      stateManager: {
        plugin: "state-manager/zookeeper",
        options: { connectionString: "zk1:2181,zk2:2181", root: "/heron-prod", sessionTimeoutMs: 10000, auth: { scheme: "digest", credentials: "<redacted>" } }
      },
      uploader: { plugin: "uploader/s3", options: { bucket: "packages", endpoint: "http://minio:9000", region: "eu-west-1", prefix: "heron/pkgs", forcePathStyle: true } },
      runtime: { highAvailability: true }
    })
    // The S3 credentials are the SDK's (its default chain): in no definition at all.
    expect(JSON.stringify(c)).not.toContain("AKIA-E2E")
    const text = await run("heron-runtime", ["--list-clusters"], env)
    for (const out of [listed.stdout, listed.stderr, text.stdout, text.stderr]) expect(out).not.toContain(SECRET)
  }, 60_000)
})

describe.skipIf(skip)("zk-s3 on a real ZooKeeper and s3rver", () => {
  it("word count: package in the bucket, fetched by the containers through s3, counts in the Tracker; kill leaves nothing in ZooKeeper or the bucket", async () => {
    const home = tempHome()
    const root = `/e2e-${randomUUID().slice(0, 8)}`
    const env = clusterEnv(home.dir, root)
    try {
      const rt = start("heron-runtime", ["--cluster", "zk-s3", "--port", "0"], env)
      const base = await trackerUrl(rt)
      expect(said(rt, "leading cluster zk-s3")).toBe(true)

      const submitted = await run("heron", ["submit", "zk-s3", "examples/word-count.ts", "--json", "--config-property", "topology.metrics.interval.secs=1"], env)
      expect(submitted.code, submitted.stderr).toBe(0)
      expect(JSON.parse(submitted.stdout)).toMatchObject({
        cluster: "zk-s3",
        topology: "word-count",
        state: "RUNNING",
        containers: 2,
        packageUri: "s3://heron/packages/word-count/topology.tar.gz"
      })

      // The package is in the bucket, with its SHA-256; nothing else is.
      expect(await bucketKeys("")).toEqual(["packages/word-count/topology.tar.gz"])
      const head = await client?.send(new HeadObjectCommand({ Bucket: "heron", Key: "packages/word-count/topology.tar.gz" }))
      expect(head?.Metadata?.["heron-sha256"]).toMatch(/^[0-9a-f]{64}$/)

      // Its state is in ZooKeeper under the cluster's root, in Heron's layout.
      const nodes = await zkTree(root)
      for (const kind of ["topologies", "packingplans", "executionstate", "pplans", "tmanagers", "schedulers"]) {
        expect(nodes).toContain(`${root}/${kind}/word-count`)
      }

      // The physical plan is in the Tracker; its stream managers run in the containers' folders.
      const stmgrs = await until("the physical plan", () => stmgrPids(base, "word-count"))
      expect(Object.keys(stmgrs).sort()).toEqual(["stmgr-1", "stmgr-2"])
      const topologyDir = join(home.dir, "zk-s3", "topologies", "word-count")
      for (const [id, pid] of Object.entries(stmgrs)) {
        expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(join(topologyDir, `container-${id.slice("stmgr-".length)}`))
      }

      // Each worker container fetched the package through the s3 plugin: one GET of the object per
      // container, and what it saved is the object's bytes.
      const gets = (s3?.requests() ?? []).filter((r) => r.method === "GET" && r.url.split("?")[0] === "/heron/packages/word-count/topology.tar.gz")
      expect(gets).toHaveLength(2)
      const object = await client?.send(new GetObjectCommand({ Bucket: "heron", Key: "packages/word-count/topology.tar.gz" }))
      const stored = Buffer.from((await object?.Body?.transformToByteArray()) ?? [])
      expect(stored.length).toBeGreaterThan(0)
      for (const i of [1, 2]) expect(readFileSync(join(topologyDir, `container-${i}`, "topology.tar.gz")).equals(stored)).toBe(true)

      // Counts move.
      const first = await until("the count bolt's first executed words", async () => {
        const n = await executed(base, "word-count")
        return n !== undefined && n > 0 ? n : undefined
      })
      await until("more executed words", async () => {
        const n = await executed(base, "word-count")
        return n !== undefined && n > first ? n : undefined
      })

      // Kill: no container left, no state in ZooKeeper, no object in the bucket.
      const killed = await run("heron", ["kill", "zk-s3", "word-count"], env)
      expect(killed.code, killed.stderr).toBe(0)
      for (const pid of Object.values(stmgrs)) expect(groupMembers(pid)).toEqual([])
      expect(processesUnder(topologyDir)).toEqual([])
      expect((await zkTree(root)).filter((n) => n.includes("word-count"))).toEqual([])
      expect(await bucketKeys("")).toEqual([])

      rt.child.kill("SIGTERM")
      expect(await rt.exited).toBe(0)
      // The runtime's session is closed: its ephemeral location and its election node are gone.
      expect((await zkTree(root)).filter((n) => n.startsWith(`${root}/runtimes/`) || n.startsWith(`${root}/leaders/zk-s3/`))).toEqual([])
      for (const out of [rt.stderr(), rt.stdout(), submitted.stderr, submitted.stdout, killed.stderr, killed.stdout]) expect(out).not.toContain(SECRET)
      // The runtime's stderr stays JSON lines, and the CLI's progress is not interrupted, on a Node
      // the AWS SDK warns about (the s3 plugin turns its raw stderr warning off).
      expect(logLines(rt).length).toBeGreaterThan(0)
      expect(submitted.stderr).not.toContain("NodeVersionSupportWarning")
    } finally {
      killContainersUnder(home.dir)
      home.cleanup()
    }
  }, 90_000)

  it("heron submit of a large package prints the multipart upload's progress (bytes, percent) on stderr", async () => {
    const home = tempHome()
    const work = mkdtempSync(join(tmpdir(), "heron-big-topology-"))
    const root = `/e2e-${randomUUID().slice(0, 8)}`
    const env = clusterEnv(home.dir, root)
    try {
      const rt = start("heron-runtime", ["--cluster", "zk-s3", "--port", "0"], env)
      await trackerUrl(rt)
      const submitted = await run("heron", ["submit", "zk-s3", bigTopology(work, 6 * 1024 * 1024)], env)
      expect(submitted.code, submitted.stderr).toBe(0)
      const lines = submitted.stderr.split("\n")
      const upload = lines.slice(lines.indexOf("[4/8] uploading the package of big") + 1, lines.findIndex((l) => l.startsWith("[5/8]")))
      const progress = upload.flatMap((l) => {
        const m = /^ +(\d+\.\d) MiB of (\d+\.\d) MiB sent \((\d+)%\)$/.exec(l)
        return m === null ? [] : [{ sent: Number(m[1]), total: Number(m[2]), percent: Number(m[3]) }]
      })
      // More than one 8 MiB part: a line per finished part, in order, the last one at 100%.
      expect(progress.length, submitted.stderr).toBeGreaterThanOrEqual(2)
      const total = progress[0]?.total ?? 0
      expect(total).toBeGreaterThan(8)
      expect(progress.every((p) => p.total === total)).toBe(true)
      expect(progress.every((p, i) => i === 0 || p.percent > (progress[i - 1]?.percent ?? 100))).toBe(true)
      expect(progress.at(-1)).toEqual({ sent: total, total, percent: 100 })
      const head = await client?.send(new HeadObjectCommand({ Bucket: "heron", Key: "packages/big/topology.tar.gz" }))
      expect(((head?.ContentLength ?? 0) / 1024 / 1024).toFixed(1)).toBe(total.toFixed(1))

      const killed = await run("heron", ["kill", "zk-s3", "big"], env)
      expect(killed.code, killed.stderr).toBe(0)
      expect(await bucketKeys("packages/big/")).toEqual([])
      rt.child.kill("SIGTERM")
      expect(await rt.exited).toBe(0)
    } finally {
      killContainersUnder(home.dir)
      rmSync(work, { recursive: true, force: true })
      home.cleanup()
    }
  }, 90_000)

  it("HA: two runtimes elect one leader through ZooKeeper; SIGKILL of the leader hands the topology to the other without restarting it", async () => {
    const home = tempHome()
    const sessionTimeoutMs = 2000
    const env = clusterEnv(home.dir, `/e2e-${randomUUID().slice(0, 8)}`, { HERON_ZK_SESSION_TIMEOUT_MS: String(sessionTimeoutMs) })
    try {
      const tookMs = await haScenario({ cluster: "zk-s3", clustersDir: join(repoRoot, "clusters"), env, takeoverMs: sessionTimeoutMs + 5000 })
      // Not before ZooKeeper expired the dead leader's session (nothing else tells the standby).
      expect(tookMs).toBeGreaterThanOrEqual(sessionTimeoutMs - 500)
    } finally {
      killContainersUnder(home.dir)
      home.cleanup()
    }
  }, 90_000)
})
