/**
 * An instance's batches to its stream manager: copied into the instance's ring (Ring.ts) and
 * announced by their length. While the ring has no room (the stream manager is behind), batches
 * wait here, in order, and the instance holds back (`onBlocked`: a spout stops emitting, a bolt
 * stops executing), so that a stream manager that falls behind slows its instances down instead of
 * being handed buffers it has to allocate and collect; the stream manager says when it frees room
 * (a `room` message). A batch bigger than the whole ring goes as a buffer of its own.
 */
import type { MessageBatcher } from "./MessageBatcher.js"
import type { RingWriter } from "./Ring.js"

export class BatchSender {
  private readonly waiting: Array<Uint8Array<ArrayBuffer>> = []
  private readonly one: Array<Uint8Array> = []
  private blocked = false

  constructor(
    private readonly ring: RingWriter,
    private readonly out: MessageBatcher,
    private readonly onBlocked: (blocked: boolean) => void
  ) {}

  /** Sends a batch, copied before this returns: the caller may reuse its memory. */
  send(batch: Uint8Array<ArrayBuffer>): void {
    if (this.waiting.length === 0 && this.put(batch)) return
    // A copy (`new Uint8Array`: a Buffer's `slice` is a view).
    this.waiting.push(new Uint8Array(batch))
    if (!this.blocked) {
      this.blocked = true
      this.onBlocked(true)
    }
    this.resume()
  }

  /** Sends what waits, in order, as far as the ring has room; when all went, the instance may go
   * on. Called when the stream manager freed room, and by `send`. */
  resume(): void {
    const waiting = this.waiting
    while (waiting.length > 0) {
      const b = waiting[0]!
      if (!this.put(b)) {
        this.ring.wantRoom()
        // Room freed between the failed write and the request would be announced to no one.
        if (!this.put(b)) return
      }
      waiting.shift()
    }
    if (this.blocked) {
      this.blocked = false
      this.onBlocked(false)
    }
  }

  /** Sends whatever waits as buffers of their own (the instance is stopping). */
  flush(): void {
    for (const b of this.waiting) this.out.send(b)
    this.waiting.length = 0
  }

  private put(batch: Uint8Array<ArrayBuffer>): boolean {
    if (batch.length > this.ring.capacity) {
      // A copy, unless it is one already (made when it had to wait).
      this.out.send(this.waiting[0] === batch ? batch : new Uint8Array(batch))
      return true
    }
    this.one[0] = batch
    if (!this.ring.write(this.one, batch.length)) return false
    this.out.inRing(batch.length)
    return true
  }
}
