// The Heron UI in Debian's Chromium against a real runtime running examples/word-count.ts: the
// topology list (health in words), the topology page (DAG mapped onto containers on hover, every
// overlay, counters, charts, exceptions, config), the container and instance pages (log paging
// and follow, files, exceptions, metrics, pid, thread, stack, heap statistics, heap dumps
// downloaded and parsed as V8 snapshots), keyboard use, 1280×800 and a narrow window, the
// controls, and no console errors anywhere. Screenshots go to test/artifacts/.
import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, expect, it } from "vitest"
import { isRecord, result } from "../support/localCluster.js"
import { stopAll } from "../support/processes.js"
import { describeBrowser, launch, screenshot, watch } from "./support/browser.js"
import { controlJourney, fitPages, keyboardJourney } from "./support/journeys.js"
import { instanceJourney, listHealthJourney, planOf, topologyDetails } from "./support/views.js"
import { startWordCount, type WordCount } from "./support/wordCount.js"

const record = (u: unknown): Record<string, unknown> => (isRecord(u) ? u : {})

let browser: Browser | undefined
let wc: WordCount | undefined

const ready = () => {
  if (browser === undefined || wc === undefined) throw new Error("the browser or the word count did not start")
  return { browser, wc }
}

/** Opens the topology page and waits until its structure and health are drawn. */
const openTopology = async (page: Page, w: WordCount) => {
  await page.goto(`${w.base}${w.path}`)
  await page.locator("section.topology[data-health=ready] figure.dag svg").waitFor({ timeout: 60_000 })
}

describeBrowser("the Heron UI in Chromium, against a running word count", () => {
  beforeAll(async () => {
    ;[browser, wc] = await Promise.all([launch(), startWordCount()])
  }, 300_000)
  afterAll(async () => {
    await browser?.close()
    await wc?.stop()
    await stopAll()
  }, 120_000)

  it("lists the word count with every column, filters and searches it, refreshes live, marks it when unhealthy", async () => {
    const { browser, wc } = ready()
    const { page, errors, requests } = await watch(browser)
    await page.goto(`${wc.base}/`)
    const row = page.locator('tr[data-topology="word-count"]')
    await row.waitFor()
    const es = record(await result(`${wc.base}/topologies/executionstate?${wc.query}`))
    expect(await row.locator("th a").innerText()).toBe("word-count")
    await expect.poll(() => row.locator("td").nth(4).innerText(), { timeout: 30_000 }).toBe("5")
    const cells = (await row.locator("td").allInnerTexts()).map((c) => c.replace(/\s+/g, " ").trim())
    expect(cells.slice(0, 4)).toEqual(["▶ Running", "local", wc.role, "default"])
    expect(cells.slice(5, 7)).toEqual([String(es["release_version"]), String(es["submission_user"])])
    expect(cells[7]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    await expect.poll(() => row.locator("td").nth(8).innerText(), { timeout: 30_000 }).not.toBe("…")

    await page.getByLabel("Name").fill("no-such-topology")
    await expect.poll(() => page.locator("p.empty").innerText()).toContain("No topology matches")
    expect(new URL(page.url()).searchParams.get("q")).toBe("no-such-topology")
    await page.getByLabel("Name").fill("word")
    await row.waitFor()
    await page.getByLabel("Environ").selectOption("default")
    await page.getByLabel("Cluster").selectOption("local")
    await page.getByLabel("Role").selectOption(wc.role)
    await row.waitFor()
    expect(new URL(page.url()).searchParams.get("environ")).toBe("default")

    // Live refresh: the states are read again without a reload.
    const reads = () => requests.filter((r) => r.startsWith("GET /topologies/states")).length
    const before = reads()
    await expect.poll(reads, { timeout: 20_000 }).toBeGreaterThan(before)
    await screenshot(page, "topology-list")

    // A container that is down (as the scheduler would report it) marks the row, in words too.
    await page.route("**/scheduler/status?*", (route) =>
      route.fulfill({
        json: {
          topology: "word-count",
          containers: [
            { index: 0, state: "running", handle: "1@1", restarts: 0 },
            { index: 1, state: "exited", handle: "2@2", restarts: 3, message: "exited with code 1" },
            { index: 2, state: "running", handle: "3@3", restarts: 0 }
          ]
        }
      }))
    await page.reload()
    await expect.poll(() => row.getAttribute("class"), { timeout: 30_000 }).toBe("unhealthy")
    expect(await row.locator("td").nth(8).innerText()).toContain("1 container down")
    expect(await row.locator("td").nth(8).innerText()).toContain("critical")
    await screenshot(page, "topology-list-unhealthy")
    expect(errors).toEqual([])
    await page.context().close()
  }, 120_000)

  it("says healthy in words when nothing is wrong, and marks back-pressure and failures in words and glyphs; filters hide what they do not match", async () => {
    const { browser, wc } = ready()
    expect(await listHealthJourney(browser, wc)).toEqual([])
  }, 120_000)

  it("draws the DAG and the containers, maps one onto the other on hover, with overlays, counters, charts and config, in few requests", async () => {
    const { browser, wc } = ready()
    const { page, errors, requests } = await watch(browser)
    // The plans are preloaded by the page's HTML (Chromium's type "other", not the client's "fetch")
    // and the UI's client takes them from there: one request each.
    const plans: Array<string> = []
    page.on("request", (r) => {
      const path = new URL(r.url()).pathname
      if (path === "/topologies/logicalplan" || path === "/topologies/physicalplan") plans.push(`${r.resourceType()} ${path}`)
    })
    await openTopology(page, wc)
    expect(plans.sort()).toEqual(["other /topologies/logicalplan", "other /topologies/physicalplan"])
    // What it took to draw it: requests per component (3 of them: metrics, exceptions) and per
    // topology (plans, state, scheduler, stream managers, a chart), none per instance. Live refresh
    // repeats the same ones: distinct requests are counted.
    const initial = [...new Set(requests)]
    expect(initial.filter((r) => r.includes("instance="))).toEqual([])
    expect(initial.length).toBeLessThanOrEqual(7 + 2 * 3)
    await expect.poll(() => page.locator("figure.dag").getAttribute("data-layout")).toBe("elk")
    const node = (name: string) => page.locator(`g.node[data-node="${name}"]`)
    expect(await node("sentence").textContent()).toContain("spout ×1")
    expect(await node("split").textContent()).toContain("bolt ×2")
    expect(await node("count").textContent()).toContain("bolt ×2")
    expect(await page.locator(".edge-label").allTextContents()).toEqual(expect.arrayContaining(["SHUFFLE", "FIELDS"]))

    // Containers hold exactly the physical plan's instances.
    const plan = (await planOf(wc)).groups
    for (const [group, ids] of Object.entries(plan)) {
      const c = page.locator(`li[data-container="${group.replace("container_", "")}"] a.inst`)
      const shown = (await c.evaluateAll((els) => els.map((e) => e.getAttribute("href")?.split("/").pop() ?? ""))).sort()
      expect([group, shown]).toEqual([group, ids])
    }
    await page.locator('li[data-container="0"]').waitFor()

    // Hover a component: its instances light up, the others do not; hover an instance: its node does.
    const outline = (selector: string) => page.locator(selector).first().evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).outlineStyle)
    await node("split").hover()
    await expect.poll(() => outline('a.inst[data-comp="split"]')).toBe("solid")
    expect(await outline('a.inst[data-comp="count"]')).toBe("none")
    await page.locator('a.inst[data-comp="count"]').first().hover()
    await expect.poll(() => node("count").locator("rect.node-box").evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).stroke)).toBe("rgb(196, 0, 90)")
    expect(await node("split").locator("rect.node-box").evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).stroke)).not.toBe("rgb(196, 0, 90)")
    await expect.poll(() => outline('a.inst[data-comp="count"]')).toBe("solid")

    // Overlays: every instance graded from its metrics; bolts have a capacity, all have a heap.
    const graded = (comp: string) => page.locator(`a.inst[data-comp="${comp}"]`).evaluateAll((els) => els.map((e) => e.className))
    expect((await graded("split")).every((c) => !c.includes("level-none"))).toBe(true)
    await page.getByRole("radio", { name: "Memory" }).check()
    await expect.poll(async () => (await graded("sentence")).every((c) => !c.includes("level-none"))).toBe(true)
    expect(await page.locator('a.inst[data-comp="sentence"]').first().getAttribute("title")).toMatch(/heap \d+(\.\d+)?% of RAM, (healthy|warning|critical)/)
    await page.getByRole("radio", { name: "Back-pressure" }).check()
    await page.getByRole("radio", { name: "Capacity" }).check()

    // Counters over 10 min, then 1 h (one more request per component).
    const counters = page.locator("table.counters")
    const executed = async () => (await counters.locator("tr", { hasText: "count (bolt)" }).locator("td").nth(1).innerText()).trim()
    await expect.poll(executed).toMatch(/^[\d.]+[kMG]?$/)
    await page.getByRole("radio", { name: "1 h" }).first().check()
    await expect.poll(() => requests.some((r) => r.includes("interval=3600"))).toBe(true)
    await expect.poll(executed).toMatch(/^[\d.]+[kMG]?$/)

    // Charts: the count bolt's executed tuples per minute, drawn by uPlot.
    await page.locator("#chart-component").selectOption("count")
    await page.locator("#chart-metric").selectOption("executed")
    await expect.poll(() => page.locator("#charts figcaption").first().innerText()).toBe("count: Executed, per minute")
    await page.locator("#charts .chart-box canvas").first().waitFor({ timeout: 30_000 })

    expect(await page.locator("#exceptions").innerText()).toContain("No exception reported")
    const config = page.locator("#config table.config tr", { hasText: "topology.metrics.interval.secs" })
    expect(await config.locator("td").innerText()).toBe("1")
    await screenshot(page, "topology")

    // Every overlay, grades told apart without colour, counters over 3 h and all, a chart over 1 h.
    await topologyDetails(page, wc, requests)
    expect(errors).toEqual([])
    await page.context().close()
  }, 180_000)

  it("shows exceptions with their stacks", async () => {
    const { browser, wc } = ready()
    const { page, errors } = await watch(browser)
    // The word count throws nothing: its exceptions are given as the metrics cache would answer.
    const now = new Date().toISOString()
    const stack = "Error: no such word\n    at execute (count.ts:12:11)\n    at BoltRunner.run (bolt.ts:40:5)"
    await page.route("**/topologies/exceptionsummary?*", (route) => {
      const component = new URL(route.request().url()).searchParams.get("component")
      const result = component === "count" ? [{ class_name: "Error", lasttime: now, firsttime: now, count: "3" }] : []
      return route.fulfill({ json: { status: "success", executiontime: 0.001, message: "", result, tracker_version: { version: "test" } } })
    })
    await page.route("**/topologies/exceptions?*", (route) =>
      route.fulfill({
        json: {
          status: "success", executiontime: 0.001, message: "", tracker_version: { version: "test" },
          result: [{ hostname: "127.0.0.1", instance_id: "container_1_count_5", stack_trace: stack, lasttime: now, firsttime: now, count: "3", logging: "" }]
        }
      }))
    await openTopology(page, wc)
    const row = page.locator("#exceptions tr", { hasText: "Error" })
    await row.waitFor()
    expect(await row.locator("th").innerText()).toBe("count")
    await row.getByRole("button").click()
    await expect.poll(() => page.locator("#exceptions pre.stack").first().innerText()).toBe(stack)
    await screenshot(page, "topology-exceptions")
    expect(errors).toEqual([])
    await page.context().close()
  }, 120_000)

  it("shows the log page asked for last, when the page opened on arrival answers after 'Tail' was asked", async () => {
    const { browser, wc } = ready()
    const { page, errors } = await watch(browser)
    // The first answer about the log's end is held back 2.5 s: the tail opened on arrival then
    // answers after the reader has asked for a newer tail, and must not replace it.
    let held: Promise<void> | undefined
    await page.route("**/topologies/containerfiledata?*", async (route) => {
      const response = await route.fetch()
      if (held === undefined && new URL(route.request().url()).searchParams.get("offset") === "-1") {
        held = new Promise<void>((resolve) => setTimeout(resolve, 2500)).then(() => route.fulfill({ response }))
        return held
      }
      return route.fulfill({ response })
    })
    await page.goto(`${wc.base}${wc.path}/container/1`)
    const stmgr = record(record(record(await result(`${wc.base}/topologies/physicalplan?${wc.query}`))["stmgrs"])["stmgr-1"])
    // The held answer has been read from the Tracker: the line below is newer than it.
    await expect.poll(() => held !== undefined, { timeout: 30_000 }).toBe(true)
    appendFileSync(join(String(stmgr["cwd"]), "container.log"), "a line written after the page opened\n")
    await page.getByRole("button", { name: "Tail ⇥" }).click()
    const pre = page.locator("pre.log")
    await expect.poll(() => pre.innerText(), { timeout: 30_000 }).toContain("a line written after the page opened")
    await held
    // Whatever the late answer would have asked for next is local and quick.
    await page.waitForTimeout(1500)
    expect(await pre.innerText()).toContain("a line written after the page opened")
    expect(errors).toEqual([])
    await page.context().close()
  }, 120_000)

  it("pages through a container's log and follows it, browses and downloads its files, shows its process, its heap and a heap dump", async () => {
    const { browser, wc } = ready()
    const { page, errors } = await watch(browser)
    await openTopology(page, wc)
    await page.locator('li[data-container="1"] .container-head a').click()
    await page.waitForURL(/\/container\/1$/)
    const stmgr = record(record(record(await result(`${wc.base}/topologies/physicalplan?${wc.query}`))["stmgrs"])["stmgr-1"])
    const log = join(String(stmgr["cwd"]), "container.log")
    // More than a page of log, so that there is an older page to go to.
    appendFileSync(log, `${"older line of the ui test\n".repeat(4000)}last line before following\n`)
    await page.getByRole("button", { name: "Tail ⇥" }).click()
    const pre = page.locator("pre.log")
    await expect.poll(() => pre.innerText(), { timeout: 30_000 }).toContain("last line before following")
    const older = page.getByRole("button", { name: "← Older" })
    // Enabled once the page is shown and the viewer is no longer busy fetching.
    await expect.poll(() => older.isEnabled()).toBe(true)
    await older.click()
    await expect.poll(async () => (await pre.innerText()).includes("last line before following")).toBe(false)
    await page.getByRole("button", { name: "▶ Follow" }).click()
    await expect.poll(() => pre.getAttribute("data-following")).toBe("true")
    appendFileSync(log, "a line written while the UI follows\n")
    await expect.poll(() => pre.innerText(), { timeout: 30_000 }).toContain("a line written while the UI follows")
    await screenshot(page, "container-log")
    await page.getByRole("button", { name: "◼ Stop following" }).click()

    await page.getByRole("tab", { name: "Files" }).click()
    const file = page.locator('tr[data-file="container.log"]')
    await file.waitFor()
    const [download] = await Promise.all([page.waitForEvent("download"), file.getByRole("link", { name: /Download/ }).click()])
    const saved = await download.path()
    expect(readFileSync(saved, "utf8")).toContain("a line written while the UI follows")
    await screenshot(page, "container-files")

    await page.getByRole("tab", { name: "Instances" }).click()
    const inContainer1 = (await planOf(wc)).groups["container_1"]
    await expect.poll(async () => (await page.locator(".instance-list a").allInnerTexts()).sort(), { timeout: 30_000 }).toEqual(inContainer1)

    await page.getByRole("tab", { name: "Process & stack" }).click()
    await expect.poll(() => page.getByTestId("pid").innerText(), { timeout: 30_000 }).toBe(String(stmgr["pid"]))
    await page.getByRole("button", { name: "Take a stack dump" }).click()
    await expect.poll(() => page.getByTestId("jstack").innerText(), { timeout: 60_000 }).toContain(`pid ${String(stmgr["pid"])}`)
    expect(await page.getByTestId("thread").innerText()).toBe("0")

    // The heap of the container's main thread (its stream manager): statistics, then a dump.
    await page.getByRole("tab", { name: "Memory & heap dump" }).click()
    await expect.poll(() => page.locator("table.histo tbody th").allInnerTexts(), { timeout: 60_000 }).toEqual(expect.arrayContaining(["old_space", "new_space"]))
    await page.getByRole("button", { name: "Take a heap dump" }).click()
    const link = page.locator("a.download")
    await link.waitFor({ timeout: 120_000 })
    const [dump] = await Promise.all([page.waitForEvent("download"), link.click()])
    expect(dump.suggestedFilename()).toBe("heapdump-container-1.heapsnapshot")
    const snapshot = record(JSON.parse(readFileSync(await dump.path(), "utf8")))
    expect(record(record(snapshot["snapshot"])["meta"])["node_fields"]).toEqual(expect.arrayContaining(["type", "name", "id", "self_size"]))
    await screenshot(page, "container-memory")
    expect(errors).toEqual([])
    await page.context().close()
  }, 180_000)

  it("shows an instance's heap statistics and takes a heap dump that downloads as a V8 heap snapshot", async () => {
    const { browser, wc } = ready()
    const { page, errors } = await watch(browser)
    const split = (await planOf(wc)).groups["container_1"]?.find((id) => id.includes("_split_")) ?? ""
    await page.goto(`${wc.base}${wc.path}/instance/${split}?tab=memory`)
    const spaces = page.locator("table.histo tbody th")
    await expect.poll(() => spaces.allInnerTexts(), { timeout: 60_000 }).toEqual(expect.arrayContaining(["old_space", "new_space"]))
    await page.getByRole("button", { name: "Take a heap dump" }).click()
    const link = page.locator("a.download")
    await link.waitFor({ timeout: 120_000 })
    expect(await link.innerText()).toContain(`heapdump-${split}.heapsnapshot`)
    await screenshot(page, "instance-memory")
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()])
    expect(download.suggestedFilename()).toBe(`heapdump-${split}.heapsnapshot`)
    const snapshot = record(JSON.parse(readFileSync(await download.path(), "utf8")))
    const meta = record(record(snapshot["snapshot"])["meta"])
    expect(meta["node_fields"]).toEqual(expect.arrayContaining(["type", "name", "id", "self_size"]))
    expect(Array.isArray(snapshot["nodes"]) && snapshot["nodes"].length > 0).toBe(true)

    await page.getByRole("tab", { name: "Metrics" }).click()
    await page.locator(".chart-box canvas").first().waitFor({ timeout: 30_000 })
    await page.getByRole("tab", { name: "Exceptions" }).click()
    await expect.poll(() => page.locator(".tab-panel").innerText()).toContain("No exception reported")
    // Its log is its container's: the viewer opens at its end.
    await page.getByRole("tab", { name: "Logs" }).click()
    const stmgr = record(record(record(await result(`${wc.base}/topologies/physicalplan?${wc.query}`))["stmgrs"])["stmgr-1"])
    const lastLine = readFileSync(join(String(stmgr["cwd"]), "container.log"), "utf8").trimEnd().split("\n").at(-1) ?? ""
    await expect.poll(() => page.locator("pre.log").innerText(), { timeout: 30_000 }).toContain(lastLine)
    await screenshot(page, "instance-logs")
    expect(errors).toEqual([])
    await page.context().close()
  }, 240_000)

  it("shows an instance's own views: its log followed, its files, its exceptions with stacks, its metrics over a window, its pid, thread and stack", async () => {
    const { browser, wc } = ready()
    expect(await instanceJourney(browser, wc)).toEqual([])
  }, 240_000)

  it("can be used with the keyboard alone: skip link, links, DAG nodes, the container grid, tabs, dialogs", async () => {
    const { browser, wc } = ready()
    expect(await keyboardJourney(browser, wc)).toEqual([])
  }, 180_000)

  it("fits a 1280×800 window and a narrow one, every page", async () => {
    const { browser, wc } = ready()
    expect(await fitPages(browser, wc)).toEqual([])
  }, 180_000)

  // Last: it kills the topology.
  it("deactivates (PAUSED in the Tracker), activates, restarts a container, then all, and kills the topology, each confirmed first", async () => {
    const { browser, wc } = ready()
    expect(await controlJourney(browser, wc)).toEqual([])
  }, 300_000)
})
