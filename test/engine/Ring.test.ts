import { describe, expect, it } from "vitest"
import { ByteWriter } from "../../core/engine/internal/ByteWriter.js"
import { DataPlane } from "../../core/engine/internal/DataPlane.js"
import { forEachFrame, Kind, writeControl } from "../../core/engine/internal/Frames.js"
import { FLUSH_BYTES, Link, type Outlet } from "../../core/engine/internal/Link.js"
import { isRingSpec, makeRing, RingReader, RingWriter } from "../../core/engine/internal/Ring.js"
import { watermarksOf } from "../../core/engine/internal/StmgrConfig.js"

const filled = (n: number, v: number) => Buffer.alloc(n, v)

/** A DATA frame for `dest` with `body` bytes after the header (only the header matters here). */
const frame = (w: ByteWriter, dest: number, body: number) => {
  w.ensure(9 + body)
  w.buf.writeUInt32LE(5 + body, w.len)
  w.buf.writeUInt32LE(dest, w.len + 4)
  w.buf[w.len + 8] = Kind.DATA
  w.buf.fill(dest & 0xff, w.len + 9, w.len + 9 + body)
  w.len += 9 + body
}

describe("ring between a worker and its stream manager", () => {
  it("hands batches over in order, each at the place both ends compute from its length alone", () => {
    const spec = makeRing(1024)
    expect(isRingSpec(spec)).toBe(true)
    const w = new RingWriter(spec)
    const r = new RingReader(spec)
    const held: Array<{ readonly view: Buffer; readonly v: number }> = []
    let seed = 7
    let written = 0
    let refused = 0
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      if (seed % 100 < 55) {
        const n = 1 + (seed % 300)
        const v = i & 0xff
        if (w.write([filled(n >> 1, v), filled(n - (n >> 1), v)], n)) {
          held.push({ view: r.next(n), v })
          written++
        } else refused++
      } else if (held.length > 0) {
        // Nothing was written over a batch the reader still holds.
        const { view, v } = held.shift()!
        expect(view.every((x) => x === v)).toBe(true)
        r.release()
      }
    }
    expect(written).toBeGreaterThan(5000)
    expect(refused).toBeGreaterThan(0)
  })

  it("refuses a batch while the reader holds the room it needs, and takes it once released", () => {
    const spec = makeRing(1024)
    const w = new RingWriter(spec)
    const r = new RingReader(spec)
    expect(w.write([filled(600, 1)], 600)).toBe(true)
    const first = r.next(600)
    expect(w.write([filled(600, 2)], 600)).toBe(false)
    expect(first[599]).toBe(1)
    r.release()
    // Empty again: any batch up to the ring's size fits, wherever the last one ended.
    expect(w.write([filled(1000, 3)], 1000)).toBe(true)
    expect(r.next(1000).every((x) => x === 3)).toBe(true)
    expect(w.write([filled(2000, 4)], 2000)).toBe(false)
  })

  it("tells its own views from other buffers", () => {
    const spec = makeRing(1024)
    const w = new RingWriter(spec)
    const r = new RingReader(spec)
    w.write([filled(10, 1)], 10)
    expect(r.holds(r.next(10))).toBe(true)
    expect(r.holds(filled(10, 1))).toBe(false)
  })
})

describe("link to an outlet that copies (an instance's ring)", () => {
  /** An outlet with room for `room` bytes until `free` is called. */
  const copying = (room: number) => {
    const got: Array<Buffer> = []
    let left = room
    const outlet: Outlet = {
      send: () => {
        throw new Error("a copying outlet is offered batches, not sent them")
      },
      offer: (b) => {
        if (b.length > left) return false
        left -= b.length
        got.push(Buffer.from(b))
        return true
      }
    }
    return { outlet, got, free: (n: number) => void (left += n) }
  }

  it("keeps what finds no room, in order, and offers it again on the next flush", () => {
    const link = new Link("instance-3")
    const o = copying(FLUSH_BYTES + 100)
    link.outlet = o.outlet
    for (let i = 0; i < 3; i++) {
      frame(link.out, 3, FLUSH_BYTES)
      link.flush()
    }
    // The first batch fit; the next two are kept (and counted for backpressure).
    expect(o.got).toHaveLength(1)
    expect(link.pending).toBe(true)
    expect(link.buffered).toBeGreaterThan(3 * FLUSH_BYTES)
    o.free(3 * FLUSH_BYTES)
    link.flush()
    expect(o.got).toHaveLength(3)
    expect(link.pending).toBe(false)
    // Each frame arrived whole, once.
    let frames = 0
    for (const b of o.got) forEachFrame(b, 0, b.length, () => void frames++)
    expect(frames).toBe(3)
  })

  it("is what the data plane gives a batch from an instance's ring to: copied, never kept", () => {
    const plane = new DataPlane({ container: 1, localTasks: [1, 3], watermarks: watermarksOf({}), messageTimeoutMs: 30_000, onPaused: () => {} })
    plane.setPlan(new Map([[9, 2]]))
    const sent: Array<Buffer> = []
    plane.attachPeer(2, { send: (b) => void sent.push(Buffer.from(b)), queued: () => 0 })
    const spec = makeRing(1024)
    const w = new RingWriter(spec)
    const r = new RingReader(spec)
    const b = new ByteWriter(256)
    writeControl(b, Kind.ROUTE, 2)
    frame(b, 9, 20)
    w.write([b.buf.subarray(0, b.len)], b.len)
    const view = r.next(b.len)
    plane.fromInstance(view, false)
    r.release()
    // The ring's memory is reused at once: what goes to the peer must not be a view of it.
    view.fill(0)
    plane.flush()
    const data = sent.flatMap((s) => {
      const kinds: Array<number> = []
      forEachFrame(s, 0, s.length, (x, st) => void kinds.push(x[st + 8]!, x.readUInt32LE(st + 4)))
      return kinds
    })
    expect(data).toEqual([Kind.HELLO, 0, Kind.DATA, 9])
  })
})
