/**
 * The time budget of one slice of an instance's input loop. A worker that executes message after
 * message without returning to the event loop starves its timers (tick tuples, metrics reports,
 * the user's own intervals): the runners execute their queued input in slices of at most
 * `SLICE_MS`, and yield to the event loop (setImmediate) between slices.
 *
 * Reading the clock per tuple would cost more than many bolts' `execute`, so the clock is read
 * every `stride` items, the stride adapting to the items' cost: about eight reads per slice
 * whatever the cost (cheap items: up to `MAX_STRIDE` between reads; slow ones: every item).
 */

/** How long a slice may run before the runner yields, ms. */
export const SLICE_MS = 5
/** The most items between two clock reads. */
export const MAX_STRIDE = 32

/** The default clock: monotonic milliseconds. */
export const monotonicMs = (): number => performance.now()

export class SliceBudget {
  private deadline = 0
  private last = 0
  private stride = 1
  private left = 1

  constructor(
    readonly budgetMs: number = SLICE_MS,
    private readonly clock: () => number = monotonicMs
  ) {}

  /** Starts a slice. */
  start(): void {
    const now = this.clock()
    this.deadline = now + this.budgetMs
    this.last = now
    this.left = this.stride
  }

  /** Counts one item done; true once the slice's budget is spent (the caller yields). */
  spent(): boolean {
    if (--this.left > 0) return false
    const now = this.clock()
    const took = now - this.last
    this.last = now
    // Aim at a read every eighth of the budget: at most double the stride per read (a few cheap
    // items say little), and cut it at once when items turn slow.
    const target = this.budgetMs / 8
    const fit = took <= 0 ? MAX_STRIDE : Math.floor((this.stride * target) / took)
    this.stride = Math.max(1, Math.min(MAX_STRIDE, 2 * this.stride, fit))
    this.left = this.stride
    return now >= this.deadline
  }
}
