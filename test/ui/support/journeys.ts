/**
 * Longer browser journeys of the UI tests: the keyboard alone, a narrow window, and the controls
 * (each step checked against the Tracker, not only against what the page says).
 */
import type { Browser, Page } from "playwright-core"
import { expect } from "vitest"
import { isRecord, result } from "../../support/localCluster.js"
import { DESKTOP, NARROW, screenshot, watch } from "./browser.js"
import { status, until, type WordCount } from "./wordCount.js"

/** What has the keyboard focus: its tag, classes, text and a few attributes. */
const focused = (page: Page) =>
  page.locator("html").evaluate((root) => {
    const e = root.ownerDocument.activeElement
    return {
      tag: e?.tagName.toLowerCase() ?? "",
      className: typeof e?.className === "string" ? e.className : "",
      text: (e?.textContent ?? "").trim(),
      node: e?.getAttribute("data-node") ?? null,
      role: e?.getAttribute("role") ?? null,
      href: e?.getAttribute("href") ?? null
    }
  })

/** Presses Tab until `match` holds for the focused element (at most `max` times). */
const tabTo = async (page: Page, what: string, match: (f: Awaited<ReturnType<typeof focused>>) => boolean, max = 60) => {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab")
    if (match(await focused(page))) return
  }
  throw new Error(`Tab never reached ${what}`)
}

/** From the list to an instance's files, keyboard only: skip link, links, DAG, container grid, tabs, dialog. */
export const keyboardJourney = async (browser: Browser, wc: WordCount): Promise<ReadonlyArray<string>> => {
  const { page, errors } = await watch(browser)
  await page.goto(`${wc.base}/`)
  await page.locator('tr[data-topology="word-count"]').waitFor()
  await page.keyboard.press("Tab")
  expect((await focused(page)).text).toBe("Skip to content")
  await tabTo(page, "the word count's link", (f) => f.tag === "a" && f.text === "word-count")
  await page.keyboard.press("Enter")
  await page.waitForURL((u) => u.pathname === wc.path)
  await page.locator("section.topology[data-health=ready] figure.dag svg").waitFor({ timeout: 60_000 })

  // A DAG node takes the focus and lights up its instances.
  await tabTo(page, "a DAG node", (f) => f.node !== null)
  const node = (await focused(page)).node ?? ""
  await expect.poll(() => page.locator(`a.inst[data-comp="${node}"]`).first().evaluate((e) => e.ownerDocument.defaultView?.getComputedStyle(e).outlineStyle)).toBe("solid")

  // A container's grid is one tab stop; arrow keys move inside it; Enter opens the instance.
  await tabTo(page, "an instance", (f) => f.className.includes("inst"))
  const first = (await focused(page)).href
  await page.keyboard.press("ArrowRight")
  const second = await focused(page)
  expect(second.className).toContain("inst")
  expect(second.href).not.toBe(first)
  await page.keyboard.press("Enter")
  await page.waitForURL(/\/instance\//)

  // Tabs: arrow keys select the next one (and it goes into the URL).
  await tabTo(page, "the selected tab", (f) => f.role === "tab")
  await page.keyboard.press("ArrowRight")
  await page.waitForURL(/tab=files/)
  expect(await page.getByRole("tab", { name: "Files" }).getAttribute("aria-selected")).toBe("true")
  await page.locator('tr[data-file="container.log"]').waitFor()

  // A confirmation dialog opens from the keyboard and Escape closes it, changing nothing.
  await page.goto(`${wc.base}${wc.path}`)
  await page.locator("section.topology figure.dag svg").waitFor({ timeout: 60_000 })
  await tabTo(page, "Restart…", (f) => f.tag === "button" && f.text.includes("Restart"))
  await page.keyboard.press("Enter")
  await page.locator("dialog[open]").waitFor()
  expect((await focused(page)).text).toBe("Cancel")
  await page.keyboard.press("Escape")
  await expect.poll(() => page.locator("dialog[open]").count()).toBe(0)
  await page.context().close()
  return errors
}

/**
 * Every page at 1280×800 and at phone width: nothing wider than the window (wide tables scroll
 * inside their own region). Screenshots of the narrow ones.
 */
export const fitPages = async (browser: Browser, wc: WordCount): Promise<ReadonlyArray<string>> => {
  const errors: Array<string> = []
  const instance = `${wc.path}/instance/${encodeURIComponent(await firstInstance(wc, "split"))}`
  const pages: ReadonlyArray<{ readonly name: string; readonly path: string; readonly ready: string }> = [
    { name: "topology-list", path: "/", ready: 'tr[data-topology="word-count"]' },
    { name: "topology", path: wc.path, ready: "section.topology[data-health=ready] figure.dag svg" },
    { name: "container", path: `${wc.path}/container/1`, ready: "pre.log" },
    { name: "instance", path: `${instance}?tab=memory`, ready: "table.histo tbody th" }
  ]
  for (const viewport of [DESKTOP, NARROW]) {
    const w = await watch(browser, viewport)
    const overflow = () => w.page.locator("html").evaluate((root) => root.scrollWidth - root.clientWidth)
    for (const p of pages) {
      await w.page.goto(`${wc.base}${p.path}`)
      await w.page.locator(p.ready).first().waitFor({ timeout: 60_000 })
      expect([viewport.width, p.name, await overflow()]).toEqual([viewport.width, p.name, 0])
      if (viewport === NARROW) await screenshot(w.page, `narrow-${p.name}`)
    }
    errors.push(...w.errors)
    await w.page.context().close()
  }
  return errors
}

/** The id of one instance of `component`. */
const firstInstance = async (wc: WordCount, component: string): Promise<string> => {
  const plan = await result(`${wc.base}/topologies/physicalplan?${wc.query}`)
  const ids = isRecord(plan) && isRecord(plan["instances"]) ? Object.keys(plan["instances"]) : []
  const id = ids.sort().find((i) => i.includes(`_${component}_`))
  if (id === undefined) throw new Error(`no instance of ${component} in the physical plan`)
  return id
}

/** Opens a control's dialog and confirms it. */
const confirm = async (page: Page, button: string, fill?: (dialog: ReturnType<Page["locator"]>) => Promise<void>) => {
  await page.getByRole("button", { name: button, exact: true }).click()
  const dialog = page.locator("dialog[open]")
  await dialog.waitFor()
  if (fill !== undefined) await fill(dialog)
  await dialog.locator('button[type="submit"]').click()
}

const restartsOf = async (wc: WordCount, index: number): Promise<number | undefined> => {
  const r = await fetch(`${wc.base}/scheduler/status?cluster=local&topology=word-count`).then((x) => x.json() as Promise<unknown>)
  const containers = isRecord(r) && Array.isArray(r["containers"]) ? r["containers"] : []
  const c = containers.find((x: unknown) => isRecord(x) && x["index"] === index)
  return isRecord(c) && typeof c["restarts"] === "number" ? c["restarts"] : undefined
}

/** Deactivate (PAUSED), activate, restart one container, kill: through the UI, checked in the Tracker. */
export const controlJourney = async (browser: Browser, wc: WordCount): Promise<ReadonlyArray<string>> => {
  const { page, errors } = await watch(browser)
  await page.goto(`${wc.base}${wc.path}`)
  await page.locator("section.topology figure.dag svg").waitFor({ timeout: 60_000 })
  const said = page.locator(".controls [role=status]")

  await confirm(page, "Deactivate")
  await until("the topology paused", async () => ((await status(wc)) === "Paused" ? true : undefined))
  await expect.poll(() => said.innerText(), { timeout: 60_000 }).toMatch(/deactivated|paused/i)
  await expect.poll(() => page.locator("h1 .status").innerText(), { timeout: 30_000 }).toContain("Paused")
  await screenshot(page, "topology-paused")

  await confirm(page, "Activate")
  await until("the topology running again", async () => ((await status(wc)) === "Running" ? true : undefined))

  const before = (await restartsOf(wc, 2)) ?? 0
  const others = [(await restartsOf(wc, 1)) ?? 0]
  await confirm(page, "Restart…", async (d) => void (await d.getByLabel("Which containers").selectOption("2")))
  await until("container 2 restarted", async () => (((await restartsOf(wc, 2)) ?? 0) > before ? true : undefined))
  await expect.poll(() => said.innerText(), { timeout: 60_000 }).toMatch(/restart/i)
  // One container only: the others were left alone.
  expect([(await restartsOf(wc, 1)) ?? 0]).toEqual(others)

  // Every container: each one's processes start again.
  const all = await Promise.all([1, 2].map(async (i) => (await restartsOf(wc, i)) ?? 0))
  await confirm(page, "Restart…", async (d) => {
    expect(await d.getByLabel("Which containers").inputValue()).toBe("all")
  })
  await until("every container restarted", async () => {
    const now = await Promise.all([1, 2].map(async (i) => (await restartsOf(wc, i)) ?? 0))
    return now.every((n, k) => n > (all[k] ?? 0)) ? true : undefined
  }, 120_000)
  await expect.poll(() => said.innerText(), { timeout: 60_000 }).toMatch(/restart/i)
  await until("the topology running again", async () => ((await status(wc)) === "Running" ? true : undefined))

  await page.getByRole("button", { name: "Kill…", exact: true }).click()
  const dialog = page.locator("dialog[open]")
  const kill = dialog.locator('button[type="submit"]')
  expect(await kill.isDisabled()).toBe(true)
  await dialog.getByLabel(/to confirm/).fill("word-count")
  expect(await kill.isEnabled()).toBe(true)
  await screenshot(page, "topology-kill-dialog")
  await kill.click()
  await page.waitForURL((u) => u.pathname === "/", { timeout: 120_000 })
  await expect.poll(() => page.locator(".flash").innerText()).toContain("was killed")
  const states = await result(`${wc.base}/topologies/states`)
  expect(JSON.stringify(states)).not.toContain("word-count")
  await page.context().close()
  return errors
}
