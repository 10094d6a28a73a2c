/**
 * The bounded line buffer of the `graphite` sink: at most `max` lines, oldest first. Whatever
 * does not fit is dropped from the oldest end, and the caller is told how many went.
 */
import { Chunk } from "effect"

/** A buffer after a change, and how many lines the change dropped. */
export interface Bounded {
  readonly lines: Chunk.Chunk<string>
  readonly dropped: number
}

const trim = (lines: Chunk.Chunk<string>, max: number): Bounded => {
  const excess = Chunk.size(lines) - max
  return excess > 0 ? { lines: Chunk.drop(lines, excess), dropped: excess } : { lines, dropped: 0 }
}

/** Appends newer lines. */
export const append = (buffer: Chunk.Chunk<string>, newer: ReadonlyArray<string>, max: number): Bounded =>
  trim(Chunk.appendAll(buffer, Chunk.fromIterable(newer)), max)

/** Puts back a batch that could not be written, before the lines taken since (it is older). */
export const putBack = (buffer: Chunk.Chunk<string>, batch: Chunk.Chunk<string>, max: number): Bounded =>
  trim(Chunk.appendAll(batch, buffer), max)
