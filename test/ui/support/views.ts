/**
 * Browser journeys through the views the first tests do not reach: the list's health marks
 * (back-pressure, failures, a healthy row left unmarked), the topology page's every overlay,
 * longer counters and chart windows, an instance's own views (log, files, exceptions, metrics,
 * pid, stack), and the check that every request the UI makes is an endpoint of the API it was
 * typed from.
 */
import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { HttpApi, type HttpApiGroup } from "@effect/platform"
import type { Browser, Page } from "playwright-core"
import { expect } from "vitest"
import { isRecord, result } from "../../support/localCluster.js"
import { BrowserTrackerApi } from "../../../ui/src/api/BrowserTrackerApi.js"
import { ControlApi } from "../../../ui/src/api/ControlApi.js"
import { screenshot, watch } from "./browser.js"
import type { WordCount } from "./wordCount.js"

const record = (u: unknown): Record<string, unknown> => (isRecord(u) ? u : {})

/** The physical plan's instances per container and its stream managers, as the Tracker says. */
export const planOf = async (wc: WordCount) => {
  const plan = record(await result(`${wc.base}/topologies/physicalplan?${wc.query}`))
  const groups: Record<string, Array<string>> = Object.fromEntries(
    Object.entries(record(plan["instance_groups"])).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).sort() : []])
  )
  const stmgr = (n: number) => record(record(plan["stmgrs"])[`stmgr-${n}`])
  return { groups, stmgr }
}

/** Heron's envelope around a Tracker answer. */
const envelope = (r: unknown) => ({ status: "success", executiontime: 0.001, message: "", result: r, tracker_version: { version: "test" } })

/** The routes of an API, as `METHOD regex`: `:param` segments match one path segment. */
const routesOf = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(api: HttpApi.HttpApi<Id, Groups, E, R>) => {
  const out: Array<{ readonly method: string; readonly path: RegExp }> = []
  HttpApi.reflect(api, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) => void out.push({ method: endpoint.method, path: new RegExp(`^${endpoint.path.replace(/:[^/]+/g, "[^/]+")}$`) })
  })
  return out
}

/** Every route of the UI's typed clients. */
const routes = [...routesOf(BrowserTrackerApi), ...routesOf(ControlApi)]

/** The requests (`METHOD /path?query`) that are no endpoint of the Tracker's or the control API. */
export const offContract = (requests: ReadonlyArray<string>): ReadonlyArray<string> =>
  [...new Set(requests)].filter((r) => {
    const [method = "", target = ""] = r.split(" ")
    const path = target.split("?")[0] ?? ""
    return !routes.some((route) => route.method === method && route.path.test(path))
  })

/**
 * The list's health column: healthy in words when nothing is wrong, then (the metrics cache
 * answering as it would for a sick topology) back-pressure and failures, in words and marks.
 */
export const listHealthJourney = async (browser: Browser, wc: WordCount): Promise<ReadonlyArray<string>> => {
  const { page, errors } = await watch(browser)
  let sick = false
  const minute = String(Math.floor(Date.now() / 60_000) * 60)
  // The stream managers' time in back-pressure: none, then more than the whole window.
  await page.route("**/topologies/metrics?*", async (route) => {
    if (new URL(route.request().url()).searchParams.get("component") !== "__stmgr__") return route.continue()
    const real = record(record(await (await route.fetch()).json())["result"])
    const metrics = Object.fromEntries(Object.entries(record(real["metrics"])).map(([name, byStmgr]) =>
      [name, Object.fromEntries(Object.keys(record(byStmgr)).map((id) => [id, sick ? "3600000000.000000" : "0.000000"]))]))
    return route.fulfill({ json: envelope({ ...real, metrics }) })
  })
  // Tuples failed over the window (the list's one query over every component): none, then 42.
  await page.route("**/topologies/metricsquery?*", (route) =>
    route.fulfill({ json: envelope({ starttime: Number(minute) - 600, endtime: Number(minute), timeline: sick ? [{ data: { [minute]: 42 } }] : [] }) }))
  const row = page.locator('tr[data-topology="word-count"]')
  const health = row.locator("td").nth(8)

  await page.goto(`${wc.base}/`)
  await expect.poll(() => health.innerText(), { timeout: 30_000 }).toContain("healthy")
  expect(await health.locator("li").count()).toBe(0)
  expect(await row.getAttribute("class")).toBeNull()
  expect(await page.locator("p.summary").innerText()).not.toContain("unhealthy")

  sick = true
  await page.reload()
  await expect.poll(() => health.innerText(), { timeout: 30_000 }).toContain("42 failed")
  expect(await row.getAttribute("class")).toBe("unhealthy")
  // In words and glyphs, not only colours: the worst first.
  const marks = (await health.locator("li").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim())
  expect(marks).toHaveLength(2)
  expect(marks[0]).toMatch(/^‼ ?critical: back-pressure 100\.0%$/)
  expect(marks[1]).toMatch(/^! ?warning: 42 failed$/)
  expect(await health.locator(".level-bad").innerText()).toContain("back-pressure")
  expect(await health.locator(".level-warn").innerText()).toContain("42 failed")
  expect(await page.locator("p.summary").innerText()).toContain("1 unhealthy")
  await screenshot(page, "topology-list-failing")

  // The filters hide what they do not match, from the URL alone.
  await page.goto(`${wc.base}/?role=someone-else`)
  await expect.poll(() => page.locator("p.empty").innerText()).toContain("No topology matches")
  expect(await row.count()).toBe(0)
  await page.goto(`${wc.base}/?cluster=local&environ=elsewhere`)
  await expect.poll(() => page.locator("p.empty").innerText()).toContain("No topology matches")
  await page.context().close()
  return errors
}

const grades = "(healthy|warning|critical|no data)"

/** Each overlay (its radio button's label) and what it writes on an instance (its title). */
const overlayText: ReadonlyArray<{ readonly label: string; readonly instance: RegExp }> = [
  { label: "Failures", instance: new RegExp(`: [\\d.]+[kMG]? failed, ${grades}$`) },
  { label: "Back-pressure", instance: new RegExp(`: back-pressure [\\d.]+%, ${grades}$`) },
  { label: "CPU (event loop)", instance: new RegExp(`: loop delay [\\d.]+ m?s, ${grades}$`) },
  { label: "GC", instance: new RegExp(`: GC [\\d.]+%, ${grades}$`) },
  { label: "Memory", instance: new RegExp(`: heap [\\d.]+% of RAM, ${grades}$`) }
]

/**
 * On an open topology page: every overlay grades every instance (in words) and every DAG node,
 * grades differ without colour, counters over 3 h and since the start, a component's chart
 * over 1 h with a line per instance.
 */
export const topologyDetails = async (page: Page, wc: WordCount, requests: ReadonlyArray<string>): Promise<void> => {
  const { groups } = await planOf(wc)
  const instances = Object.values(groups).flat()
  const titles = () => page.locator("a.inst").evaluateAll((els) => els.map((e) => e.getAttribute("title") ?? ""))
  // On the DAG, each node's label says the overlay and its grade (`split: bolt, 2 instances; GC max 0.1% (healthy)`).
  for (const o of overlayText) {
    await page.getByRole("radio", { name: o.label, exact: true }).check()
    await expect.poll(async () => (await titles()).filter((t) => !o.instance.test(t)), { timeout: 30_000 }).toEqual([])
    expect((await titles()).length).toBe(instances.length)
    for (const node of ["sentence", "split", "count"]) {
      expect(await page.locator(`g.node[data-node="${node}"]`).getAttribute("aria-label")).toMatch(new RegExp(`; ${o.label.replace(/[()]/g, "\\$&")} .+ \\(${grades}\\)$`))
    }
  }
  await page.getByRole("radio", { name: "Capacity", exact: true }).check()

  // Without colour: each grade has its own glyph or line, in the cells and in the legend.
  const looks = await page.locator(".overlay-picker .legend").evaluate((legend) =>
    ["ok", "warn", "bad", "none"].map((level) => {
      const swatch = legend.querySelector(`[data-level="${level}"] .inst.level-${level}`)
      const style = swatch === null ? undefined : swatch.ownerDocument.defaultView?.getComputedStyle(swatch)
      return `${swatch?.textContent ?? "missing"}|${style?.borderTopStyle ?? ""}|${style?.borderTopWidth ?? ""}`
    }))
  expect(new Set(looks).size).toBe(4)
  expect(await page.locator(".overlay-picker .legend").innerText()).toMatch(/healthy[\s\S]*warning[\s\S]*critical[\s\S]*no data/)
  const cell = page.locator('a.inst[data-comp="count"]').first()
  const swatchOf = (level: string) =>
    page.locator(`.overlay-picker .legend .inst.level-${level}`).evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).borderTopStyle)
  const levelOfCell = ((await cell.getAttribute("class")) ?? "").match(/level-(\w+)/)?.[1] ?? "none"
  expect(await cell.evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).borderTopStyle)).toBe(await swatchOf(levelOfCell))

  // Counters over 3 h and since the metrics cache started: one request per component each.
  const counters = page.locator("table.counters")
  const executed = async () => (await counters.locator("tr", { hasText: "count (bolt)" }).locator("td").nth(1).innerText()).trim()
  for (const [label, interval] of [["3 h", "10800"], ["all", "-1"]] as const) {
    await page.locator("#counters").getByRole("radio", { name: label, exact: true }).check()
    const asked = () => new Set(requests.flatMap((r) => {
      if (!r.startsWith("GET /topologies/metrics?")) return []
      const q = new URL(r.slice(4), wc.base).searchParams
      return q.get("interval") === interval ? [q.get("component")] : []
    }))
    await expect.poll(() => [...asked()].sort()).toEqual(["count", "sentence", "split"])
    await expect.poll(executed).toMatch(/^[\d.]+[kMG]?$/)
  }

  // A component's chart over 1 h, a line per instance (count has two).
  await page.locator("#chart-component").selectOption("count")
  await page.locator("#chart-metric").selectOption("executed")
  await page.locator("#charts").getByRole("radio", { name: "1 h", exact: true }).check()
  const hour = () => requests.filter((r) => {
    if (!r.startsWith("GET /topologies/metricsquery?")) return false
    const q = new URL(r.slice(4), wc.base).searchParams
    return Number(q.get("endtime")) - Number(q.get("starttime")) === 3600 && (q.get("query") ?? "").startsWith("TS(count,*,__execute-count/")
  })
  await expect.poll(() => hour().length, { timeout: 30_000 }).toBeGreaterThan(0)
  const lines = page.locator("#charts table thead th")
  const counts = instances.filter((id) => id.includes("_count_")).sort()
  await expect.poll(async () => (await lines.allTextContents()).slice(1).sort(), { timeout: 30_000 }).toEqual(counts)
  await page.locator("#charts .chart-box canvas").first().waitFor({ timeout: 30_000 })
  expect(offContract(requests)).toEqual([])
}

/** An exception the word count never throws, as the metrics cache would answer it for one instance. */
const stackOf = (instance: string) => `Error: cannot split an empty sentence\n    at execute (split.ts:9:13)\n    at BoltRunner.run (bolt.ts:40:5)\n    (${instance})`

/**
 * An instance's own views: its log (opened at its end, followed), its container's files (viewed in
 * the log viewer), its exceptions with their stacks, its metrics per minute over a window, its pid
 * and worker thread, and a stack dump that puts its thread first.
 */
export const instanceJourney = async (browser: Browser, wc: WordCount): Promise<ReadonlyArray<string>> => {
  const { page, errors, requests } = await watch(browser)
  const { groups, stmgr } = await planOf(wc)
  const split = groups["container_2"]?.find((id) => id.includes("_split_")) ?? ""
  const s2 = stmgr(2)
  const log = join(String(s2["cwd"]), "container.log")
  const now = new Date().toISOString()
  await page.route("**/topologies/exceptions?*", (route) => {
    const q = new URL(route.request().url()).searchParams
    if (q.get("instance") !== split) return route.continue()
    return route.fulfill({ json: envelope([{ hostname: "127.0.0.1", instance_id: split, stack_trace: stackOf(split), lasttime: now, firsttime: now, count: "2", logging: "" }]) })
  })
  const tab = (name: string) => page.getByRole("tab", { name, exact: true }).click()

  // Logs: its container's log, opened at its end and followed.
  await page.goto(`${wc.base}${wc.path}/instance/${split}`)
  const pre = page.locator("pre.log")
  const lastLine = readFileSync(log, "utf8").trimEnd().split("\n").at(-1) ?? ""
  await expect.poll(() => pre.innerText(), { timeout: 30_000 }).toContain(lastLine)
  await page.getByRole("button", { name: "▶ Follow" }).click()
  await expect.poll(() => pre.getAttribute("data-following")).toBe("true")
  appendFileSync(log, `a line written while the UI follows ${split}\n`)
  await expect.poll(() => pre.innerText(), { timeout: 30_000 }).toContain(`a line written while the UI follows ${split}`)
  await page.getByRole("button", { name: "◼ Stop following" }).click()

  // Files: its container's directory; a file opens in the log viewer.
  await tab("Files")
  const file = page.locator('tr[data-file="container.log"]')
  await file.waitFor()
  expect(await file.getByRole("link", { name: /Download/ }).getAttribute("href")).toContain("container=2")
  await file.getByRole("button", { name: /View/ }).click()
  await expect.poll(() => page.getByRole("tab", { name: "Logs", exact: true }).getAttribute("aria-selected")).toBe("true")
  expect(await page.locator(".tab-panel").innerText()).toMatch(/Viewing \S*container\.log/)

  // Exceptions: its own (asked with its id), with their stacks.
  await tab("Exceptions")
  await expect.poll(() => page.locator(".tab-panel pre.stack").first().innerText(), { timeout: 30_000 }).toBe(stackOf(split))
  expect(requests.some((r) => r.startsWith("GET /topologies/exceptions?") && new URL(r.slice(4), wc.base).searchParams.get("instance") === split)).toBe(true)
  await screenshot(page, "instance-exceptions")

  // Metrics: its own timeline per minute, over the window chosen.
  await tab("Metrics")
  await page.locator("#instance-metric").selectOption("executed")
  await expect.poll(() => page.locator(".tab-panel figcaption").first().innerText()).toBe(`${split}: Executed, per minute`)
  await page.locator(".tab-panel").getByRole("radio", { name: "1 h", exact: true }).check()
  const timelines = () => requests.filter((r) => {
    if (!r.startsWith("GET /topologies/metricstimeline?")) return false
    const q = new URL(r.slice(4), wc.base).searchParams
    return q.get("instance") === split && q.get("component") === "split" && Number(q.get("endtime")) - Number(q.get("starttime")) === 3600
  })
  await expect.poll(() => timelines().length, { timeout: 30_000 }).toBeGreaterThan(0)
  await page.locator(".tab-panel .chart-box canvas").first().waitFor({ timeout: 30_000 })
  expect(await page.locator(".tab-panel table thead th").allTextContents()).toEqual(["Minute", "__execute-count/sentence/default"])
  await expect.poll(async () => (await page.locator(".tab-panel table tbody td").allTextContents()).some((v) => /^[\d.]+[kMG]?$/.test(v))).toBe(true)
  await screenshot(page, "instance-metrics")

  // Process & stack: its container's pid, its own worker thread, a stack dump that starts with it.
  await tab("Process & stack")
  await expect.poll(() => page.getByTestId("pid").innerText(), { timeout: 30_000 }).toBe(String(s2["pid"]))
  const thread = (await page.getByTestId("thread").innerText()).trim()
  expect(thread).toMatch(/^[1-9]\d*$/)
  await page.getByRole("button", { name: "Take a stack dump" }).click()
  const jstack = page.getByTestId("jstack")
  await expect.poll(() => jstack.innerText(), { timeout: 60_000 }).toContain(`pid ${String(s2["pid"])}`)
  const threads = (await jstack.innerText()).split("\n").filter((l) => l.startsWith('"'))
  expect(threads[0]).toBe(`"${split}" thread ${thread} (split, task ${split.split("_").at(-1) ?? ""})`)
  expect(threads.some((l) => l.startsWith('"main" thread'))).toBe(true)
  await screenshot(page, "instance-process")
  expect(offContract(requests)).toEqual([])
  await page.context().close()
  return errors
}
