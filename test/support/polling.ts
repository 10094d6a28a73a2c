/**
 * Waiting on what a real runtime, its Tracker or a UI test's topology will eventually answer.
 * Each suite picks how patient it is once, with `polling`, and calls the `until` it gets.
 */

export interface Patience {
  /** How long `until` waits before it fails, unless a call says otherwise. */
  readonly timeoutMs: number
  /** The pause between two calls of the probe. */
  readonly everyMs: number
  /**
   * What a probe that throws or rejects means: "not yet" (the default: the Tracker answers with an
   * error before the topology registers), or a failure of the test at once ("fail"), for suites
   * whose probes only throw when something is really wrong.
   */
  readonly onProbeError?: "retry" | "fail"
}

/**
 * `until(what, probe)`: calls `probe` every `everyMs` until it resolves to a value, and returns it.
 * A probe that throws or rejects counts as "not yet" (the Tracker answers with an error before the
 * topology registers). After `timeoutMs` it fails naming `what` and the probe's last error.
 */
export const polling = ({ timeoutMs: defaultTimeoutMs, everyMs, onProbeError = "retry" }: Patience) =>
  async <A>(what: string, probe: () => Promise<A | undefined>, timeoutMs = defaultTimeoutMs): Promise<A> => {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    for (;;) {
      try {
        const value = await probe()
        if (value !== undefined) return value
      } catch (e) {
        if (onProbeError === "fail") throw e
        last = e
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? "" : ` (last error: ${String(last)})`}`)
      await new Promise((r) => setTimeout(r, everyMs))
    }
  }

/**
 * `waitUntil(what, condition)`: for in-process tests, checks a synchronous condition every
 * `everyMs` (a few ms: what it waits on moves on the same event loop) and fails naming `what`
 * after `timeoutMs`.
 */
export const waitUntil = async (what: string, condition: () => boolean, timeoutMs = 10_000, everyMs = 2): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
