/**
 * Secrets resolved from `env("NAME")` in cluster files must never reach a log, an error or an API
 * answer. The loader registers every resolved secret here; the logger, the CLI's error printer and
 * the Tracker pass their text through `redact`.
 */
import { Context, Effect, Layer, Ref } from "effect"

export const REDACTED = "<redacted>"

export interface RedactorService {
  /** Remembers a secret value. Empty values are ignored (they would match everywhere). */
  readonly register: (secret: string) => Effect.Effect<void>
  /** Replaces every registered secret in `text` with `<redacted>`. */
  readonly redact: (text: string) => Effect.Effect<string>
}

export class Redactor extends Context.Tag("heron/Redactor")<Redactor, RedactorService>() {}

/** Replaces each secret in `text`, longest first so that a secret containing another is fully
 * hidden. The JSON-escaped form of each secret is replaced too, so JSON text is covered. */
export const redactWith = (secrets: Iterable<string>, text: string): string =>
  [...secrets]
    .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length)
    .reduce((acc, s) => (s.length === 0 ? acc : acc.split(s).join(REDACTED)), text)

export const make: Effect.Effect<RedactorService> = Effect.map(Ref.make<ReadonlySet<string>>(new Set()), (ref) => ({
  register: (secret) => (secret.length === 0 ? Effect.void : Ref.update(ref, (s) => new Set([...s, secret]))),
  redact: (text) => Effect.map(Ref.get(ref), (s) => redactWith(s, text))
}))

export const layer: Layer.Layer<Redactor> = Layer.effect(Redactor, make)
