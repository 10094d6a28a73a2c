import { describe, expect, it } from "vitest"
import { BatchSender } from "../../core/engine/internal/BatchSender.js"
import { MessageBatcher, type Outgoing } from "../../core/engine/internal/MessageBatcher.js"
import { makeRing, RingReader, RingWriter } from "../../core/engine/internal/Ring.js"

/** A sender over a ring of `bytes`, the stream manager's end of it, and what was posted. */
const setup = (bytes: number) => {
  const spec = makeRing(bytes)
  const posted: Array<Outgoing> = []
  const isList = (m: Outgoing | ReadonlyArray<Outgoing>): m is ReadonlyArray<Outgoing> => Array.isArray(m)
  const out = new MessageBatcher((m) => {
    if (isList(m)) posted.push(...m)
    else posted.push(m)
  }, (f) => f())
  const blocked: Array<boolean> = []
  const sender = new BatchSender(new RingWriter(spec), out, (b) => void blocked.push(b))
  const reader = new RingReader(spec)
  /** The stream manager's side: reads every batch posted so far, releasing each; true when the
   * writer asked to be told of room. */
  const received: Array<Buffer> = []
  const drain = (): boolean => {
    let wake = false
    for (const m of posted.splice(0)) {
      if (typeof m === "number") {
        received.push(Buffer.from(reader.next(m)))
        wake = reader.release() || wake
      } else if (m instanceof Uint8Array) received.push(Buffer.from(m))
    }
    return wake
  }
  return { sender, blocked, received, drain }
}

describe("an instance's batches to its stream manager", () => {
  it("go through the ring; while it has no room they wait, in order, and the instance holds back", () => {
    const { sender, blocked, received, drain } = setup(1024)
    // Lent views of one buffer that is rewritten after each call, as the outbox lends them.
    const lent = Buffer.alloc(400)
    const send = (v: number) => {
      lent.fill(v)
      sender.send(lent)
    }
    send(1)
    send(2)
    send(3) // no room: waits (a copy), and the instance is told to hold back
    send(4)
    expect(blocked).toEqual([true])
    // The stream manager takes what is in the ring, and says room was freed.
    expect(drain()).toBe(true)
    sender.resume()
    expect(blocked).toEqual([true, false])
    drain()
    expect(received.map((b) => [b.length, b[0], b[399]])).toEqual([[400, 1, 1], [400, 2, 2], [400, 3, 3], [400, 4, 4]])
  })

  it("sends a batch bigger than the whole ring as a buffer of its own, in its turn", () => {
    const { sender, received, drain } = setup(1024)
    sender.send(Buffer.alloc(100, 1))
    sender.send(Buffer.alloc(5000, 2))
    sender.send(Buffer.alloc(100, 3))
    drain()
    expect(received.map((b) => [b.length, b[0]])).toEqual([[100, 1], [5000, 2], [100, 3]])
  })

  it("sends what waits as buffers of their own when the instance stops", () => {
    const { sender, received, drain } = setup(1024)
    for (let v = 1; v <= 4; v++) sender.send(Buffer.alloc(400, v))
    sender.flush()
    drain()
    expect(received.map((b) => b[0])).toEqual([1, 2, 3, 4])
  })
})
