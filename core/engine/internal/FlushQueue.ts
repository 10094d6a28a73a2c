/**
 * The links with something to send, sent at the end of the current event-loop turn: whatever a
 * turn routes to one destination goes in one batch (one socket write or one ring copy), however
 * many frames it came in. A link is queued once per turn however often it is marked.
 */
import type { Link } from "./Link.js"

export class FlushQueue {
  private readonly dirty: Array<Link> = []
  private scheduled = false

  /** `send`: sends one link's batches (called once per queued link and turn). */
  constructor(private readonly send: (link: Link) => void) {}

  /** Queues `link` for the end of this turn. */
  mark(link: Link): void {
    if (link.dirty) return
    link.dirty = true
    this.dirty.push(link)
    this.schedule()
  }

  /** Makes sure the queue is flushed at the end of this turn, if anything is queued. */
  schedule(): void {
    if (this.scheduled || this.dirty.length === 0) return
    this.scheduled = true
    setImmediate(this.flush)
  }

  /** Sends every queued link now. */
  readonly flush = (): void => {
    this.scheduled = false
    const links = this.dirty.splice(0)
    for (const link of links) {
      link.dirty = false
      this.send(link)
    }
  }
}
