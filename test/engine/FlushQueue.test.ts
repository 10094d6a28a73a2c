import { describe, expect, it } from "vitest"
import { FlushQueue } from "../../core/engine/internal/FlushQueue.js"
import { Link } from "../../core/engine/internal/Link.js"

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("FlushQueue", () => {
  it("sends a link once at the end of the turn, however often it was marked", async () => {
    const sent: Array<string> = []
    const queue = new FlushQueue((link) => void sent.push(link.name))
    const a = new Link("a")
    const b = new Link("b")
    queue.mark(a)
    queue.mark(b)
    queue.mark(a)
    expect(sent).toEqual([])
    await turn()
    expect(sent).toEqual(["a", "b"])
    expect(a.dirty).toBe(false)
    // Marked again in a later turn: sent again.
    queue.mark(a)
    await turn()
    expect(sent).toEqual(["a", "b", "a"])
  })

  it("sends at once on flush, and not again at the end of the turn", async () => {
    const sent: Array<string> = []
    const queue = new FlushQueue((link) => void sent.push(link.name))
    queue.mark(new Link("a"))
    queue.flush()
    expect(sent).toEqual(["a"])
    await turn()
    expect(sent).toEqual(["a"])
  })

  it("a link marked while the queue sends goes in the next turn", async () => {
    const sent: Array<string> = []
    const later = new Link("later")
    const queue: FlushQueue = new FlushQueue((link) => {
      sent.push(link.name)
      if (link.name === "a") queue.mark(later)
    })
    queue.mark(new Link("a"))
    await turn()
    expect(sent).toEqual(["a"])
    await turn()
    expect(sent).toEqual(["a", "later"])
  })
})
