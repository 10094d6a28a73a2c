/**
 * What an instance sends its stream manager in one turn (frame batches, `consumed` reports, other
 * control messages), posted as one message: an array, in order. A message costs both threads more
 * than copying a 64 KB batch, and after each slice an instance has several things to say (its
 * batch for this container, one per other container it sends to, the reports of the batches it
 * executed). A batch in the instance's ring (Ring.ts) is its length, a number; one bigger than the
 * ring is a buffer, transferred. The stream manager takes an array element by element (see
 * InstanceWorkers.ts).
 */
import type { FromWorker } from "./WorkerProtocol.js"

/** One element of a posted message: a batch in the ring (its length), a batch of its own, or a
 * control message. */
export type Outgoing = number | Uint8Array<ArrayBuffer> | FromWorker

export class MessageBatcher {
  private items: Array<Outgoing> = []
  private transfer: Array<ArrayBuffer> = []
  private due = false

  /** `post` sends one message; `defer` runs the post once the current turn's code is done. */
  constructor(
    private readonly post: (message: Outgoing | ReadonlyArray<Outgoing>, transfer: Array<ArrayBuffer>) => void,
    private readonly defer: (f: () => void) => void = queueMicrotask
  ) {}

  /** A batch of frames; its ArrayBuffer is transferred. */
  send(batch: Uint8Array<ArrayBuffer>): void {
    this.items.push(batch)
    if (!this.transfer.includes(batch.buffer)) this.transfer.push(batch.buffer)
    this.schedule()
  }

  /** A batch of `bytes` bytes, written into the ring. */
  inRing(bytes: number): void {
    this.items.push(bytes)
    this.schedule()
  }

  /** A control message; a `consumed` report's buffer is transferred back, once. */
  control(message: FromWorker): void {
    if (message.t === "consumed" && message.buffer !== undefined) {
      // Two batches read into one buffer give it back once: a buffer transferred twice is an
      // error, and the stream manager's pool would hand it out twice.
      if (this.transfer.includes(message.buffer)) message = { t: "consumed", bytes: message.bytes }
      else this.transfer.push(message.buffer)
    }
    this.items.push(message)
    this.schedule()
  }

  /** Posts what is pending now (before the thread exits). */
  flush(): void {
    this.due = false
    const items = this.items
    if (items.length === 0) return
    const transfer = this.transfer
    this.items = []
    this.transfer = []
    this.post(items.length === 1 ? items[0]! : items, transfer)
  }

  private schedule(): void {
    if (this.due) return
    this.due = true
    this.defer(() => {
      if (this.due) this.flush()
    })
  }
}
