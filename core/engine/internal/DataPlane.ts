/**
 * The stream manager's data plane: routes frames by destination task, without decoding payloads,
 * to a local instance or to the stream manager of the task's container; keeps the XOR ledger of
 * the local spouts' tuple trees; batches per destination (flushed when 64 KB are buffered, else
 * at the end of the current event-loop turn); and watches every buffer against the backpressure
 * watermarks. Plain TypeScript (it runs per frame); sockets and workers are attached by the
 * StreamManager.
 */
import { AckTable } from "./AckTable.js"
import { Backpressure, type Transition, type Watermarks } from "./Backpressure.js"
import { ByteWriter } from "./ByteWriter.js"
import { FailReason, forEachFrame, Kind, rootHiOf, rootKey, rootLoOf, writeControl, writeOutcome } from "./Frames.js"
import { emptyStats, Link, type DataPlaneStats, type Outlet } from "./Link.js"
import { ROUTE_BYTES } from "./Outbox.js"

const FLUSH_BYTES = 64 * 1024
const MAX_BATCHES_IN_FLIGHT = 2

export interface DataPlaneOptions {
  readonly container: number
  /** The tasks of this container's instances (fixed for the life of the container). */
  readonly localTasks: ReadonlyArray<number>
  readonly watermarks: Watermarks
  readonly messageTimeoutMs: number
  /** Spouts of this container must stop (true) or may resume (false). */
  readonly onPaused: (paused: boolean) => void
}

/** One per stream manager; see the top of this file. */
export class DataPlane {
  readonly acks: AckTable
  readonly bp: Backpressure
  stats: DataPlaneStats = emptyStats()
  private readonly instances = new Map<number, Link>()
  private readonly peers = new Map<number, Link>()
  private routes: Array<Link | undefined> = []
  /** By task id: true for this container's tasks (a Map lookup per frame costs more). */
  private readonly local: Array<boolean> = []
  private readonly dirty: Array<Link> = []
  private flushScheduled = false
  private paused = false
  private readonly control = new ByteWriter(64)

  constructor(private readonly o: DataPlaneOptions) {
    this.acks = new AckTable(o.messageTimeoutMs)
    this.bp = new Backpressure(o.watermarks)
    for (const t of o.localTasks) {
      this.instances.set(t, new Link(`instance-${t}`))
      this.local[t] = true
    }
    for (const [t, link] of this.instances) this.routes[t] = link
  }

  /** Sets the routing table: the container of every remote task. Links of containers that left
   * the plan are dropped. */
  setPlan(remoteTasks: ReadonlyMap<number, number>): void {
    const containers = new Set(remoteTasks.values())
    for (const c of containers) if (!this.peers.has(c)) this.peers.set(c, new Link(`stmgr-${c}`))
    for (const [c, link] of this.peers) if (!containers.has(c)) {
      this.dropLink(this.peers, c, link)
      this.bp.setRemote(c, false)
    }
    const routes: Array<Link | undefined> = []
    for (const [t, link] of this.instances) routes[t] = link
    for (const [t, c] of remoteTasks) if (!this.instances.has(t)) routes[t] = this.peers.get(c)
    this.routes = routes
    this.checkPaused()
  }

  private dropLink(map: Map<number, Link>, key: number, link: Link): void {
    map.delete(key)
    this.afterTransition(this.bp.remove(link.name))
  }

  /** Connects (or disconnects, with `undefined`) the worker of a local task. Frames buffered while
   * it was away are sent to the new one; what the old one had not processed is gone. */
  attachInstance(task: number, outlet: Outlet | undefined): void {
    const link = this.instances.get(task)
    if (link === undefined) return
    link.outlet = outlet
    link.inflight = 0
    link.batches = 0
    if (outlet === undefined) {
      this.acks.dropTask(task)
      this.afterTransition(this.bp.update(link.name, link.buffered))
    } else this.markDirty(link)
  }

  /** Connects (or disconnects) the outbound socket to the stream manager of `container`. */
  attachPeer(container: number, outlet: Outlet | undefined): void {
    const link = this.peers.get(container)
    if (link === undefined) return
    link.outlet = outlet
    if (outlet === undefined) {
      this.afterTransition(this.bp.update(link.name, link.buffered))
    } else {
      writeControl(this.control, Kind.HELLO, this.o.container)
      if (this.bp.initiating) writeControl(this.control, Kind.BP_START, this.o.container)
      outlet.send(this.control.take())
      this.markDirty(link)
    }
  }

  /** An inbound connection from `container` closed: its backpressure, if any, ends with it. */
  peerGone(container: number): void {
    this.bp.setRemote(container, false)
    this.checkPaused()
  }

  /** An instance processed `bytes` of what it was sent. */
  consumed(task: number, bytes: number): void {
    const link = this.instances.get(task)
    if (link === undefined) return
    link.inflight = Math.max(0, link.inflight - bytes)
    link.batches = Math.max(0, link.batches - 1)
    if (link.out.len > 0) this.markDirty(link)
    this.afterTransition(this.bp.update(link.name, link.buffered))
  }

  /** A socket drained: its buffer may be back under the low mark. */
  drained(container: number): void {
    const link = this.peers.get(container)
    if (link !== undefined) this.afterTransition(this.bp.update(link.name, link.buffered))
  }

  /** A batch of frames from a local instance: routed frame by frame, or, when it starts with a
   * ROUTE frame, forwarded whole to that container's stream manager. */
  fromInstance(batch: Buffer): void {
    if (batch.length >= ROUTE_BYTES && batch.readUInt32LE(4) === 0 && batch[8] === Kind.ROUTE) {
      return this.forward(batch.readUInt32LE(9), batch.subarray(ROUTE_BYTES))
    }
    forEachFrame(batch, 0, batch.length, this.onFrame)
    this.scheduleFlush()
  }

  /** Sends frames for another container on as they are: straight to its socket when nothing is
   * queued before them, else behind what is. */
  private forward(container: number, frames: Buffer): void {
    const link = this.peers.get(container)
    let tuples = 0
    forEachFrame(frames, 0, frames.length, (b, s) => {
      if (b[s + 8] === Kind.DATA) tuples++
    })
    if (link === undefined) {
      this.stats.dropped += tuples
      return
    }
    this.stats.tuplesToPeers += tuples
    this.stats.bytesToPeers += frames.length
    const outlet = link.outlet
    if (outlet !== undefined && link.out.len === 0) {
      outlet.send(frames)
      this.afterTransition(this.bp.update(link.name, link.buffered))
      return
    }
    link.out.bytes(frames)
    this.markDirty(link)
  }

  /** Frames from another stream manager (complete frames, see FrameReader). */
  readonly fromPeer = (buf: Buffer, start: number, end: number): void => {
    const dest = buf.readUInt32LE(start + 4)
    if (dest === 0) {
      const kind = buf[start + 8]
      const container = buf.readUInt32LE(start + 9)
      if (kind === Kind.BP_START || kind === Kind.BP_STOP) {
        this.bp.setRemote(container, kind === Kind.BP_START)
        this.checkPaused()
      }
      return
    }
    this.onFrame(buf, start, end)
    this.scheduleFlush()
  }

  private readonly onFrame = (buf: Buffer, start: number, end: number): void => {
    const dest = buf.readUInt32LE(start + 4)
    const kind = buf[start + 8]!
    const local = this.local[dest] === true
    if (local && kind >= Kind.ACK_INIT && kind <= Kind.FAIL_ROOT) return this.ack(kind, dest, buf, start)
    const link = this.routes[dest]
    if (link === undefined) {
      this.stats.dropped++
      return
    }
    if (kind === Kind.DATA) {
      if (local) {
        this.stats.tuplesToWorkers++
        this.stats.bytesToWorkers += end - start
      } else {
        this.stats.tuplesToPeers++
        this.stats.bytesToPeers += end - start
      }
    }
    link.out.bytes(buf, start, end)
    this.markDirty(link)
    if (link.out.len >= FLUSH_BYTES) this.flushLink(link)
  }

  private ack(kind: number, spoutTask: number, buf: Buffer, at: number): void {
    const hi = buf.readUInt32LE(at + 9)
    const lo = buf.readUInt32LE(at + 13)
    const key = rootKey(hi, lo)
    if (kind === Kind.ACK_INIT) {
      this.acks.open(spoutTask, key, buf.readInt32LE(at + 17), buf.readInt32LE(at + 21), performance.now())
    } else if (kind === Kind.ACK_XOR) {
      const done = this.acks.xor(key, buf.readInt32LE(at + 17), buf.readInt32LE(at + 21))
      if (done !== undefined) this.outcome(Kind.ACKED, spoutTask, key, 0)
    } else if (this.acks.fail(key) !== undefined) this.outcome(Kind.FAILED, spoutTask, key, FailReason.EXPLICIT)
  }

  private outcome(kind: number, spoutTask: number, key: number, reason: number): void {
    const link = this.instances.get(spoutTask)
    if (link === undefined) return
    if (kind === Kind.ACKED) this.stats.acked++
    else if (reason === FailReason.TIMEOUT) this.stats.timedOut++
    else this.stats.failed++
    writeOutcome(link.out, kind, spoutTask, rootHiOf(key), rootLoOf(key), reason)
    this.markDirty(link)
  }

  /** Fails the roots whose message timeout passed. Called periodically. */
  expire(now = performance.now()): void {
    this.acks.expire(now, (key, e) => this.outcome(Kind.FAILED, e.spoutTask, key, FailReason.TIMEOUT))
    this.scheduleFlush()
  }

  private markDirty(link: Link): void {
    if (link.dirty) return
    link.dirty = true
    this.dirty.push(link)
    this.scheduleFlush()
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.dirty.length === 0) return
    this.flushScheduled = true
    setImmediate(this.flush)
  }

  /** Sends every buffered batch whose destination is connected. */
  readonly flush = (): void => {
    this.flushScheduled = false
    const links = this.dirty.splice(0)
    for (const link of links) {
      link.dirty = false
      this.flushLink(link)
    }
  }

  /** Sends a link's batch. An instance that has two batches to work through already gets the
   * next one when it reports one consumed (or once 64 KB are waiting): while it is busy, tuples
   * gather into bigger batches instead of costing a message each. */
  private flushLink(link: Link): void {
    const outlet = link.outlet
    if (outlet !== undefined && link.out.len > 0) {
      const counted = outlet.queued === undefined
      if (counted && link.batches >= MAX_BATCHES_IN_FLIGHT && link.out.len < FLUSH_BYTES) return
      const batch = link.out.takeOwned()
      if (counted) {
        link.inflight += batch.length
        link.batches++
      }
      outlet.send(batch)
    }
    this.afterTransition(this.bp.update(link.name, link.buffered))
  }

  private afterTransition(t: Transition): void {
    if (t !== undefined) {
      writeControl(this.control, t === "start" ? Kind.BP_START : Kind.BP_STOP, this.o.container)
      const frame = this.control.take()
      for (const peer of this.peers.values()) peer.outlet?.send(frame.slice())
    }
    this.checkPaused()
  }

  private checkPaused(): void {
    const paused = this.bp.paused
    if (paused !== this.paused) {
      this.paused = paused
      this.o.onPaused(paused)
    }
  }

  /** Whether local spouts are held back now. */
  get spoutsPaused(): boolean {
    return this.paused
  }
}
