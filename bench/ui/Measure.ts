/**
 * One measured load of a topology page in Chromium: the time from the navigation's start until the
 * page has drawn the DAG, every instance of the physical plan and their health (read in the page,
 * `performance.now()`), and every Tracker request it made meanwhile (with the bytes answered),
 * then those of the next seconds (counters, exceptions, the chart), which do not block drawing.
 */
import type { BrowserContext } from "playwright-core"

export interface TrackerRequest {
  readonly path: string
  readonly query: string
  readonly bytes: number
  readonly ms: number
}

export interface Load {
  /** Navigation start → DAG, containers and health drawn. */
  readonly renderMs: number
  /** Navigation start → structure drawn (before health). */
  readonly structureMs: number
  /** Navigation start → the DAG laid out by ELK (drawn by stages until then, unless ELK's layout was kept from an earlier visit). */
  readonly elkMs: number
  /** Requests made until drawn. */
  readonly toRender: ReadonlyArray<TrackerRequest>
  /** Requests made within `settleMs` after (not needed to draw). */
  readonly settled: ReadonlyArray<TrackerRequest>
  /** Instance cells on the page. */
  readonly instancesDrawn: number
  readonly consoleErrors: ReadonlyArray<string>
}

const isNumber = (u: unknown): u is number => typeof u === "number" && Number.isFinite(u)

/** A Tracker answer kept to be replayed: what the page costs without the server's time. */
export interface Recorded {
  readonly status: number
  readonly contentType: string
  readonly body: Buffer
}

/** Answers recorded by URL (method and path with query). */
export type Recording = Map<string, Recorded>

const isTracker = (path: string) => path.startsWith("/topologies") || path.startsWith("/scheduler/")

/**
 * Loads `url` in a new page of `context` and waits until `instances` instance cells are drawn with
 * their health. With `record`, every Tracker answer is kept there; with `replay`, the Tracker is not
 * asked: its answers come from the recording.
 */
export const measureLoad = async (
  context: BrowserContext,
  url: string,
  instances: number,
  settleMs = 3000,
  options: { readonly record?: Recording; readonly replay?: Recording } = {}
): Promise<Load> => {
  const page = await context.newPage()
  const replay = options.replay
  if (replay !== undefined) {
    await page.route((u) => isTracker(u.pathname), (route) => {
      const u = new URL(route.request().url())
      const hit = replay.get(`${route.request().method()} ${u.pathname}${u.search}`)
      return hit === undefined ? route.continue() : route.fulfill({ status: hit.status, contentType: hit.contentType, body: hit.body })
    })
  }
  const record = options.record
  if (record !== undefined) {
    page.on("response", async (r) => {
      const u = new URL(r.url())
      if (!isTracker(u.pathname)) return
      const body = await r.body().catch(() => undefined)
      if (body !== undefined) record.set(`${r.request().method()} ${u.pathname}${u.search}`, { status: r.status(), contentType: r.headers()["content-type"] ?? "application/json", body })
    })
  }
  const requests: Array<TrackerRequest & { readonly at: number }> = []
  const started = new Map<string, number>()
  const consoleErrors: Array<string> = []
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text())
  })
  // Every request to the Tracker, whoever made it: the UI's client, or the page's preloads of the plans.
  page.on("request", (r) => {
    if (isTracker(new URL(r.url()).pathname)) started.set(r.url() + r.method(), performance.now())
  })
  page.on("requestfinished", async (r) => {
    const u = new URL(r.url())
    if (!isTracker(u.pathname)) return
    const sizes = await r.sizes().catch(() => ({ responseBodySize: 0 }))
    const t0 = started.get(r.url() + r.method()) ?? performance.now()
    requests.push({ path: u.pathname, query: u.search, bytes: sizes.responseBodySize, ms: performance.now() - t0, at: performance.now() })
  })
  await page.goto(url, { waitUntil: "commit" })
  const structure = await page.waitForFunction(
    `document.querySelector("section.topology[data-structure=ready]") !== null ? performance.now() : false`,
    undefined,
    { polling: "raf", timeout: 120_000 }
  )
  const drawn = await page.waitForFunction(
    `(document.querySelector("section.topology[data-health=ready] figure.dag svg") !== null && document.querySelectorAll("a.inst").length >= ${instances}) ? performance.now() : false`,
    undefined,
    { polling: "raf", timeout: 120_000 }
  )
  const at = performance.now()
  const renderMs = await drawn.jsonValue()
  const structureMs = await structure.jsonValue()
  const elk = await page.waitForFunction(
    `document.querySelector("figure.dag[data-layout=elk]") !== null ? performance.now() : false`,
    undefined,
    { polling: "raf", timeout: 60_000 }
  )
  const elkMs = await elk.jsonValue()
  const instancesDrawn = await page.locator("a.inst").count()
  await page.waitForTimeout(settleMs)
  await page.close()
  if (!isNumber(renderMs) || !isNumber(structureMs) || !isNumber(elkMs)) throw new Error(`the page did not report its timing (${String(renderMs)})`)
  const strip = (r: TrackerRequest & { readonly at: number }): TrackerRequest => ({ path: r.path, query: r.query, bytes: r.bytes, ms: r.ms })
  return {
    renderMs,
    structureMs,
    elkMs,
    toRender: requests.filter((r) => r.at <= at).map(strip),
    settled: requests.filter((r) => r.at > at).map(strip),
    instancesDrawn,
    consoleErrors
  }
}

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid] ?? Number.NaN : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}
