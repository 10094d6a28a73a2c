/**
 * The stream manager's data plane: routes frames by destination task, without decoding payloads,
 * to a local instance or to the stream manager of the task's container; keeps the XOR ledger of
 * the local spouts' tuple trees; batches per destination (flushed when 64 KB are buffered, else
 * at the end of the current event-loop turn: FlushQueue.ts); and watches every buffer against the
 * backpressure watermarks. Plain TypeScript (it runs per frame); sockets and workers are attached
 * by the StreamManager.
 *
 * Tuples arrive in runs (RUN frames, see Outbox.ts), so the work here is per run, not per tuple:
 * a batch for another container is forwarded whole (copied once into that container's batch when
 * it is a view of an instance's ring); a run for a local task is copied once into the task's
 * batch, which goes into the instance's ring (Ring.ts). No buffer is allocated per batch: the
 * batches written to other containers' sockets come from the pool and go back to it once written,
 * as do those a frame cut by a socket read is completed in (BufferPool.ts).
 * Acking work arrives as one ACKS frame per instance batch and spout task, applied to the XOR
 * ledger in one pass (AckFrames.ts).
 */
import { AckFrames } from "./AckFrames.js"
import { AckTable } from "./AckTable.js"
import { Backpressure, type Transition, type Watermarks } from "./Backpressure.js"
import { BufferPool } from "./BufferPool.js"
import { ByteWriter, get32 } from "./ByteWriter.js"
import { FailReason, forEachFrame, Kind, RUN_HEAD, tuplesIn, writeControl, writeOutcome } from "./Frames.js"
import { FlushQueue } from "./FlushQueue.js"
import { emptyStats, FLUSH_BYTES, Link, type DataPlaneStats, type Outlet } from "./Link.js"
import { ROUTE_BYTES } from "./Outbox.js"

/** A run at least this big, in a buffer of its own, goes to its instance as it is (no copy) at
 * the end of the turn, when nothing waits before it. */
const PASS_BYTES = 16 * 1024

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
  /** Buffers for the frames read from other stream managers (see FrameReader), which come back
   * from the instances they are handed to. */
  readonly pool = new BufferPool()
  stats: DataPlaneStats = emptyStats()
  private readonly instances = new Map<number, Link>()
  private readonly peers = new Map<number, Link>()
  /** Sockets of peers whose container is not in the plan yet (see `attachPeer`). */
  private readonly pendingPeers = new Map<number, Outlet>()
  private routes: Array<Link | undefined> = []
  /** By task id: true for this container's tasks (a Map lookup per frame costs more). */
  private readonly local: Array<boolean> = []
  private readonly queue = new FlushQueue((link) => this.flushLink(link))
  private paused = false
  private readonly control = new ByteWriter(64)
  private readonly ackFrames: AckFrames

  constructor(private readonly o: DataPlaneOptions) {
    this.acks = new AckTable(o.messageTimeoutMs)
    this.ackFrames = new AckFrames(this.acks, (kind, task, hi, lo, reason) => this.outcome(kind, task, hi, lo, reason))
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
    const added: Array<number> = []
    for (const c of containers) if (!this.peers.has(c)) {
      this.peers.set(c, new Link(`stmgr-${c}`, this.pool))
      added.push(c)
    }
    for (const [c, link] of this.peers) if (!containers.has(c)) {
      this.peers.delete(c)
      this.pendingPeers.delete(c)
      this.afterTransition(this.bp.remove(link.name))
      this.bp.setRemote(c, false)
    }
    const routes: Array<Link | undefined> = []
    for (const [t, link] of this.instances) routes[t] = link
    for (const [t, c] of remoteTasks) if (!this.instances.has(t)) routes[t] = this.peers.get(c)
    this.routes = routes
    // A peer that connected before the plan named its container.
    for (const c of added) {
      const outlet = this.pendingPeers.get(c)
      this.pendingPeers.delete(c)
      if (outlet !== undefined) this.attachPeer(c, outlet)
    }
    this.checkPaused()
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
    } else this.queue.mark(link)
  }

  /** This stream manager's container. */
  get container(): number {
    return this.o.container
  }

  /** Connects (or disconnects) the socket this stream manager writes to the stream manager of
   * `container` on. One for a container not in the plan (yet) is kept until it is. */
  attachPeer(container: number, outlet: Outlet | undefined): void {
    const link = this.peers.get(container)
    if (link === undefined) {
      if (outlet === undefined) this.pendingPeers.delete(container)
      else this.pendingPeers.set(container, outlet)
      return
    }
    link.outlet = outlet
    if (outlet === undefined) {
      this.afterTransition(this.bp.update(link.name, link.buffered))
    } else {
      writeControl(this.control, Kind.HELLO, this.o.container)
      if (this.bp.initiating) writeControl(this.control, Kind.BP_START, this.o.container)
      outlet.send(this.control.take())
      this.queue.mark(link)
    }
  }

  /** `outlet` (a socket to `container`) closed: disconnects it, unless another replaced it. */
  detachPeer(container: number, outlet: Outlet): void {
    if (this.pendingPeers.get(container) === outlet) this.pendingPeers.delete(container)
    if (this.peers.get(container)?.outlet === outlet) this.attachPeer(container, undefined)
  }

  /** The connection `container`'s frames came on closed: its backpressure, if any, ends with it. */
  peerGone(container: number): void {
    this.bp.setRemote(container, false)
    this.checkPaused()
  }

  /** An instance processed `bytes` of what it was sent, and gave back the batch's `buffer`. */
  consumed(task: number, bytes: number, buffer?: ArrayBuffer): void {
    if (buffer !== undefined) this.pool.give(buffer)
    const link = this.instances.get(task)
    if (link === undefined) return
    link.inflight = Math.max(0, link.inflight - bytes)
    link.batches = Math.max(0, link.batches - 1)
    if (link.pending) this.queue.mark(link)
    this.afterTransition(this.bp.update(link.name, link.buffered))
  }

  /** A socket drained: its buffer may be back under the low mark. */
  drained(container: number): void {
    const link = this.peers.get(container)
    if (link !== undefined) this.afterTransition(this.bp.update(link.name, link.buffered))
  }

  /** A batch of frames from a local instance: routed frame by frame, or, when it starts with a
   * ROUTE frame, forwarded whole to that container's stream manager. `owned`: the batch has its
   * own ArrayBuffer, which may be handed on (transferred to a worker). */
  fromInstance(batch: Buffer, owned = false): void {
    if (batch.length >= ROUTE_BYTES && batch.readUInt32LE(4) === 0 && batch[8] === Kind.ROUTE) {
      return this.forward(batch.readUInt32LE(9), batch.subarray(ROUTE_BYTES), owned)
    }
    this.ackFrames.newBatch()
    // A batch that is one run (an instance feeding one local task) can go on without a copy.
    if (owned && batch.length >= 4 && 4 + batch.readUInt32LE(0) === batch.length) this.route(batch, 0, batch.length, true)
    else forEachFrame(batch, 0, batch.length, this.onFrame)
    this.queue.schedule()
  }

  /** Sends frames for another container on as they are, at the end of the turn with whatever
   * else goes to that container then (one socket write for them all), behind what is queued.
   * Frames that are not `owned` (a view of an instance's ring) are copied. */
  private forward(container: number, frames: Buffer, owned: boolean): void {
    const link = this.peers.get(container)
    // Instances put their tuples in runs: a few frames to count, whatever the tuple size.
    let tuples = 0
    forEachFrame(frames, 0, frames.length, (b, s) => {
      tuples += tuplesIn(b, s)
    })
    if (link === undefined) {
      this.stats.dropped += tuples
      return
    }
    this.stats.tuplesToPeers += tuples
    this.stats.bytesToPeers += frames.length
    if (owned && link.outlet !== undefined && link.out.len === 0) link.hold(frames)
    else link.out.bytes(frames)
    this.queue.mark(link)
    // Sent once big enough, as `route` does: a batch that grew large would end as a big buffer.
    if (link.out.len >= FLUSH_BYTES) this.flushLink(link)
  }

  /** Frames from another stream manager (complete frames, see FrameReader; `owned`: the frame
   * is alone in its own ArrayBuffer, which may be handed on). */
  readonly fromPeer = (buf: Buffer, start: number, end: number, owned = false): void => {
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
    this.ackFrames.newBatch()
    this.route(buf, start, end, owned)
    this.queue.schedule()
  }

  private readonly onFrame = (buf: Buffer, start: number, end: number): void => this.route(buf, start, end, false)

  /** Routes one frame by its destination task; a RUN for a local task gives the instance its
   * DATA frames, in one copy, or none when the run is `owned`, big and nothing waits before it. */
  private route(buf: Buffer, start: number, end: number, owned: boolean): void {
    const dest = get32(buf, start + 4)
    const kind = buf[start + 8]!
    const local = this.local[dest] === true
    if (local && kind === Kind.ACKS) return this.ackFrames.apply(dest, buf, start, end)
    const link = this.routes[dest]
    const tuples = tuplesIn(buf, start)
    if (link === undefined) {
      this.stats.dropped += kind === Kind.RUN ? tuples : 1
      return
    }
    const from = local && kind === Kind.RUN ? start + RUN_HEAD : start
    if (tuples > 0) {
      if (local) {
        this.stats.tuplesToWorkers += tuples
        this.stats.bytesToWorkers += end - from
      } else {
        this.stats.tuplesToPeers += tuples
        this.stats.bytesToPeers += end - start
      }
    }
    // A big run is a batch already: it goes on even to a busy instance (gathering it with more
    // frames would copy it for nothing; backpressure still counts its bytes).
    if (owned && from > start && end - from >= PASS_BYTES && link.out.len === 0 && link.outlet?.offer === undefined) {
      link.hold(buf.subarray(from, end))
      return this.queue.mark(link)
    }
    link.out.bytes(buf, from, end)
    // Copied: an owned buffer is free again.
    if (owned && buf.buffer instanceof ArrayBuffer) this.pool.give(buf.buffer)
    this.queue.mark(link)
    if (link.out.len >= FLUSH_BYTES) this.flushLink(link)
  }

  /** Tells a local spout task that one of its trees ended (an ACKED or FAILED frame), counted. */
  private outcome(kind: number, spoutTask: number, hi: number, lo: number, reason: number): void {
    const link = this.routes[spoutTask]
    if (link === undefined || this.local[spoutTask] !== true) return
    if (kind === Kind.ACKED) this.stats.acked++
    else if (reason === FailReason.TIMEOUT) this.stats.timedOut++
    else this.stats.failed++
    writeOutcome(link.out, kind, spoutTask, hi, lo, reason)
    this.queue.mark(link)
  }

  /** Fails the roots whose message timeout passed. Called periodically. */
  expire(now = performance.now()): void {
    this.ackFrames.expire(now)
    this.queue.schedule()
  }

  /** Sends every buffered batch whose destination is connected. */
  flush(): void {
    this.queue.flush()
  }

  /** Sends a link's batches, if they may go now (see `Link.flush`). */
  private flushLink(link: Link): void {
    link.flush()
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
