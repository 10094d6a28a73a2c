// A runtime started with an access token ($HERON_ACCESS_TOKEN): its control endpoints refuse the
// UI (401) until the operator gives the token; the UI asks for it, says when it is wrong, keeps it
// in this tab's sessionStorage only, sends it as a bearer token with control requests only, and
// never shows it.
import { join } from "node:path"
import type { Browser, Request } from "playwright-core"
import { afterAll, beforeAll, expect, it } from "vitest"
import { isRecord, result, startRuntime, stopRuntime } from "../support/localCluster.js"
import { type Running, repoRoot, run, stopAll, tempHome } from "../support/processes.js"
import { describeBrowser, launch, screenshot, watch } from "./support/browser.js"
import { readyUrl, until } from "./support/wordCount.js"

const TOKEN = "ui-test-access-token-7f3a"
const home = tempHome()
let browser: Browser | undefined
let runtime: Running | undefined
let base = ""
let role = ""
const query = "cluster=local&environ=default&topology=ticker"

const statusOf = async () => {
  const es = await result(`${base}/topologies/executionstate?${query}`)
  return isRecord(es) ? es["status"] : undefined
}

describeBrowser("the UI's controls on a runtime with an access token", () => {
  beforeAll(async () => {
    browser = await launch()
    runtime = startRuntime(home.dir, { HERON_ACCESS_TOKEN: TOKEN })
    base = await readyUrl(runtime)
    const submit = await run("heron", ["submit", "local", join(repoRoot, "test/fixtures/topologies/ticker.ts"), "--config-property", "topology.metrics.interval.secs=1"], { HERON_HOME: home.dir })
    if (submit.code !== 0) throw new Error(`heron submit failed: ${submit.stderr}`)
    const es = await result(`${base}/topologies/executionstate?${query}`)
    role = isRecord(es) ? String(es["role"]) : ""
    // The page reads metrics: wait for the metrics cache, so that no request of the page fails but the refused ones.
    await until("ticker's metrics cache", async () => ((await fetch(`${base}/topologies/exceptionsummary?${query}&component=sink`)).status === 200 ? true : undefined))
  }, 300_000)
  afterAll(async () => {
    await browser?.close()
    if (runtime !== undefined) {
      await run("heron", ["kill", "local", "ticker"], { HERON_HOME: home.dir })
      await stopRuntime(runtime)
    }
    await stopAll()
    home.cleanup()
  }, 120_000)

  it("asks for the token on 401, retries with it, refuses a wrong one, keeps it for the tab only", async () => {
    if (browser === undefined) throw new Error("no browser")
    const { page, errors } = await watch(browser)
    const controls: Array<Request> = []
    const others: Array<Request> = []
    page.on("request", (r) => (new URL(r.url()).pathname.startsWith("/api/") ? controls : others).push(r))
    await page.goto(`${base}/topology/local/${role}/default/ticker`)
    await page.locator("section.topology figure.dag svg").waitFor({ timeout: 60_000 })

    // Without a token: refused, and the UI asks for one.
    await page.getByRole("button", { name: "Deactivate", exact: true }).click()
    await page.locator("dialog[open] button[type=submit]").click()
    const tokenDialog = page.locator("dialog[open]", { hasText: "Access token" })
    await tokenDialog.waitFor()
    expect(await tokenDialog.locator(".error").innerText()).toContain("missing bearer token")
    expect(controls.map((r) => r.headers()["authorization"])).toEqual([undefined])

    // A wrong token: refused again, said so.
    await tokenDialog.getByLabel("Token").fill("not-the-token")
    await screenshot(page, "token-dialog")
    await tokenDialog.getByRole("button", { name: "Use this token" }).click()
    await expect.poll(() => page.locator(".controls [role=status]").innerText(), { timeout: 30_000 }).toContain("invalid bearer token")
    expect(controls.map((r) => r.headers()["authorization"])).toEqual([undefined, "Bearer not-the-token"])
    expect(await statusOf()).toBe("Running")

    // The right one: asked for again (the header's button), then the deactivation goes through.
    await page.getByRole("button", { name: /Access token: set/ }).click()
    await page.locator("dialog[open]").getByLabel("Token").fill(TOKEN)
    await page.locator("dialog[open]").getByRole("button", { name: "Use this token" }).click()
    await page.getByRole("button", { name: "Deactivate", exact: true }).click()
    await page.locator("dialog[open] button[type=submit]").click()
    await until("ticker paused", async () => ((await statusOf()) === "Paused" ? true : undefined))
    expect(controls.at(-1)?.headers()["authorization"]).toBe(`Bearer ${TOKEN}`)

    // Kept for this tab only, sent with control requests only, never on the page.
    expect(await page.evaluate(`sessionStorage.getItem("heron.accessToken")`)).toBe(TOKEN)
    expect(others.filter((r) => r.headers()["authorization"] !== undefined)).toEqual([])
    expect(await page.content()).not.toContain(TOKEN)
    const other = await watch(browser)
    await other.page.goto(`${base}/`)
    expect(await other.page.evaluate(`sessionStorage.getItem("heron.accessToken")`)).toBeNull()
    await other.page.context().close()

    // The only console errors are the browser's notes of the two refused requests.
    expect(errors.filter((e) => !e.includes("status of 401"))).toEqual([])
    expect(errors.length).toBe(2)
    await page.context().close()
  }, 180_000)
})
