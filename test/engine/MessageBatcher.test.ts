import { describe, expect, it } from "vitest"
import { MessageBatcher, type Outgoing } from "../../core/engine/internal/MessageBatcher.js"

const recorder = () => {
  const posts: Array<{ readonly message: Outgoing | ReadonlyArray<Outgoing>; readonly transfer: Array<ArrayBuffer> }> = []
  const batcher = new MessageBatcher((message, transfer) => void posts.push({ message, transfer }))
  return { posts, batcher }
}

const batch = (n: number) => new Uint8Array(new ArrayBuffer(n))

describe("an instance's messages of one turn", () => {
  it("go as one message, in order, each buffer transferred once", async () => {
    const { posts, batcher } = recorder()
    const a = batch(10)
    const b = batch(20)
    const pooled = new ArrayBuffer(64)
    batcher.control({ t: "consumed", bytes: 64, buffer: pooled })
    batcher.send(a)
    batcher.send(b)
    // A second batch read into the same buffer: its report must not give the buffer back twice.
    batcher.control({ t: "consumed", bytes: 32, buffer: pooled })
    batcher.control({ t: "metrics", metrics: [["m", 1]] })
    expect(posts).toEqual([]) // not before the turn's code is done
    await Promise.resolve()
    expect(posts).toHaveLength(1)
    expect(posts[0]!.message).toEqual([
      { t: "consumed", bytes: 64, buffer: pooled }, a, b, { t: "consumed", bytes: 32 }, { t: "metrics", metrics: [["m", 1]] }
    ])
    expect(posts[0]!.transfer).toEqual([pooled, a.buffer, b.buffer])
    // The next turn starts afresh.
    batcher.send(a)
    await Promise.resolve()
    expect(posts).toHaveLength(2)
    expect(posts[1]).toEqual({ message: a, transfer: [a.buffer] }) // one item: posted bare
  })

  it("are posted at once by flush (before the thread exits), and not again", async () => {
    const { posts, batcher } = recorder()
    batcher.control({ t: "exception", error: { message: "m", stack: "s" }, fatal: true })
    batcher.flush()
    expect(posts).toHaveLength(1)
    await Promise.resolve()
    expect(posts).toHaveLength(1)
  })
})
