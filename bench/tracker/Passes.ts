/**
 * The HTTP part of the Tracker benchmark: the URLs driven, their answers checked once, and for
 * each endpoint four autocannon passes, the Tracker then the bare server (`bare-server.ts`, its
 * own process, answering the same bodies): as fast as answered, then at the fixed rate.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { num, startChild } from "../internal/Children.js"
import { drive } from "./Load.js"
import { ENDPOINTS, type Endpoint, FIXED_RATE, type Results } from "./Report.js"

/** Connections of the maximum-rate passes; of the fixed-rate pass (see `Load.drive`). */
const MAX_CONNECTIONS = 10
const FIXED_CONNECTIONS = 50

/** GETs a Tracker URL; its body, after checking it is a success envelope. */
export const answer = async (url: string): Promise<string> => {
  const r = await fetch(url)
  const body = await r.text()
  if (!r.ok || !body.startsWith('{"status":"success"')) throw new Error(`GET ${url} answered ${r.status}: ${body.slice(0, 300)}`)
  return body
}

/** Topology names in a `/topologies` answer (`result: {cluster: {role: {environ: [names]}}}`). */
export const countListed = (body: unknown): number => {
  const values = (u: unknown): Array<unknown> => (typeof u === "object" && u !== null ? Object.values(u) : [])
  const result = typeof body === "object" && body !== null && "result" in body ? body.result : undefined
  return values(result).flatMap(values).flatMap(values).reduce<number>((n, names) => n + (Array.isArray(names) ? names.length : 0), 0)
}

/** The Tracker's parameters naming `topology` of cluster `local`. */
export const about = (topology: string): string => `cluster=local&environ=default&topology=${topology}`

/** `metricname=` parameters. */
export const metricParams = (names: ReadonlyArray<string>): string => names.map((m) => `metricname=${encodeURIComponent(m)}`).join("&")

/** The word count's `count` bolt: its main counters and latency from `split`. */
const COUNT_METRICS = ["__execute-count/split/default", "__ack-count/split/default", "__fail-count/split/default", "__execute-latency/split/default"]

/** The URL driven for each endpoint, about the word count's `count` bolt (the last 10 minutes). */
export const endpointUrls = (tracker: string, topology: string, nowSec: number): Record<Endpoint, string> => {
  const q = `${about(topology)}&component=count&${metricParams(COUNT_METRICS)}`
  return {
    physicalplan: `${tracker}/topologies/physicalplan?${about(topology)}`,
    metrics: `${tracker}/topologies/metrics?${q}&interval=600`,
    metricstimeline: `${tracker}/topologies/metricstimeline?${q}&starttime=${nowSec - 600}&endtime=${nowSec}`
  }
}

/**
 * Asks each URL once (a metrics answer must name instances: an empty one would flatter the
 * Tracker), starts the bare server with those bodies (its files under `dir`), and runs the passes.
 */
export const runPasses = async (o: {
  readonly urls: Record<Endpoint, string>
  readonly dir: string
  readonly bareServer: string
  readonly seconds: number
  readonly log: (m: string) => void
}): Promise<Results["http"]> => {
  const http: Results["http"] = {}
  const bodies: Record<string, string> = {}
  for (const e of ENDPOINTS) {
    const body = await answer(o.urls[e])
    if (e !== "physicalplan" && !body.includes("container_")) throw new Error(`/topologies/${e} names no instance yet: ${body.slice(0, 300)}`)
    bodies[`/topologies/${e}`] = body
    http[e] = { bytes: Buffer.byteLength(body) }
  }
  const bodiesFile = join(o.dir, "bare-bodies.json")
  writeFileSync(bodiesFile, JSON.stringify(bodies))
  const bare = startChild([o.bareServer, bodiesFile])
  try {
    const port = num(await bare.next("port", 30_000), "port")
    const bareUrl = (url: string) => `http://127.0.0.1:${port}${new URL(url).pathname}${new URL(url).search}`
    for (const e of ENDPOINTS) {
      const h = http[e]
      if (h === undefined) continue
      o.log(`  /topologies/${e}: as fast as answered (${MAX_CONNECTIONS} connections), then ${FIXED_RATE} req/s; ${o.seconds} s each, Tracker then bare`)
      h.max = {
        tracker: await drive(o.urls[e], { seconds: o.seconds, connections: MAX_CONNECTIONS }),
        bare: await drive(bareUrl(o.urls[e]), { seconds: o.seconds, connections: MAX_CONNECTIONS })
      }
      h.fixed = {
        tracker: await drive(o.urls[e], { seconds: o.seconds, connections: FIXED_CONNECTIONS, rate: FIXED_RATE }),
        bare: await drive(bareUrl(o.urls[e]), { seconds: o.seconds, connections: FIXED_CONNECTIONS, rate: FIXED_RATE })
      }
    }
    return http
  } finally {
    bare.kill()
  }
}
