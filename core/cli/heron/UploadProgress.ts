/**
 * The upload step's progress: what the uploader reports through `UploadOptions.onProgress` (the
 * s3 plugin after each part of a multipart upload, hdfs per chunk), printed as notes under
 * `[4/8] uploading ...`:
 *
 * ```
 * [4/8] uploading the package of big
 *       8.0 MiB of 20.3 MiB sent (39%)
 *       16.0 MiB of 20.3 MiB sent (78%)
 *       20.3 MiB of 20.3 MiB sent (100%)
 * ```
 *
 * Packages under {@link MIN_REPORTED_BYTES} go up in a blink and print nothing.
 */
import { Effect, Fiber, Option, Queue } from "effect"
import type { UploadOptions } from "../../Uploader.js"
import type { Progress } from "./Progress.js"

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/** The smallest package whose upload progress is printed. */
export const MIN_REPORTED_BYTES = MiB

/** `512 bytes`, `12.5 KiB`, `8.0 MiB`, `1.2 GiB`. */
export const formatBytes = (n: number): string =>
  n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= KiB ? `${(n / KiB).toFixed(1)} KiB` : `${n} bytes`

/** The note of one report: `8.0 MiB of 20.3 MiB sent (39%)`. The percentage is floored, so 100%
 * means done. */
export const line = (sent: number, total: number): string =>
  `${formatBytes(sent)} of ${formatBytes(total)} sent (${total === 0 ? 100 : Math.floor((sent / total) * 100)}%)`

/** Which reports are printed: none below {@link MIN_REPORTED_BYTES}; otherwise each new count that
 * moves the percentage (or finishes), never the starting 0. */
const filter = () => {
  let lastSent = 0
  let lastPercent = -1
  return (sent: number, total: number): boolean => {
    if (total < MIN_REPORTED_BYTES || sent <= lastSent) return false
    const percent = Math.floor((sent / total) * 100)
    if (percent <= lastPercent && sent < total) return false
    lastSent = sent
    lastPercent = percent
    return true
  }
}

/**
 * Runs `upload` with an `onProgress` that prints through `progress`. The uploader calls it from
 * its own (non-Effect) callbacks: reports are queued there and printed, in order, by a fiber that
 * has printed them all before this effect ends (succeeded, failed or interrupted).
 */
export const withUploadProgress = <A, E>(
  progress: Progress,
  upload: (options: UploadOptions) => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.gen(function*() {
    const reports = yield* Queue.unbounded<Option.Option<readonly [number, number]>>()
    const printer = yield* Queue.take(reports).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(false),
        onSome: ([sent, total]) => Effect.as(progress.note(line(sent, total)), true)
      })),
      Effect.repeat({ while: (more) => more }),
      Effect.fork
    )
    const shown = filter()
    const onProgress = (sent: number, total: number) => {
      if (shown(sent, total)) Queue.unsafeOffer(reports, Option.some([sent, total] as const))
    }
    return yield* upload({ onProgress }).pipe(
      Effect.ensuring(Queue.offer(reports, Option.none()).pipe(Effect.zipRight(Fiber.join(printer))))
    )
  })
