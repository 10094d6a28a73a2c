/**
 * Debian's Chromium driven by playwright-core (never `playwright install`): where it is, a
 * `describe` that skips when it is missing (and fails in CI), pages that record console errors
 * and failed requests, and screenshots saved under test/artifacts/ (CI keeps them).
 */
import { existsSync, mkdirSync } from "node:fs"
import { join } from "node:path"
import { type Browser, chromium, type Page } from "playwright-core"
import { describe } from "vitest"
import { repoRoot } from "../../support/processes.js"

export const CHROMIUM = process.env["HERON_CHROMIUM"] ?? "/usr/bin/chromium"
export const hasChromium = existsSync(CHROMIUM)

/**
 * `describe` for browser tests: runs them when Chromium is installed; when it is not, fails them
 * in CI (`CI=true`) and skips them elsewhere.
 */
export const describeBrowser: typeof describe | typeof describe.skip =
  hasChromium || process.env["CI"] === "true" ? describe : describe.skip

export const launch = (): Promise<Browser> => {
  if (!hasChromium) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]
  })
}

export const DESKTOP = { width: 1280, height: 800 } as const
export const NARROW = { width: 390, height: 844 } as const

/** A page and what went wrong in it: console errors, uncaught exceptions. */
export interface Watched {
  readonly page: Page
  /** Console errors and uncaught exceptions so far, with the URL they happened at. */
  readonly errors: Array<string>
  /** Tracker requests made (paths with their query), UI assets left out. */
  readonly requests: Array<string>
}

export const watch = async (browser: Browser, viewport: { readonly width: number; readonly height: number } = DESKTOP): Promise<Watched> => {
  const context = await browser.newContext({ viewport, acceptDownloads: true })
  const page = await context.newPage()
  const errors: Array<string> = []
  const requests: Array<string> = []
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console error at ${page.url()}: ${m.text()}`)
  })
  page.on("pageerror", (e) => errors.push(`uncaught at ${page.url()}: ${e.message}`))
  page.on("request", (r) => {
    const url = new URL(r.url())
    if (r.resourceType() === "fetch" || r.resourceType() === "xhr") requests.push(`${r.method()} ${url.pathname}${url.search}`)
  })
  return { page, errors, requests }
}

const artifacts = join(repoRoot, "test/artifacts")

/** Saves a full-page screenshot as test/artifacts/<name>.png and returns its path. */
export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(artifacts, { recursive: true })
  const path = join(artifacts, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
