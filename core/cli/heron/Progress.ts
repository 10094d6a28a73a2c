/**
 * Progress of a verb on stderr (results go to stdout): numbered steps (`[2/8] packing ...`) and,
 * with `--verbose`, details. Tests capture it with {@link collect}.
 */
import { Console, Effect, Ref } from "effect"

/** Where a verb reports what it is doing. */
export interface Progress {
  /** A step: printed as `[index/total] text`. */
  readonly step: (index: number, total: number, text: string) => Effect.Effect<void>
  /** A line under the current step (a wait's news, a rollback action). */
  readonly note: (text: string) => Effect.Effect<void>
  /** Printed only with `--verbose`. */
  readonly detail: (text: string) => Effect.Effect<void>
}

/** Lines on stderr. */
export const stderr = (verbose: boolean): Progress => ({
  step: (index, total, text) => Console.error(`[${index}/${total}] ${text}`),
  note: (text) => Console.error(`      ${text}`),
  detail: (text) => (verbose ? Console.error(`      ${text}`) : Effect.void)
})

/** Collects the lines in memory (for tests). */
export const collect = Effect.map(Ref.make<ReadonlyArray<string>>([]), (lines) => {
  const add = (line: string) => Ref.update(lines, (ls) => [...ls, line])
  const progress: Progress = {
    step: (index, total, text) => add(`[${index}/${total}] ${text}`),
    note: add,
    detail: add
  }
  return { progress, lines: Ref.get(lines) }
})

/** Reports nothing. */
export const silent: Progress = { step: () => Effect.void, note: () => Effect.void, detail: () => Effect.void }
