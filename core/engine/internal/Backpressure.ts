/**
 * Backpressure bookkeeping of one stream manager, after Heron's: each outbound buffer (to a local
 * instance or to another stream manager) is watched against a high and a low watermark, with
 * hysteresis. While any of its buffers is over the high mark this stream manager *initiates*
 * backpressure and tells every other one; spouts everywhere stop while any stream manager
 * initiates, and resume once every buffer is back under the low mark.
 */

/** Per-buffer thresholds, in bytes. */
export interface Watermarks {
  /** Bytes above which a buffer starts backpressure. */
  readonly high: number
  /** Bytes under which it ends. */
  readonly low: number
}

/** This stream manager started or stopped initiating backpressure (or neither). */
export type Transition = "start" | "stop" | undefined

/** The state of one stream manager; see the top of this file. */
export class Backpressure {
  private readonly over = new Set<string>()
  private readonly remote = new Set<number>()
  private since: number | undefined
  /** Milliseconds spent initiating, not yet reported. */
  private spent = 0
  /** When each buffer over the mark went over (or was last reported). */
  private readonly overSince = new Map<string, number>()
  /** Milliseconds each buffer spent over the mark, not yet reported. */
  private readonly spentBy = new Map<string, number>()

  constructor(readonly marks: Watermarks) {}

  /** Reports a buffer's size; returns "start"/"stop" when this stream manager starts or stops
   * initiating backpressure. */
  update(link: string, bytes: number, now = performance.now()): Transition {
    const was = this.over.size > 0
    if (this.over.has(link)) {
      if (bytes <= this.marks.low) this.leave(link, now)
    } else if (bytes > this.marks.high) {
      this.over.add(link)
      this.overSince.set(link, now)
    }
    return this.transition(was, now)
  }

  private leave(link: string, now: number): void {
    if (!this.over.delete(link)) return
    const since = this.overSince.get(link)
    if (since !== undefined) this.spentBy.set(link, (this.spentBy.get(link) ?? 0) + now - since)
    this.overSince.delete(link)
  }

  /** A buffer went away (its instance or peer is gone). */
  remove(link: string, now = performance.now()): Transition {
    const was = this.over.size > 0
    this.leave(link, now)
    return this.transition(was, now)
  }

  private transition(was: boolean, now: number): Transition {
    const is = this.over.size > 0
    if (was === is) return undefined
    if (is) this.since = now
    else if (this.since !== undefined) {
      this.spent += now - this.since
      this.since = undefined
    }
    return is ? "start" : "stop"
  }

  /** Another stream manager starts (true) or stops (false) initiating. */
  setRemote(container: number, on: boolean): void {
    if (on) this.remote.add(container)
    else this.remote.delete(container)
  }

  /** This stream manager's buffers are over the mark. */
  get initiating(): boolean {
    return this.over.size > 0
  }

  /** Spouts must not emit. */
  get paused(): boolean {
    return this.over.size > 0 || this.remote.size > 0
  }

  /** The buffers now over the mark. */
  get overLinks(): ReadonlyArray<string> {
    return [...this.over]
  }

  /** Milliseconds spent initiating since the last call. */
  takeTimeSpent(now = performance.now()): number {
    let ms = this.spent
    if (this.since !== undefined) {
      ms += now - this.since
      this.since = now
    }
    this.spent = 0
    return ms
  }

  /** Milliseconds each of `links` spent over the mark (so causing backpressure) since the last
   * call: Heron's `__time_spent_back_pressure_by_compid/<instance>`. */
  takeTimeSpentBy(links: Iterable<string>, now = performance.now()): Array<[string, number]> {
    const out: Array<[string, number]> = []
    for (const link of links) {
      let ms = this.spentBy.get(link) ?? 0
      const since = this.overSince.get(link)
      if (since !== undefined) {
        ms += now - since
        this.overSince.set(link, now)
      }
      out.push([link, ms])
    }
    this.spentBy.clear()
    return out
  }
}
